package adsml.platform.index;

import adsml.platform.world.Ad;
import adsml.platform.world.Campaign;
import adsml.platform.world.Context;
import adsml.platform.world.Targeting;
import adsml.platform.world.User;
import adsml.platform.world.Vocab;
import adsml.platform.world.World;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;

/**
 * An {@link AdIndex} that scans every ad and keeps the exact top {@code max} by embedding affinity.
 *
 * <p>Layout: ad ids and campaign ids are array indexes (dense, as a world's are; an upsert past the
 * end grows the arrays, leaving absent slots for skipped ids). Ad embeddings live in one flat
 * {@code float[]} ({@code id * EMBEDDING_DIM}), ad-to-campaign, paused flags and the campaigns'
 * targeting masks in primitive arrays, so a scan touches no object per ad. A retrieval first decides
 * targeting once per campaign (branch-free, into a per-thread flag array), then makes one pass over
 * the ads. The top {@code max} is a bounded min-heap on two primitive arrays (score, ad id) held per
 * thread, so retrieval allocates nothing once a thread has seen its largest {@code max}. Budgets are
 * asked only for an ad that would enter the heap, which keeps clock reads and atomic loads off most
 * of the scan. On the 2-core development machine, 1000 of 100,000 ads take about 1.2 ms (median).
 *
 * <p>Concurrency: copy-on-write. Readers take one volatile read of an immutable snapshot and never
 * lock or contend, and a retrieval sees one consistent state of every ad (a read-write lock would
 * have every retrieval write the lock's shared counter, a cache line bouncing between cores, and
 * would let writers stall readers). Writers serialise on a lock
 * and publish a new snapshot that shares the arrays they did not change; an upsert copies the
 * ad-sized arrays (about 3 MB for 100,000 ads, about 0.4 ms), a pause only the flags.
 * That suits a read-mostly index with occasional admin writes; a stream of writes wants the
 * segment-based index a later issue brings. Budgets are live, not part of the snapshot: a campaign
 * that runs out stops being retrieved at once.
 *
 * <p>Every campaign upserted (or given at construction) is registered with the {@link BudgetTracker},
 * which the auction may share.
 */
public final class ExactAdIndex implements AdIndex {
    private static final int DIM = Vocab.EMBEDDING_DIM;

    /** One immutable state of the index; arrays are never written after publication. */
    private static final class Snapshot {
        final int limit;            // ad ids are < limit
        final int size;             // ads present
        final float[] embeddings;   // [adId * DIM + d]
        final int[] adCampaign;     // campaign id per ad id, -1 when absent
        final boolean[] paused;     // per ad id
        final Ad[] ads;             // per ad id, null when absent
        final Campaign[] campaigns; // per campaign id, null when absent
        final int[] countryMask;    // targeting per campaign id
        final int[] deviceMask;
        final int[] ageMask;
        final long[] interestMask;

        Snapshot(int limit, int size, float[] embeddings, int[] adCampaign, boolean[] paused, Ad[] ads,
                 Campaign[] campaigns, int[] countryMask, int[] deviceMask, int[] ageMask, long[] interestMask) {
            this.limit = limit;
            this.size = size;
            this.embeddings = embeddings;
            this.adCampaign = adCampaign;
            this.paused = paused;
            this.ads = ads;
            this.campaigns = campaigns;
            this.countryMask = countryMask;
            this.deviceMask = deviceMask;
            this.ageMask = ageMask;
            this.interestMask = interestMask;
        }

        Snapshot withPaused(boolean[] newPaused) {
            return new Snapshot(limit, size, embeddings, adCampaign, newPaused, ads, campaigns, countryMask,
                    deviceMask, ageMask, interestMask);
        }
    }

    /** Per-thread heap storage, grown to the largest {@code max} the thread has asked for. */
    private static final class Scratch {
        float[] score = new float[0];
        int[] id = new int[0];
        boolean[] eligible = new boolean[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final BudgetTracker budget;
    private final Object writeLock = new Object();
    private volatile Snapshot snapshot;

    /**
     * An index of {@code ads}, each of whose campaign must be in {@code campaigns} (matched by id).
     * Registers every campaign's daily budget with {@code budget}.
     *
     * @throws IllegalArgumentException when an ad's campaign is missing, or two ads or two campaigns share an id
     */
    public ExactAdIndex(List<Ad> ads, List<Campaign> campaigns, BudgetTracker budget) {
        if (budget == null) {
            throw new IllegalArgumentException("budget must not be null");
        }
        this.budget = budget;
        int campaignLimit = 0;
        for (int i = 0; i < campaigns.size(); i++) {
            campaignLimit = Math.max(campaignLimit, campaigns.get(i).id() + 1);
        }
        Campaign[] byId = new Campaign[campaignLimit];
        int[] country = new int[campaignLimit];
        int[] device = new int[campaignLimit];
        int[] age = new int[campaignLimit];
        long[] interest = new long[campaignLimit];
        for (int i = 0; i < campaigns.size(); i++) {
            Campaign c = campaigns.get(i);
            if (byId[c.id()] != null) {
                throw new IllegalArgumentException("two campaigns with id " + c.id());
            }
            byId[c.id()] = c;
            setTargeting(c, country, device, age, interest);
            budget.register(c);
        }
        int limit = 0;
        for (int i = 0; i < ads.size(); i++) {
            limit = Math.max(limit, ads.get(i).id() + 1);
        }
        float[] embeddings = new float[limit * DIM];
        int[] adCampaign = new int[limit];
        Arrays.fill(adCampaign, -1);
        Ad[] adById = new Ad[limit];
        for (int i = 0; i < ads.size(); i++) {
            Ad a = ads.get(i);
            if (a.campaignId() >= campaignLimit || byId[a.campaignId()] == null) {
                throw new IllegalArgumentException("ad " + a.id() + ": unknown campaign " + a.campaignId());
            }
            if (adById[a.id()] != null) {
                throw new IllegalArgumentException("two ads with id " + a.id());
            }
            adById[a.id()] = a;
            adCampaign[a.id()] = a.campaignId();
            System.arraycopy(a.embedding(), 0, embeddings, a.id() * DIM, DIM);
        }
        this.snapshot = new Snapshot(limit, ads.size(), embeddings, adCampaign, new boolean[limit], adById, byId,
                country, device, age, interest);
    }

    /** An index of every ad and campaign of {@code world}. */
    public static ExactAdIndex of(World world, BudgetTracker budget) {
        return new ExactAdIndex(world.ads(), world.campaigns(), budget);
    }

    @Override
    public int retrieve(User user, Context context, int max, int[] outAdIds) {
        return scan(user.country(), user.device(), user.ageBucket(), Audience.interestMask(user.interests()),
                user.embedding(), context, max, outAdIds);
    }

    @Override
    public int retrieve(Audience audience, Context context, int max, int[] outAdIds) {
        return scan(audience.country(), audience.device(), audience.ageBucket(), audience.interestMask(),
                audience.embedding(), context, max, outAdIds);
    }

    /**
     * The scan. An attribute of -1 turns into an empty bit, which only an untargeted (0) mask lets
     * through: unknown users see only ads that do not target what is unknown.
     */
    private int scan(int country, int device, int age, long interests, float[] query, Context context, int max,
                     int[] out) {
        if (context == null) {
            throw new IllegalArgumentException("context must not be null");
        }
        if (max < 0 || out.length < max) {
            throw new IllegalArgumentException("max must be in 0..outAdIds.length (" + out.length + "), was " + max);
        }
        if (max == 0) {
            return 0;
        }
        Snapshot s = snapshot;
        Scratch scratch = SCRATCH.get();
        if (scratch.score.length < max) {
            scratch.score = new float[max];
            scratch.id = new int[max];
        }
        float[] hs = scratch.score;
        int[] hi = scratch.id;
        int countryBit = country < 0 ? 0 : 1 << country;
        int deviceBit = device < 0 ? 0 : 1 << device;
        int ageBit = age < 0 ? 0 : 1 << age;
        // Targeting is per campaign: decide it once per campaign (about 5 ads each), so the ad loop
        // below has one load and one branch per ad before the dot product.
        int campaignLimit = s.campaigns.length;
        if (scratch.eligible.length < campaignLimit) {
            scratch.eligible = new boolean[campaignLimit];
        }
        boolean[] eligible = scratch.eligible;
        int[] cm = s.countryMask;
        int[] dm = s.deviceMask;
        int[] am = s.ageMask;
        long[] im = s.interestMask;
        for (int c = 0; c < campaignLimit; c++) {
            int m1 = cm[c];
            int m2 = dm[c];
            int m3 = am[c];
            long m4 = im[c];
            eligible[c] = (m1 == 0 | (m1 & countryBit) != 0) & (m2 == 0 | (m2 & deviceBit) != 0)
                    & (m3 == 0 | (m3 & ageBit) != 0) & (m4 == 0 | (m4 & interests) != 0);
        }
        int[] adCampaign = s.adCampaign;
        boolean[] paused = s.paused;
        float[] emb = s.embeddings;
        int n = 0;
        for (int a = 0, limit = s.limit; a < limit; a++) {
            int c = adCampaign[a];
            if (c < 0 || !eligible[c] || paused[a]) {
                continue;
            }
            float score = 0f;
            int base = a * DIM;
            for (int d = 0; d < DIM; d++) {
                score += query[d] * emb[base + d];
            }
            if (score != score) {
                // A NaN embedding must not poison the heap's ordering: rank it last.
                score = Float.NEGATIVE_INFINITY;
            }
            if (n == max && !better(score, a, hs[0], hi[0])) {
                continue;
            }
            if (budget.exhausted(c)) {
                continue;
            }
            if (n < max) {
                siftUp(hs, hi, n, score, a);
                n++;
            } else {
                siftDown(hs, hi, n, score, a);
            }
        }
        // Pop the worst each time, filling the output from the back: best first.
        for (int k = n - 1; k >= 0; k--) {
            out[k] = hi[0];
            if (k > 0) {
                siftDown(hs, hi, k, hs[k], hi[k]);
            }
        }
        return n;
    }

    /** True when (s1, id1) ranks above (s2, id2): higher score, then the lower ad id. */
    private static boolean better(float s1, int id1, float s2, int id2) {
        return s1 > s2 || (s1 == s2 && id1 < id2);
    }

    /** Inserts at position {@code n} of a heap of {@code n} (worst at the root). */
    private static void siftUp(float[] hs, int[] hi, int n, float score, int id) {
        int i = n;
        while (i > 0) {
            int parent = (i - 1) >>> 1;
            if (!better(hs[parent], hi[parent], score, id)) {
                break;
            }
            hs[i] = hs[parent];
            hi[i] = hi[parent];
            i = parent;
        }
        hs[i] = score;
        hi[i] = id;
    }

    /** Replaces the root of a heap of {@code n} with (score, id) and restores the order. */
    private static void siftDown(float[] hs, int[] hi, int n, float score, int id) {
        int i = 0;
        while (true) {
            int child = 2 * i + 1;
            if (child >= n) {
                break;
            }
            int right = child + 1;
            if (right < n && better(hs[child], hi[child], hs[right], hi[right])) {
                child = right;
            }
            if (!better(score, id, hs[child], hi[child])) {
                break;
            }
            hs[i] = hs[child];
            hi[i] = hi[child];
            i = child;
        }
        hs[i] = score;
        hi[i] = id;
    }

    @Override
    public Optional<AdEntry> get(int adId) {
        Snapshot s = snapshot;
        if (adId < 0 || adId >= s.limit || s.adCampaign[adId] < 0) {
            return Optional.empty();
        }
        return Optional.of(new AdEntry(s.ads[adId], s.campaigns[s.adCampaign[adId]], s.paused[adId]));
    }

    @Override
    public int resolve(int[] adIds, int count, Ad[] ads, Campaign[] campaigns, int[] positions) {
        Snapshot s = snapshot;
        int found = 0;
        for (int i = 0; i < count; i++) {
            int adId = adIds[i];
            if (adId < 0 || adId >= s.limit || s.adCampaign[adId] < 0) {
                continue;
            }
            ads[found] = s.ads[adId];
            campaigns[found] = s.campaigns[s.adCampaign[adId]];
            positions[found] = i;
            found++;
        }
        return found;
    }

    @Override
    public void upsert(Ad ad, Campaign campaign) {
        if (campaign.id() != ad.campaignId()) {
            throw new IllegalArgumentException("ad " + ad.id() + " belongs to campaign " + ad.campaignId()
                    + ", not " + campaign.id());
        }
        synchronized (writeLock) {
            Snapshot s = snapshot;
            int id = ad.id();
            int limit = Math.max(s.limit, id + 1);
            float[] embeddings = Arrays.copyOf(s.embeddings, limit * DIM);
            System.arraycopy(ad.embedding(), 0, embeddings, id * DIM, DIM);
            int[] adCampaign = Arrays.copyOf(s.adCampaign, limit);
            Arrays.fill(adCampaign, s.limit, limit, -1);
            boolean present = adCampaign[id] >= 0;
            adCampaign[id] = campaign.id();
            boolean[] paused = limit == s.limit ? s.paused : Arrays.copyOf(s.paused, limit);
            Ad[] ads = Arrays.copyOf(s.ads, limit);
            ads[id] = ad;

            int campaignLimit = Math.max(s.campaigns.length, campaign.id() + 1);
            Campaign[] campaigns = Arrays.copyOf(s.campaigns, campaignLimit);
            campaigns[campaign.id()] = campaign;
            int[] country = Arrays.copyOf(s.countryMask, campaignLimit);
            int[] device = Arrays.copyOf(s.deviceMask, campaignLimit);
            int[] age = Arrays.copyOf(s.ageMask, campaignLimit);
            long[] interest = Arrays.copyOf(s.interestMask, campaignLimit);
            setTargeting(campaign, country, device, age, interest);
            // Before publishing, so that no retrieval meets a campaign the tracker does not know.
            budget.register(campaign);
            snapshot = new Snapshot(limit, present ? s.size : s.size + 1, embeddings, adCampaign, paused, ads,
                    campaigns, country, device, age, interest);
        }
    }

    @Override
    public boolean setPaused(int adId, boolean paused) {
        synchronized (writeLock) {
            Snapshot s = snapshot;
            if (adId < 0 || adId >= s.limit || s.adCampaign[adId] < 0) {
                return false;
            }
            if (s.paused[adId] != paused) {
                boolean[] flags = s.paused.clone();
                flags[adId] = paused;
                snapshot = s.withPaused(flags);
            }
            return true;
        }
    }

    @Override
    public int size() {
        return snapshot.size;
    }

    private static void setTargeting(Campaign c, int[] country, int[] device, int[] age, long[] interest) {
        Targeting t = c.targeting();
        country[c.id()] = t.countryMask();
        device[c.id()] = t.deviceMask();
        age[c.id()] = t.ageMask();
        interest[c.id()] = t.interestMask();
    }
}
