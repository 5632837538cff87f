package adsml.platform.index;

import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.Targeting;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.world.World;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * An {@link AdIndex} that returns the exact top {@code max} by embedding affinity, scanning only the ads that could
 * make it.
 *
 * <p>Layout: ad ids and campaign ids are array indexes (dense, as a world's are; an upsert past the end grows the
 * arrays, leaving absent slots for skipped ids). The embeddings live in {@link AdClusters}: grouped by k-means, each
 * cluster's ads in contiguous slots, with each slot's filter word (targeting masks and a paused bit), interest mask and
 * campaign beside its embedding. Ad-to-campaign, paused flags and the campaigns' targeting masks are primitive arrays
 * too, so a scan touches no object per ad; and what feature rows and the auction read of a candidate (its ad's
 * attributes and embedding, its campaign's bid) is one run of ints per ad id, so that {@link #resolve} reads a
 * candidate from a cache line or two.
 *
 * <p>A retrieval bounds every cluster's best possible score and visits the clusters best bound first (sorted a round of
 * 128 at a time). Within a cluster it computes each ad's affinity, the terms summed in the same order as everywhere, so
 * the scores are the same floats. Each ad at or above the running floor, not paused, targeting the user and whose key
 * would enter the top (its campaign in budget, asked last) has its (score, ad id) key, packed into a long, appended to
 * a buffer. When the buffer fills (or half-fills, between clusters), a selection keeps the best {@code max}, and the
 * floor rises to the worst kept. The scan stops at the first cluster whose bound is below the floor: about a quarter of
 * the demo world's ads are scored, and most of those cost one comparison. A user with a zero embedding (a cold start)
 * ties every ad at 0, where no bound prunes: that query walks the ad ids instead, since the ranking is then the id
 * order. Budgets are read for a few thousand ads, not 100,000. Scratch arrays are per thread, so retrieval allocates
 * nothing once a thread has seen its largest {@code max}. {@code tests/bench AdIndexBenchmark} times a retrieval.
 *
 * <p>Concurrency: copy-on-write. Readers take one volatile read of an immutable snapshot and never lock or contend, and
 * a retrieval sees one consistent state of every ad (a read-write lock would have every retrieval write the lock's
 * shared counter, a cache line bouncing between cores, and would let writers stall readers). Writers serialise on a
 * lock and publish a new snapshot that shares the arrays they did not change; an upsert copies the ad-sized arrays
 * (about 10 MB for 100,000 ads) and places the ad in its nearest cluster; an upsert or a pause reads every slot's
 * filters again (a campaign's targeting is all its ads'), an O(ads) pass that suits admin writes. That suits a
 * read-mostly index with occasional admin writes; a stream of writes wants the segment-based index a later issue
 * brings. Budgets are live, not part of the snapshot: a campaign that runs out stops being retrieved at once.
 *
 * <p>Every campaign upserted (or given at construction) is registered with the {@link BudgetTracker}, which the auction
 * may share.
 */
public final class ExactAdIndex implements AdIndex {
    private static final int DIM = Vocab.EMBEDDING_DIM;

    static {
        // The scan and AdClusters are written out per dimension.
        if (DIM != 6) {
            throw new AssertionError("ExactAdIndex scores 6 embedding dimensions, the world has " + DIM);
        }
    }

    /** One immutable state of the index; arrays are never written after publication. */
    private static final class Snapshot {
        final int limit; // ad ids are < limit
        final int size; // ads present
        final AdClusters clusters; // the ads' embeddings and filters, grouped
        final int[] adCampaign; // campaign id per ad id, -1 when absent
        final boolean[] paused; // per ad id
        final Ad[] ads; // per ad id, null when absent
        final int[] packed; // per ad id, PACKED ints: what resolve reads
        final Campaign[] campaigns; // per campaign id, null when absent
        final int[] countryMask; // targeting per campaign id
        final int[] deviceMask;
        final int[] ageMask;
        final long[] interestMask;

        Snapshot(
                int limit,
                int size,
                AdClusters clusters,
                int[] adCampaign,
                boolean[] paused,
                Ad[] ads,
                int[] packed,
                Campaign[] campaigns,
                int[] countryMask,
                int[] deviceMask,
                int[] ageMask,
                long[] interestMask) {
            this.limit = limit;
            this.size = size;
            this.clusters = clusters;
            this.adCampaign = adCampaign;
            this.paused = paused;
            this.ads = ads;
            this.packed = packed;
            this.campaigns = campaigns;
            this.countryMask = countryMask;
            this.deviceMask = deviceMask;
            this.ageMask = ageMask;
            this.interestMask = interestMask;
        }

        Snapshot withPaused(boolean[] newPaused) {
            AdClusters refiltered = clusters.withFilters(
                    filters(adCampaign, newPaused, countryMask, deviceMask, ageMask, interestMask));
            return new Snapshot(
                    limit,
                    size,
                    refiltered,
                    adCampaign,
                    newPaused,
                    ads,
                    packed,
                    campaigns,
                    countryMask,
                    deviceMask,
                    ageMask,
                    interestMask);
        }
    }

    /**
     * The filter word of a slot: its campaign's country, device and age masks side by side, and the sign bit set when
     * the ad is paused, so that one int read next to the embedding decides all but the interests.
     */
    private static final int DEVICE_SHIFT = Vocab.COUNTRIES.length;

    private static final int AGE_SHIFT = DEVICE_SHIFT + Vocab.DEVICES.length;
    private static final int PAUSED = 1 << 31;

    static {
        if (AGE_SHIFT + Vocab.AGE_BUCKETS.length > 31) {
            throw new AssertionError("country, device and age masks do not fit in a filter word");
        }
    }

    private static AdClusters.Filters filters(
            int[] adCampaign, boolean[] paused, int[] country, int[] device, int[] age, long[] interest) {
        return new AdClusters.Filters() {
            @Override
            public int word(int adId) {
                int c = adCampaign[adId];
                return filterWord(country[c], device[c], age[c], paused[adId]);
            }

            @Override
            public long interests(int adId) {
                return interest[adCampaign[adId]];
            }

            @Override
            public int campaign(int adId) {
                return adCampaign[adId];
            }
        };
    }

    private static int filterWord(int countryMask, int deviceMask, int ageMask, boolean paused) {
        return countryMask | deviceMask << DEVICE_SHIFT | ageMask << AGE_SHIFT | (paused ? PAUSED : 0);
    }

    /**
     * Per ad id, what {@link #resolve} reads, side by side in one array of ints: its campaign (-1 when the index does
     * not hold the id), category, creative type, its campaign's advertiser, bid type and bid (float bits), and its
     * embedding (float bits). A candidate then costs a cache line or two instead of a miss on each of its ad, embedding
     * and campaign objects, which the scorer keeps flushing from the cache: those misses were a quarter of the feature
     * stage's time in the server.
     */
    private static final int PACK_CAMPAIGN = 0,
            PACK_CATEGORY = 1,
            PACK_CREATIVE = 2,
            PACK_ADVERTISER = 3,
            PACK_BID_TYPE = 4,
            PACK_BID = 5,
            PACK_EMBEDDING = 6,
            PACKED = PACK_EMBEDDING + DIM;

    private static final BidType[] BID_TYPES = BidType.values();
    /** The largest ad id whose packed row an int can index. */
    static final int MAX_AD_ID = Integer.MAX_VALUE / PACKED - 1;

    /** Keys buffered per wanted ad before a selection: larger means fewer selections, each longer. */
    private static final int BUFFER_FACTOR = 4;

    /**
     * Between clusters, a buffer holding this many times {@code max} keys is cut back, so that the floor is fresh when
     * the next bound is compared.
     */
    private static final int SELECT_AT_BOUNDARY = 2;

    /** Clusters put in bound order at a time; most retrievals stop within a few rounds. */
    private static final int CLUSTERS_PER_ROUND = 128;

    /** Per-thread scan storage, grown to the largest {@code max} and cluster count the thread has seen. */
    private static final class Scratch {
        long[] keys = new long[0];
        long[] bounds = new long[0]; // per cluster
        long[] sorting = new long[0]; // RadixSort's buffer, as long as keys or bounds
        final int[] counts = new int[8 * 256];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    private final BudgetTracker budget;
    private final Object writeLock = new Object();
    private volatile Snapshot snapshot;

    /**
     * An index of {@code ads}, each of whose campaign must be in {@code campaigns} (matched by id). Registers every
     * campaign's daily budget with {@code budget}.
     *
     * @throws IllegalArgumentException when an ad's campaign is missing, an ad's id is above {@link #MAX_AD_ID}, or two
     *     ads or two campaigns share an id
     */
    public ExactAdIndex(List<Ad> ads, List<Campaign> campaigns, BudgetTracker budget) {
        this(ads, campaigns, budget, true);
    }

    private ExactAdIndex(List<Ad> ads, List<Campaign> campaigns, BudgetTracker budget, boolean clustered) {
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
            checkId(ads.get(i));
            limit = Math.max(limit, ads.get(i).id() + 1);
        }
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
        }
        boolean[] paused = new boolean[limit];
        int[] packed = absentRows(new int[limit * PACKED], 0, limit);
        for (int i = 0; i < ads.size(); i++) {
            Ad a = ads.get(i);
            packAd(packed, a);
            packCampaign(packed, a.id(), byId[a.campaignId()]);
        }
        AdClusters.Filters filters = filters(adCampaign, paused, country, device, age, interest);
        AdClusters clusters = clustered ? AdClusters.of(ads, filters) : AdClusters.of(ads, filters, 1);
        this.snapshot = new Snapshot(
                limit, ads.size(), clusters, adCampaign, paused, adById, packed, byId, country, device, age, interest);
    }

    /** An index of every ad and campaign of {@code world}. */
    public static ExactAdIndex of(World world, BudgetTracker budget) {
        return new ExactAdIndex(world.ads(), world.campaigns(), budget);
    }

    /**
     * The ads and campaigns of {@code world} held for reading ({@link #get}, {@link #resolve}) by an index that
     * retrieves by other means: its ads in one cluster, so that it starts in a pass over them (k-means over a million
     * ads takes a minute), and its own retrieval scans every eligible ad, or walks the ids for a cold start.
     */
    static ExactAdIndex storeOf(World world, BudgetTracker budget) {
        return new ExactAdIndex(world.ads(), world.campaigns(), budget, false);
    }

    @Override
    public int retrieve(User user, Context context, int max, int[] outAdIds) {
        return scan(
                user.country(),
                user.device(),
                user.ageBucket(),
                Audience.interestMask(user.interests()),
                user.embedding(),
                context,
                max,
                outAdIds);
    }

    @Override
    public int retrieve(Audience audience, Context context, int max, int[] outAdIds) {
        return scan(
                audience.country(),
                audience.device(),
                audience.ageBucket(),
                audience.interestMask(),
                audience.embedding(),
                context,
                max,
                outAdIds);
    }

    /**
     * The scan. An attribute of -1 turns into an empty bit, which only an untargeted (0) mask lets through: unknown
     * users see only ads that do not target what is unknown.
     */
    private int scan(
            int country, int device, int age, long interests, float[] query, Context context, int max, int[] out) {
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
        int countryBit = country < 0 ? 0 : 1 << country;
        int deviceBit = device < 0 ? 0 : 1 << device;
        int ageBit = age < 0 ? 0 : 1 << age;
        BudgetTracker.DayView today = budget.view();
        if (isZero(query)) {
            return inIdOrder(s, countryBit, deviceBit, ageBit, interests, today, max, out);
        }
        AdClusters clusters = s.clusters;
        Scratch scratch = SCRATCH.get();
        int capacity = BUFFER_FACTOR * max;
        if (scratch.keys.length < capacity) {
            scratch.keys = new long[capacity];
        }
        if (scratch.bounds.length < clusters.count) {
            scratch.bounds = new long[clusters.count];
        }
        if (scratch.sorting.length < Math.max(capacity, clusters.count)) {
            scratch.sorting = new long[Math.max(capacity, clusters.count)];
        }
        long[] sorting = scratch.sorting;
        int[] counts = scratch.counts;
        long[] keys = scratch.keys;
        float q0 = query[0], q1 = query[1], q2 = query[2], q3 = query[3], q4 = query[4], q5 = query[5];
        long[] bounds = scratch.bounds;
        clusters.bounds(query, bounds);
        int[] slotAd = clusters.slotAd;
        int[] slotFilter = clusters.slotFilter;
        long[] slotInterests = clusters.slotInterests;
        int[] slotCampaign = clusters.slotCampaign;
        long threshold = Long.MIN_VALUE;
        float floor = Float.NEGATIVE_INFINITY; // the threshold's score, compared before any key is made
        int n = 0;
        int unvisited = clusters.count; // bounds[0, unvisited): the clusters not visited yet, in no order
        visit:
        while (unvisited > 0) {
            // The best few bounds, in order: sorting every cluster's costs more than the scan it saves.
            int take = Math.min(CLUSTERS_PER_ROUND, unvisited);
            RankKeys.selectLargest(bounds, unvisited, take);
            RadixSort.sort(bounds, take, sorting, counts);
            for (int b = take - 1; b >= 0; b--) {
                if (n >= SELECT_AT_BOUNDARY * max) {
                    // Cheaper than scanning a cluster the true k-th best would have ruled out.
                    n = cut(keys, n, max);
                    if (n == max) {
                        threshold = smallest(keys, n);
                        floor = RankKeys.scoreOf(threshold);
                    }
                }
                if (AdClusters.boundOf(bounds[b]) < floor) {
                    break visit; // no ad of this cluster, or of any left, can score as high as the k-th best
                }
                int cluster = AdClusters.clusterOf(bounds[b]);
                float[] emb = clusters.slotEmb;
                for (int slot = clusters.start[cluster], end = clusters.start[cluster + 1]; slot < end; slot++) {
                    int e = slot * AdClusters.DIM;
                    // The same terms in the same order as every other affinity in adsml: the same floats.
                    float score = q0 * emb[e]
                            + q1 * emb[e + 1]
                            + q2 * emb[e + 2]
                            + q3 * emb[e + 3]
                            + q4 * emb[e + 4]
                            + q5 * emb[e + 5];
                    if (score < floor) {
                        continue; // most ads, once the floor has risen
                    }
                    if (!admits(slotFilter[slot], slotInterests[slot], countryBit, deviceBit, ageBit, interests)) {
                        continue;
                    }
                    long key = RankKeys.key(score, slotAd[slot]);
                    // The budget last: read beside the slot's filters, not by ad id across the index
                    // (a cache miss per ad in the server, whose caches the scorer keeps flushing).
                    if (key <= threshold || today.exhausted(slotCampaign[slot])) {
                        continue;
                    }
                    keys[n++] = key;
                    if (n == capacity) {
                        n = cut(keys, n, max);
                        if (n == max) {
                            threshold = smallest(keys, n);
                            floor = RankKeys.scoreOf(threshold);
                        }
                    }
                }
            }
            int kept = 0; // of the rest, those that may still hold a winner
            for (int b = take; b < unvisited; b++) {
                if (!(AdClusters.boundOf(bounds[b]) < floor)) {
                    bounds[kept++] = bounds[b];
                }
            }
            unvisited = kept;
        }
        n = cut(keys, n, max);
        RadixSort.sort(keys, n, sorting, counts);
        for (int k = 0; k < n; k++) {
            out[k] = RankKeys.adOf(keys[n - 1 - k]);
        }
        return n;
    }

    private static boolean isZero(float[] query) {
        for (int d = 0; d < DIM; d++) {
            if (query[d] != 0f) {
                return false;
            }
        }
        return true;
    }

    /**
     * The top {@code max} for a query of zeros (a cold-start user): every ad with a finite embedding scores exactly 0
     * and one with a NaN or infinite component scores NaN, which ranks last, so the ranking is the eligible finite ads
     * by id, then the others by id. Walking the ids finds them after a few thousand ads; the clusters' bounds, all 0,
     * would prune nothing, and the scan read every ad.
     */
    private static int inIdOrder(
            Snapshot s,
            int countryBit,
            int deviceBit,
            int ageBit,
            long interests,
            BudgetTracker.DayView today,
            int max,
            int[] out) {
        int n = 0;
        for (int id = 0; id < s.limit && n < max; id++) {
            if (eligible(s, id, countryBit, deviceBit, ageBit, interests, today) && finite(s.ads[id].embedding())) {
                out[n++] = id;
            }
        }
        // Fewer than max scored 0: the eligible ads scoring NaN follow, a second walk (rare: a small index).
        for (int id = 0; id < s.limit && n < max; id++) {
            if (eligible(s, id, countryBit, deviceBit, ageBit, interests, today) && !finite(s.ads[id].embedding())) {
                out[n++] = id;
            }
        }
        return n;
    }

    private static boolean eligible(
            Snapshot s,
            int id,
            int countryBit,
            int deviceBit,
            int ageBit,
            long interests,
            BudgetTracker.DayView today) {
        int c = s.adCampaign[id];
        return c >= 0
                && admits(
                        filterWord(s.countryMask[c], s.deviceMask[c], s.ageMask[c], s.paused[id]),
                        s.interestMask[c],
                        countryBit,
                        deviceBit,
                        ageBit,
                        interests)
                && !today.exhausted(c);
    }

    private static boolean finite(float[] embedding) {
        for (float v : embedding) {
            if (!Float.isFinite(v)) {
                return false;
            }
        }
        return true;
    }

    /**
     * Whether a slot's ad is not paused and its campaign targets the user. Branch-free: it runs only for ads at or
     * above the floor, where whether they pass is anyone's guess.
     */
    private static boolean admits(int word, long m4, int countryBit, int deviceBit, int ageBit, long interests) {
        int m1 = word & ((1 << DEVICE_SHIFT) - 1);
        int m2 = (word >>> DEVICE_SHIFT) & ((1 << (AGE_SHIFT - DEVICE_SHIFT)) - 1);
        int m3 = (word >>> AGE_SHIFT) & ((1 << Vocab.AGE_BUCKETS.length) - 1);
        return word >= 0
                & (m1 == 0 | (m1 & countryBit) != 0)
                & (m2 == 0 | (m2 & deviceBit) != 0)
                & (m3 == 0 | (m3 & ageBit) != 0)
                & (m4 == 0 | (m4 & interests) != 0);
    }

    /** Keeps the best {@code max} of {@code keys[0, n)} (in no order); returns how many are kept. */
    private static int cut(long[] keys, int n, int max) {
        if (n > max) {
            RankKeys.selectLargest(keys, n, max);
            return max;
        }
        return n;
    }

    private static long smallest(long[] keys, int n) {
        long min = Long.MAX_VALUE;
        for (int i = 0; i < n; i++) {
            min = Math.min(min, keys[i]);
        }
        return min;
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
    public AdColumns resolve(int[] adIds, int count) {
        Snapshot s = snapshot;
        int[] packed = s.packed;
        AdColumns c = AdColumns.ofRows(count);
        int[] positions = c.positions(),
                ids = c.adIds(),
                categories = c.categories(),
                creativeTypes = c.creativeTypes(),
                campaignIds = c.campaignIds(),
                advertiserIds = c.advertiserIds();
        BidType[] bidTypes = c.bidTypes();
        float[] bids = c.bids(), embeddings = c.embeddings();
        // First only the present ones' positions: a loop of loads keeps many rows' cache misses in
        // flight at once, where the copy below, with a dozen stores per row, waited on each in turn.
        int found = 0;
        for (int i = 0; i < count; i++) {
            int adId = adIds[i];
            positions[found] = i;
            found += adId >= 0 && adId < s.limit && packed[adId * PACKED + PACK_CAMPAIGN] >= 0 ? 1 : 0;
        }
        for (int k = 0; k < found; k++) {
            int adId = adIds[positions[k]];
            int row = adId * PACKED;
            ids[k] = adId;
            campaignIds[k] = packed[row + PACK_CAMPAIGN];
            categories[k] = packed[row + PACK_CATEGORY];
            creativeTypes[k] = packed[row + PACK_CREATIVE];
            advertiserIds[k] = packed[row + PACK_ADVERTISER];
            bidTypes[k] = BID_TYPES[packed[row + PACK_BID_TYPE]];
            bids[k] = Float.intBitsToFloat(packed[row + PACK_BID]);
            for (int d = 0; d < DIM; d++) {
                embeddings[k * DIM + d] = Float.intBitsToFloat(packed[row + PACK_EMBEDDING + d]);
            }
        }
        return c.firstRows(found);
    }

    private static void checkId(Ad ad) {
        if (ad.id() > MAX_AD_ID) {
            throw new IllegalArgumentException(
                    "ad id " + ad.id() + " is beyond the largest this index holds, " + MAX_AD_ID);
        }
    }

    /** Marks ids {@code [from, to)} absent in {@code packed}; returns it. */
    private static int[] absentRows(int[] packed, int from, int to) {
        for (int id = from; id < to; id++) {
            packed[id * PACKED + PACK_CAMPAIGN] = -1;
        }
        return packed;
    }

    private static void packAd(int[] packed, Ad ad) {
        int row = ad.id() * PACKED;
        packed[row + PACK_CAMPAIGN] = ad.campaignId();
        packed[row + PACK_CATEGORY] = ad.category();
        packed[row + PACK_CREATIVE] = ad.creativeType();
        for (int d = 0; d < DIM; d++) {
            packed[row + PACK_EMBEDDING + d] = Float.floatToRawIntBits(ad.embedding()[d]);
        }
    }

    private static void packCampaign(int[] packed, int adId, Campaign c) {
        int row = adId * PACKED;
        packed[row + PACK_ADVERTISER] = c.advertiserId();
        packed[row + PACK_BID_TYPE] = c.bidType().ordinal();
        packed[row + PACK_BID] = Float.floatToRawIntBits(c.bid());
    }

    @Override
    public void upsert(Ad ad, Campaign campaign) {
        if (campaign.id() != ad.campaignId()) {
            throw new IllegalArgumentException(
                    "ad " + ad.id() + " belongs to campaign " + ad.campaignId() + ", not " + campaign.id());
        }
        checkId(ad);
        synchronized (writeLock) {
            Snapshot s = snapshot;
            int id = ad.id();
            int limit = Math.max(s.limit, id + 1);
            int[] adCampaign = Arrays.copyOf(s.adCampaign, limit);
            Arrays.fill(adCampaign, s.limit, limit, -1);
            boolean present = adCampaign[id] >= 0;
            adCampaign[id] = campaign.id();
            boolean[] paused = limit == s.limit ? s.paused : Arrays.copyOf(s.paused, limit);
            Ad[] ads = Arrays.copyOf(s.ads, limit);
            ads[id] = ad;
            int[] packed = absentRows(Arrays.copyOf(s.packed, limit * PACKED), s.limit, limit);
            packAd(packed, ad);
            for (int a = 0; a < limit; a++) {
                if (adCampaign[a] == campaign.id()) {
                    packCampaign(packed, a, campaign); // the campaign's bid and bid type are every one of its ads'
                }
            }

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
            AdClusters clusters =
                    s.clusters.with(id, ad.embedding(), filters(adCampaign, paused, country, device, age, interest));
            snapshot = new Snapshot(
                    limit,
                    present ? s.size : s.size + 1,
                    clusters,
                    adCampaign,
                    paused,
                    ads,
                    packed,
                    campaigns,
                    country,
                    device,
                    age,
                    interest);
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

    /** The campaign with this id as last given, empty when the index has none. */
    public Optional<Campaign> campaign(int campaignId) {
        Campaign[] campaigns = snapshot.campaigns;
        return campaignId >= 0 && campaignId < campaigns.length
                ? Optional.ofNullable(campaigns[campaignId])
                : Optional.empty();
    }

    /** The ids of the ads of a campaign, in id order: one pass over every ad, for writes. */
    public int[] adsOf(int campaignId) {
        int[] adCampaign = snapshot.adCampaign;
        return IntStream.range(0, adCampaign.length)
                .filter(a -> adCampaign[a] == campaignId)
                .toArray();
    }

    private static void setTargeting(Campaign c, int[] country, int[] device, int[] age, long[] interest) {
        Targeting t = c.targeting();
        country[c.id()] = t.countryMask();
        device[c.id()] = t.deviceMask();
        age[c.id()] = t.ageMask();
        interest[c.id()] = t.interestMask();
    }
}
