package adsml.platform.offline.generator;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Advertiser;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.Targeting;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.pacing.TrafficCurve;
import adsml.platform.world.ImpressionLog;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;

/**
 * Generates a world from a {@link WorldConfig}, deterministically: the same config gives the same world, on any
 * machine. Each phase (category centroids, advertisers, campaigns, ads, users, train log, held-out log) draws from its
 * own {@link SplittableRandom} stream derived from the seed, so changing, say, the impression count leaves the ads
 * unchanged.
 *
 * <p>What is drawn:
 *
 * <ul>
 *   <li>Per category a centroid embedding, components N(0, 1/sqrt(EMBEDDING_DIM)).
 *   <li>Campaigns: advertiser uniform; category by popularity (share proportional to 1/(k+8)); bid type CPC 70%, CPA
 *       20%, CPM 10%; bid lognormal (CPC median $0.80 sigma 0.7, CPA median $12 sigma 0.7, CPM median $4 sigma 0.6),
 *       rounded to cents; daily budget lognormal median $500 sigma 0.8; targeting: with prob. 0.5 1-4 countries (picked
 *       in proportion to the user population), 0.3 one device or all but one, 0.3 a range of 2-5 age buckets, 0.4 the
 *       campaign's own category plus 0-2 neighbouring categories (id +-1..3) as interests. A random user matches
 *       roughly 30-60% of ads.
 *   <li>Ads: the first {@code campaigns} ads go one per campaign, the rest to uniform campaigns; the ad shares its
 *       campaign's category; embedding = 0.8 * category centroid + 0.6 * noise (same noise scale), rounded to 4
 *       decimals; creative image 40%, video 25%, carousel 20%, text 15%.
 *   <li>Users: country skewed to the US, device, age bucket; 3 distinct interests drawn by category popularity, whose
 *       weights are 3 sorted, normalised exponentials; embedding = 0.7 * top interest's centroid + 0.71 * noise, so
 *       that embedding affinity and interests correlate.
 *   <li>Logs: per request a uniform user, a surface (home_feed 45%, search 20%, video 20%, article 15%), an hour from a
 *       daily curve peaking in the evening, a uniform position 0..4, and an ad rejection-sampled uniformly until its
 *       campaign targets the user (at most 200 tries, then the last one drawn). Click ~ Bernoulli(pClick), conversion ~
 *       click and Bernoulli(pConversion), from {@link GroundTruth#create(long, int)} of the same seed. requestId = row
 *       index.
 * </ul>
 */
public final class WorldGenerator {
    static final double[] COUNTRY_SHARE = {0.34, 0.07, 0.07, 0.06, 0.08, 0.13, 0.06, 0.06, 0.04, 0.09};
    static final double[] DEVICE_SHARE = {0.40, 0.42, 0.18};
    static final double[] AGE_SHARE = {0.16, 0.25, 0.21, 0.16, 0.12, 0.10};
    public static final double[] SURFACE_SHARE = {0.45, 0.20, 0.20, 0.15};
    static final double[] CREATIVE_SHARE = {0.40, 0.25, 0.20, 0.15};
    static final double[] HOUR_SHARE = TrafficCurve.EVENING_PEAK.shares();
    /** Category popularity, proportional to 1/(k+8): shared by campaigns and user interests, like real markets. */
    static final double[] CATEGORY_SHARE = categoryShare();

    static final int MAX_TARGETING_TRIES = 200;
    private static final double NOISE_SD = 1.0 / Math.sqrt(Vocab.EMBEDDING_DIM);
    private static final int PROGRESS_EVERY = 1 << 16;
    private static final String[] NAME_FIRST = {
        "Acme", "Blue", "Nova", "Peak", "Urban", "Lumen", "Terra", "Swift", "Bright", "Cedar", "Polar", "Vivid",
        "Atlas", "Echo", "Maple", "Orbit"
    };
    private static final String[] NAME_SECOND = {
        "Goods", "Travel", "Labs", "Foods", "Motors", "Games", "Home", "Health", "Style", "Finance", "Sports", "Media",
        "Pets", "Books", "Tech", "Garden"
    };

    private WorldGenerator() {}

    /** Generates the world of {@code config}, reporting each phase to {@code progress}. */
    public static World generate(WorldConfig config, ProgressListener progress) {
        long seed = config.seed();
        float[][] centroids = centroids(seed);
        List<Advertiser> advertisers = advertisers(seed, config.advertisers());
        progress.update("advertisers", advertisers.size(), advertisers.size());
        List<Campaign> campaigns = campaigns(seed, config.campaigns(), advertisers.size());
        progress.update("campaigns", campaigns.size(), campaigns.size());
        List<Ad> ads = ads(seed, config.ads(), campaigns, centroids, progress);
        List<User> users = users(seed, config.users(), centroids, progress);
        GroundTruth truth = GroundTruth.create(seed, advertisers.size());
        ImpressionLog train = log(
                Streams.of(seed, Streams.TRAIN),
                config.trainImpressions(),
                "train",
                campaigns,
                ads,
                users,
                truth,
                progress);
        ImpressionLog heldout = log(
                Streams.of(seed, Streams.HELDOUT),
                config.heldoutImpressions(),
                "heldout",
                campaigns,
                ads,
                users,
                truth,
                progress);
        return new World(config, advertisers, campaigns, ads, users, train, heldout);
    }

    /**
     * {@code count} evaluation requests drawn from {@code seed}: a uniform user, a surface and hour as in the logs,
     * position 0, and up to {@code candidatesPerRequest} distinct ads whose campaign targets the user
     * (rejection-sampled, at most 50 tries per wanted candidate; fewer candidates only when eligible ads are scarce).
     * {@code truth} must cover the world's advertisers.
     */
    public static EvalRequest[] evalRequests(
            World w, GroundTruth truth, long seed, int count, int candidatesPerRequest) {
        if (count < 0 || candidatesPerRequest < 1) {
            throw new IllegalArgumentException(
                    "count must be >= 0 and candidatesPerRequest >= 1, were " + count + ", " + candidatesPerRequest);
        }
        if (truth.numAdvertisers() < w.advertisers().size()) {
            throw new IllegalArgumentException("truth covers " + truth.numAdvertisers() + " advertisers, world has "
                    + w.advertisers().size());
        }
        SplittableRandom r = Streams.of(seed, Streams.EVAL);
        List<Ad> ads = w.ads();
        List<Campaign> campaigns = w.campaigns();
        int numAds = ads.size();
        int[] pickedIn = new int[numAds]; // request index + 1 that picked the ad: O(1) distinctness, no clearing
        int[] buffer = new int[candidatesPerRequest];
        long maxTries = 50L * candidatesPerRequest;
        EvalRequest[] out = new EvalRequest[count];
        for (int q = 0; q < count; q++) {
            User u = w.user(r.nextInt(w.users().size()));
            Context ctx = new Context(pick(r, SURFACE_SHARE), pick(r, HOUR_SHARE), 0);
            int n = 0;
            for (long t = 0; t < maxTries && n < candidatesPerRequest; t++) {
                int a = r.nextInt(numAds);
                if (pickedIn[a] == q + 1) {
                    continue;
                }
                if (campaigns.get(ads.get(a).campaignId()).targeting().matches(u)) {
                    pickedIn[a] = q + 1;
                    buffer[n++] = a;
                }
            }
            int[] candidates = new int[n];
            System.arraycopy(buffer, 0, candidates, 0, n);
            out[q] = new EvalRequest(u.id(), ctx, candidates);
        }
        return out;
    }

    private static float[][] centroids(long seed) {
        SplittableRandom r = Streams.of(seed, Streams.CENTROIDS);
        float[][] c = new float[Vocab.NUM_CATEGORIES][Vocab.EMBEDDING_DIM];
        for (int k = 0; k < c.length; k++) {
            for (int d = 0; d < Vocab.EMBEDDING_DIM; d++) {
                c[k][d] = (float) (NOISE_SD * r.nextGaussian());
            }
        }
        return c;
    }

    private static List<Advertiser> advertisers(long seed, int n) {
        SplittableRandom r = Streams.of(seed, Streams.ADVERTISERS);
        List<Advertiser> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            String name = NAME_FIRST[r.nextInt(NAME_FIRST.length)] + " " + NAME_SECOND[r.nextInt(NAME_SECOND.length)]
                    + " " + i;
            out.add(new Advertiser(i, name));
        }
        return out;
    }

    private static List<Campaign> campaigns(long seed, int n, int numAdvertisers) {
        SplittableRandom r = Streams.of(seed, Streams.CAMPAIGNS);
        List<Campaign> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int advertiser = r.nextInt(numAdvertisers);
            int category = pick(r, CATEGORY_SHARE);
            double u = r.nextDouble();
            BidType type;
            double bid;
            if (u < 0.7) {
                type = BidType.CPC;
                bid = 0.80 * Math.exp(0.7 * r.nextGaussian());
            } else if (u < 0.9) {
                type = BidType.CPA;
                bid = 12.0 * Math.exp(0.7 * r.nextGaussian());
            } else {
                type = BidType.CPM;
                bid = 4.0 * Math.exp(0.6 * r.nextGaussian());
            }
            float cents = (float) (Math.max(1L, Math.round(bid * 100)) / 100.0);
            float budget = (float) Math.max(10L, Math.round(500.0 * Math.exp(0.8 * r.nextGaussian())));
            out.add(new Campaign(i, advertiser, type, cents, budget, category, targeting(r, category)));
        }
        return out;
    }

    static Targeting targeting(SplittableRandom r, int category) {
        int countries = 0;
        if (r.nextDouble() < 0.5) {
            int k = 1 + r.nextInt(4);
            // Weighted by population, without replacement: advertisers target where the users are.
            while (Integer.bitCount(countries) < k) {
                countries |= 1 << pick(r, COUNTRY_SHARE);
            }
        }
        int devices = 0;
        if (r.nextDouble() < 0.3) {
            int one = 1 << r.nextInt(Vocab.DEVICES.length);
            // Half the device-targeted campaigns pick one device, the other half exclude one.
            devices = r.nextBoolean() ? one : ((1 << Vocab.DEVICES.length) - 1) & ~one;
        }
        int ages = 0;
        if (r.nextDouble() < 0.3) {
            int len = 2 + r.nextInt(4);
            int from = r.nextInt(Vocab.AGE_BUCKETS.length - len + 1);
            for (int a = from; a < from + len; a++) {
                ages |= 1 << a;
            }
        }
        long interests = 0;
        if (r.nextDouble() < 0.4) {
            interests = 1L << category;
            int related = r.nextInt(3);
            for (int j = 0; j < related; j++) {
                int offset = 1 + r.nextInt(3);
                int other = Math.floorMod(category + (r.nextBoolean() ? offset : -offset), Vocab.NUM_CATEGORIES);
                interests |= 1L << other;
            }
        }
        return new Targeting(countries, devices, ages, interests);
    }

    private static List<Ad> ads(
            long seed, int n, List<Campaign> campaigns, float[][] centroids, ProgressListener progress) {
        SplittableRandom r = Streams.of(seed, Streams.ADS);
        int numCampaigns = campaigns.size();
        List<Ad> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int campaignId = i < numCampaigns ? i : r.nextInt(numCampaigns);
            int category = campaigns.get(campaignId).category();
            float[] e = new float[Vocab.EMBEDDING_DIM];
            for (int d = 0; d < e.length; d++) {
                e[d] = round4(0.8 * centroids[category][d] + 0.6 * NOISE_SD * r.nextGaussian());
            }
            out.add(new Ad(i, campaignId, category, pick(r, CREATIVE_SHARE), e));
            if ((i + 1) % PROGRESS_EVERY == 0) {
                progress.update("ads", i + 1, n);
            }
        }
        progress.update("ads", n, n);
        return out;
    }

    private static List<User> users(long seed, int n, float[][] centroids, ProgressListener progress) {
        SplittableRandom r = Streams.of(seed, Streams.USERS);
        double lean = 0.7;
        double noise = Math.sqrt(1 - lean * lean) * NOISE_SD;
        List<User> out = new ArrayList<>(n);
        for (int i = 0; i < n; i++) {
            int country = pick(r, COUNTRY_SHARE);
            int device = pick(r, DEVICE_SHARE);
            int age = pick(r, AGE_SHARE);
            int[] interests = new int[Vocab.INTERESTS_PER_USER];
            for (int k = 0; k < interests.length; k++) {
                int c;
                boolean dup;
                do {
                    c = pick(r, CATEGORY_SHARE);
                    dup = false;
                    for (int j = 0; j < k; j++) {
                        dup |= interests[j] == c;
                    }
                } while (dup);
                interests[k] = c;
            }
            // Dirichlet(1,1,1)-like: normalised exponentials, sorted descending, given in draw order
            // (so the first-drawn, more popular categories tend to be the top interests).
            double e0 = r.nextExponential();
            double e1 = r.nextExponential();
            double e2 = r.nextExponential();
            double hi = Math.max(e0, Math.max(e1, e2));
            double lo = Math.min(e0, Math.min(e1, e2));
            double mid = e0 + e1 + e2 - hi - lo;
            double sum = e0 + e1 + e2;
            float w0 = (float) (hi / sum);
            float w1 = (float) (mid / sum);
            float w2 = 1f - w0 - w1;
            float[] e = new float[Vocab.EMBEDDING_DIM];
            float[] top = centroids[interests[0]];
            for (int d = 0; d < e.length; d++) {
                e[d] = round4(lean * top[d] + noise * r.nextGaussian());
            }
            out.add(new User(i, country, device, age, interests, new float[] {w0, w1, w2}, e));
            if ((i + 1) % PROGRESS_EVERY == 0) {
                progress.update("users", i + 1, n);
            }
        }
        progress.update("users", n, n);
        return out;
    }

    private static ImpressionLog log(
            SplittableRandom r,
            int n,
            String phase,
            List<Campaign> campaigns,
            List<Ad> ads,
            List<User> users,
            GroundTruth truth,
            ProgressListener progress) {
        ImpressionLog log = ImpressionLog.ofRows(n);
        int numUsers = users.size();
        int numAds = ads.size();
        for (int i = 0; i < n; i++) {
            User u = users.get(r.nextInt(numUsers));
            Context ctx = new Context(pick(r, SURFACE_SHARE), pick(r, HOUR_SHARE), r.nextInt(Vocab.MAX_POSITION));
            Ad ad = null;
            Campaign c = null;
            for (int t = 0; t < MAX_TARGETING_TRIES; t++) {
                ad = ads.get(r.nextInt(numAds));
                c = campaigns.get(ad.campaignId());
                if (c.targeting().matches(u)) {
                    break;
                }
            }
            double pc = truth.pClick(u, ad, c, ctx);
            double pv = truth.pConversion(u, ad, c, ctx);
            boolean clicked = r.nextDouble() < pc;
            // Always draw the conversion coin, so the stream does not depend on the click outcome.
            boolean converted = r.nextDouble() < pv && clicked;
            log.requestId()[i] = i;
            log.userId()[i] = u.id();
            log.adId()[i] = ad.id();
            log.surface()[i] = ctx.surface();
            log.hour()[i] = ctx.hour();
            log.position()[i] = ctx.position();
            log.click()[i] = clicked;
            log.conversion()[i] = converted;
            log.pClick()[i] = (float) pc;
            log.pConversion()[i] = (float) pv;
            if ((i + 1) % PROGRESS_EVERY == 0) {
                progress.update(phase, i + 1, n);
            }
        }
        progress.update(phase, n, n);
        return log;
    }

    /** Index drawn in proportion to {@code shares} (which sum to about 1; the last index takes the rest). */
    static int pick(SplittableRandom r, double[] shares) {
        double u = r.nextDouble();
        int last = shares.length - 1;
        for (int i = 0; i < last; i++) {
            u -= shares[i];
            if (u < 0) {
                return i;
            }
        }
        return last;
    }

    private static double[] categoryShare() {
        double[] w = new double[Vocab.NUM_CATEGORIES];
        double sum = 0;
        for (int k = 0; k < w.length; k++) {
            w[k] = 1.0 / (k + 8);
            sum += w[k];
        }
        for (int k = 0; k < w.length; k++) {
            w[k] /= sum;
        }
        return w;
    }

    private static float round4(double x) {
        return (float) (Math.round(x * 10_000.0) / 10_000.0);
    }
}
