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
 * end grows the arrays, leaving absent slots for skipped ids). Ad embeddings live in one
 * {@code float[]} per dimension, ad-to-campaign, paused flags and the campaigns' targeting masks in
 * primitive arrays, so a scan touches no object per ad.
 *
 * <p>A retrieval first decides targeting once per campaign (branch-free, into a per-thread flag
 * array), then walks the ads in chunks whose scores stay in the L1 cache. For each chunk it computes
 * the affinities in one pass over the dimension arrays, which the JIT can vectorise (a per-ad dot
 * product over one interleaved array is a short chain it cannot); the terms are summed in the same
 * order, so the scores are the same floats. Then each ad that is eligible, not paused and at or
 * above the running floor (evaluated without short-circuits, so one well-predicted branch per ad)
 * has its (score, ad id) key, packed into a long, appended to a buffer. When the buffer fills, ads of
 * campaigns out of budget leave it, a selection keeps the best {@code max}, and the floor rises to
 * the worst kept, so budgets are read for a few thousand ads, not 100,000, and most ads cost one
 * comparison, where the heap this replaced paid ten levels for each of thousands of insertions.
 * Scratch arrays are per thread, so retrieval allocates nothing once a thread has seen its largest
 * {@code max}. BENCHMARKS.md has the time per retrieval (AdIndexBenchmark).
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

    static {
        // affinities() is written out per dimension.
        if (DIM != 6) {
            throw new AssertionError("ExactAdIndex scores 6 embedding dimensions, the world has " + DIM);
        }
    }

    /** One immutable state of the index; arrays are never written after publication. */
    private static final class Snapshot {
        final int limit;            // ad ids are < limit
        final int size;             // ads present
        final float[][] embeddings; // [d][adId]
        final int[] adCampaign;     // campaign id per ad id, -1 when absent
        final boolean[] paused;     // per ad id
        final Ad[] ads;             // per ad id, null when absent
        final Campaign[] campaigns; // per campaign id, null when absent
        final int[] countryMask;    // targeting per campaign id
        final int[] deviceMask;
        final int[] ageMask;
        final long[] interestMask;

        Snapshot(int limit, int size, float[][] embeddings, int[] adCampaign, boolean[] paused, Ad[] ads,
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

    /** Ads scored at a time: small enough that a chunk's scores stay in the L1 cache. */
    private static final int CHUNK = 1024;

    /** Keys buffered per wanted ad before a selection: larger means fewer selections, each longer. */
    private static final int BUFFER_FACTOR = 4;

    /** Per-thread scan storage, grown to the largest {@code max} and campaign count the thread has seen. */
    private static final class Scratch {
        final float[] scores = new float[CHUNK];
        long[] keys = new long[0];
        boolean[] eligible = new boolean[0]; // [campaignId + 1]; [0] stands for absent ads and stays false
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
        float[][] embeddings = new float[DIM][limit];
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
            setEmbedding(embeddings, a.id(), a.embedding());
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
        boolean[] eligible = eligibleCampaigns(s, scratch, country, device, age, interests);
        int capacity = BUFFER_FACTOR * max;
        if (scratch.keys.length < capacity) {
            scratch.keys = new long[capacity];
        }
        long[] keys = scratch.keys;
        float[] scores = scratch.scores;
        int[] adCampaign = s.adCampaign;
        boolean[] paused = s.paused;
        BudgetTracker.DayView today = budget.view();
        long threshold = Long.MIN_VALUE;
        float floor = Float.NEGATIVE_INFINITY; // the threshold's score, compared before any key is made
        int n = 0;
        int checked = 0; // keys[0, checked) are known to be in budget
        for (int base = 0, limit = s.limit; base < limit; base += CHUNK) {
            int count = Math.min(CHUNK, limit - base);
            affinities(s.embeddings, base, count, query, scores);
            for (int i = 0; i < count; i++) {
                int a = base + i;
                float score = scores[i];
                // Non-short-circuit: one branch, taken for the few eligible ads at or above the floor.
                if (!(score < floor) & eligible[adCampaign[a] + 1] & !paused[a]) {
                    long key = key(score, a);
                    if (key <= threshold) {
                        continue;
                    }
                    keys[n++] = key;
                }
                if (n == capacity) {
                    n = dropOutOfBudget(keys, checked, n, adCampaign, today);
                    if (n > max) {
                        selectLargest(keys, n, max);
                        n = max;
                        threshold = smallest(keys, n);
                        floor = scoreOf(threshold);
                    }
                    checked = n;
                }
            }
        }
        n = dropOutOfBudget(keys, checked, n, adCampaign, today);
        if (n > max) {
            selectLargest(keys, n, max);
            n = max;
        }
        Arrays.sort(keys, 0, n);
        for (int k = 0; k < n; k++) {
            out[k] = adOf(keys[n - 1 - k]);
        }
        return n;
    }

    /**
     * Targeting is per campaign: decide it once per campaign (about 5 ads each), so the ad loop has
     * one load per ad for it. Index {@code campaignId + 1}; index 0, for absent ads, stays false.
     */
    private static boolean[] eligibleCampaigns(Snapshot s, Scratch scratch, int country, int device, int age,
                                               long interests) {
        int countryBit = country < 0 ? 0 : 1 << country;
        int deviceBit = device < 0 ? 0 : 1 << device;
        int ageBit = age < 0 ? 0 : 1 << age;
        int campaignLimit = s.campaigns.length;
        if (scratch.eligible.length < campaignLimit + 1) {
            scratch.eligible = new boolean[campaignLimit + 1];
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
            eligible[c + 1] = (m1 == 0 | (m1 & countryBit) != 0) & (m2 == 0 | (m2 & deviceBit) != 0)
                    & (m3 == 0 | (m3 & ageBit) != 0) & (m4 == 0 | (m4 & interests) != 0);
        }
        return eligible;
    }

    /**
     * The affinities of ads {@code [base, base + count)} into {@code scores[0, count)}. Written out for
     * the six dimensions: one pass, each row indexed alike, is what the JIT vectorises.
     */
    private static void affinities(float[][] emb, int base, int count, float[] query, float[] scores) {
        float q0 = query[0], q1 = query[1], q2 = query[2], q3 = query[3], q4 = query[4], q5 = query[5];
        float[] e0 = emb[0], e1 = emb[1], e2 = emb[2], e3 = emb[3], e4 = emb[4], e5 = emb[5];
        for (int i = 0; i < count; i++) {
            int a = base + i;
            scores[i] = q0 * e0[a] + q1 * e1[a] + q2 * e2[a] + q3 * e3[a] + q4 * e4[a] + q5 * e5[a];
        }
    }

    /** Removes, from {@code keys[from, n)}, ads whose campaign is out of budget; returns the new end. */
    private static int dropOutOfBudget(long[] keys, int from, int n, int[] adCampaign, BudgetTracker.DayView today) {
        int kept = from;
        for (int i = from; i < n; i++) {
            long key = keys[i];
            if (!today.exhausted(adCampaign[adOf(key)])) {
                keys[kept++] = key;
            }
        }
        return kept;
    }

    /**
     * (score, ad id) as one long that orders as the ranking does: higher score, then the lower ad id.
     * The score's bits are made to sort as signed ints; a NaN ranks last, so that a broken embedding
     * cannot take a place, and -0 counts as 0.
     */
    static long key(float score, int adId) {
        float s = score != score ? Float.NEGATIVE_INFINITY : score + 0f;
        int bits = Float.floatToRawIntBits(s);
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) sortable << 32) | (Integer.MAX_VALUE - adId);
    }

    private static int adOf(long key) {
        return Integer.MAX_VALUE - (int) key;
    }

    private static float scoreOf(long key) {
        int sortable = (int) (key >> 32);
        return Float.intBitsToFloat(sortable ^ ((sortable >> 31) & 0x7fffffff));
    }

    private static long smallest(long[] keys, int n) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            min = Math.min(min, keys[i]);
        }
        return min;
    }

    /**
     * Reorders {@code keys[0, n)} so that its {@code k} largest come first, in no particular order
     * (Hoare's selection; the keys are distinct, since ad ids are).
     */
    static void selectLargest(long[] keys, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        int kth = k - 1;
        while (lo < hi) {
            long pivot = keys[kth];
            int i = lo;
            int j = hi;
            do {
                while (keys[i] > pivot) {
                    i++;
                }
                while (pivot > keys[j]) {
                    j--;
                }
                if (i <= j) {
                    long t = keys[i];
                    keys[i] = keys[j];
                    keys[j] = t;
                    i++;
                    j--;
                }
            } while (i <= j);
            if (j < kth) {
                lo = i;
            }
            if (kth < i) {
                hi = j;
            }
        }
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
            float[][] embeddings = new float[DIM][];
            for (int d = 0; d < DIM; d++) {
                embeddings[d] = Arrays.copyOf(s.embeddings[d], limit);
            }
            setEmbedding(embeddings, id, ad.embedding());
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

    private static void setEmbedding(float[][] embeddings, int adId, float[] embedding) {
        for (int d = 0; d < DIM; d++) {
            embeddings[d][adId] = embedding[d];
        }
    }

    private static void setTargeting(Campaign c, int[] country, int[] device, int[] age, long[] interest) {
        Targeting t = c.targeting();
        country[c.id()] = t.countryMask();
        device[c.id()] = t.deviceMask();
        age[c.id()] = t.ageMask();
        interest[c.id()] = t.interestMask();
    }
}
