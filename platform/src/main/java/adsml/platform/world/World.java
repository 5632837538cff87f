package adsml.platform.world;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Advertiser;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.User;
import java.util.List;

/**
 * A complete world: its config, entities and two impression logs (train and held-out). Entity ids are dense
 * {@code 0..n-1} and equal their list index, so lookups are {@code list.get(id)}. Every reference is in range: a
 * campaign's advertiser, an ad's campaign (whose category the ad shares), and each impression's user and ad. Immutable
 * (lists are copied; arrays are shared, read-only). The ground truth is not part of the world: recreate it with
 * {@code GroundTruth.create(config().seed(), advertisers().size())}.
 */
public final class World {
    private final WorldConfig config;
    private final List<Advertiser> advertisers;
    private final List<Campaign> campaigns;
    private final List<Ad> ads;
    private final List<User> users;
    private final ImpressionLog train;
    private final ImpressionLog heldout;

    /**
     * @throws IllegalArgumentException when ids are not dense, counts disagree with the config, or a reference is out
     *     of range
     */
    public World(
            WorldConfig config,
            List<Advertiser> advertisers,
            List<Campaign> campaigns,
            List<Ad> ads,
            List<User> users,
            ImpressionLog train,
            ImpressionLog heldout) {
        this.config = config;
        this.advertisers = List.copyOf(advertisers);
        this.campaigns = List.copyOf(campaigns);
        this.ads = List.copyOf(ads);
        this.users = List.copyOf(users);
        this.train = train;
        this.heldout = heldout;
        checkCount("advertisers", this.advertisers.size(), config.advertisers());
        checkCount("campaigns", this.campaigns.size(), config.campaigns());
        checkCount("ads", this.ads.size(), config.ads());
        checkCount("users", this.users.size(), config.users());
        checkCount("train impressions", train.size(), config.trainImpressions());
        checkCount("heldout impressions", heldout.size(), config.heldoutImpressions());
        for (int i = 0; i < this.advertisers.size(); i++) {
            checkId("advertiser", this.advertisers.get(i).id(), i);
        }
        for (int i = 0; i < this.campaigns.size(); i++) {
            Campaign c = this.campaigns.get(i);
            checkId("campaign", c.id(), i);
            if (c.advertiserId() >= this.advertisers.size()) {
                throw new IllegalArgumentException("campaign " + i + ": unknown advertiser " + c.advertiserId());
            }
        }
        for (int i = 0; i < this.ads.size(); i++) {
            Ad a = this.ads.get(i);
            checkId("ad", a.id(), i);
            if (a.campaignId() >= this.campaigns.size()) {
                throw new IllegalArgumentException("ad " + i + ": unknown campaign " + a.campaignId());
            }
            if (a.category() != this.campaigns.get(a.campaignId()).category()) {
                throw new IllegalArgumentException("ad " + i + ": category differs from its campaign's");
            }
        }
        for (int i = 0; i < this.users.size(); i++) {
            checkId("user", this.users.get(i).id(), i);
        }
        checkLog("train", train);
        checkLog("heldout", heldout);
    }

    private static void checkCount(String what, int actual, int expected) {
        if (actual != expected) {
            throw new IllegalArgumentException(what + ": config says " + expected + ", got " + actual);
        }
    }

    private static void checkId(String what, int id, int index) {
        if (id != index) {
            throw new IllegalArgumentException(what + " at index " + index + " has id " + id + " (ids must be dense)");
        }
    }

    private void checkLog(String name, ImpressionLog log) {
        int[] u = log.userId();
        int[] a = log.adId();
        int nu = users.size();
        int na = ads.size();
        for (int i = 0; i < u.length; i++) {
            if (u[i] < 0 || u[i] >= nu || a[i] < 0 || a[i] >= na) {
                throw new IllegalArgumentException(name + " row " + i + ": user or ad out of range");
            }
        }
    }

    public WorldConfig config() {
        return config;
    }

    public List<Advertiser> advertisers() {
        return advertisers;
    }

    public List<Campaign> campaigns() {
        return campaigns;
    }

    public List<Ad> ads() {
        return ads;
    }

    public List<User> users() {
        return users;
    }

    public ImpressionLog train() {
        return train;
    }

    public ImpressionLog heldout() {
        return heldout;
    }

    public Ad ad(int id) {
        return ads.get(id);
    }

    public Campaign campaign(int id) {
        return campaigns.get(id);
    }

    public User user(int id) {
        return users.get(id);
    }
}
