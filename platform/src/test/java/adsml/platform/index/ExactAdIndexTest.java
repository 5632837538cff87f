package adsml.platform.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.Targeting;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.testing.FakeClock;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class ExactAdIndexTest {
    private static final Context CTX = new Context(0, 12, 0);
    private static final int US = 0, GB = 1, IOS = 0, ANDROID = 1, AGE_18 = 0, AGE_25 = 1;

    private final FakeClock clock = new FakeClock(Instant.parse("2025-03-01T12:00:00Z"));
    private final BudgetTracker budget = new BudgetTracker(clock);

    private static float[] emb(float... values) {
        return Arrays.copyOf(values, Vocab.EMBEDDING_DIM);
    }

    private static Campaign campaign(int id, Targeting targeting) {
        return new Campaign(id, 0, BidType.CPC, 1f, 100f, 0, targeting);
    }

    private static Ad ad(int id, int campaignId, float... embedding) {
        return new Ad(id, campaignId, 0, 0, emb(embedding));
    }

    /** A user in {@code country} on {@code device} aged {@code age}, interested in categories 7, 3, 40. */
    private static User user(int country, int device, int age, float... embedding) {
        return new User(0, country, device, age, new int[] {7, 3, 40}, new float[] {0.5f, 0.3f, 0.2f}, emb(embedding));
    }

    private static int[] retrieve(AdIndex index, User user, int max) {
        int[] out = new int[max];
        return Arrays.copyOf(out, index.retrieve(user, CTX, max, out));
    }

    /** Ad i belongs to campaign i; each campaign targets one thing, so each ad tests one filter. */
    private ExactAdIndex targetedIndex() {
        List<Campaign> campaigns = List.of(
                campaign(0, Targeting.ANY),
                campaign(1, new Targeting(1 << US, 0, 0, 0)),
                campaign(2, new Targeting(0, 1 << IOS, 0, 0)),
                campaign(3, new Targeting(0, 0, 1 << AGE_18, 0)),
                campaign(4, new Targeting(0, 0, 0, 1L << 40)),
                campaign(5, new Targeting(0, 0, 0, (1L << 8) | (1L << 9))));
        List<Ad> ads = new ArrayList<>();
        for (int i = 0; i < campaigns.size(); i++) {
            ads.add(ad(i, i, 1f));
        }
        return new ExactAdIndex(ads, campaigns, budget);
    }

    @Test
    void resolve_matchesGet_andSkipsIdsTheIndexDoesNotHold() {
        ExactAdIndex index = targetedIndex();
        int[] ids = {4, 999, 1, -3, 0};
        AdColumns columns = index.resolve(ids, ids.length);
        assertEquals(3, columns.rows());
        assertArrayEquals(new int[] {0, 2, 4}, columns.positions());
        assertResolvedAsGet(index, columns);
    }

    @Test
    void resolve_seesAnUpsertedCampaignOnEveryOneOfItsAds_andANewAdPastAGap() {
        ExactAdIndex index = new ExactAdIndex(
                List.of(ad(0, 0, 1f), ad(1, 1, 2f), ad(2, 0, 3f)),
                List.of(campaign(0, Targeting.ANY), campaign(1, Targeting.ANY)),
                budget);
        index.upsert(new Ad(1, 0, 3, 2, emb(0.5f, -1f)), new Campaign(0, 9, BidType.CPA, 4.5f, 50f, 3, Targeting.ANY));
        index.upsert(new Ad(5, 1, 1, 1, emb(Float.NaN)), new Campaign(1, 8, BidType.CPM, 2f, 50f, 1, Targeting.ANY));
        int[] ids = {0, 1, 2, 3, 4, 5};
        AdColumns columns = index.resolve(ids, ids.length);
        assertArrayEquals(new int[] {0, 1, 2, 5}, columns.adIds());
        assertResolvedAsGet(index, columns);
        for (int k = 0; k < 3; k++) {
            assertEquals(4.5f, columns.bids()[k], "ad " + columns.adIds()[k] + " pays its campaign's new bid");
            assertEquals(BidType.CPA, columns.bidTypes()[k]);
            assertEquals(9, columns.advertiserIds()[k]);
        }
    }

    @Test
    void anAdIdPastWhatThePackedRowsCanIndexIsRefused() {
        ExactAdIndex index = targetedIndex();
        Ad tooFar = ad(ExactAdIndex.MAX_AD_ID + 1, 0, 1f);
        assertThrows(IllegalArgumentException.class, () -> index.upsert(tooFar, campaign(0, Targeting.ANY)));
        assertThrows(
                IllegalArgumentException.class,
                () -> new ExactAdIndex(List.of(tooFar), List.of(campaign(0, Targeting.ANY)), budget));
        assertEquals(6, index.size());
    }

    /** Every resolved row holds what {@link ExactAdIndex#get} says of its ad and campaign. */
    private static void assertResolvedAsGet(ExactAdIndex index, AdColumns columns) {
        for (int k = 0; k < columns.rows(); k++) {
            AdEntry entry = index.get(columns.adIds()[k]).orElseThrow();
            Ad ad = entry.ad();
            Campaign c = entry.campaign();
            assertEquals(ad.campaignId(), columns.campaignIds()[k]);
            assertEquals(ad.category(), columns.categories()[k]);
            assertEquals(ad.creativeType(), columns.creativeTypes()[k]);
            assertArrayEquals(
                    ad.embedding(),
                    Arrays.copyOfRange(columns.embeddings(), k * Vocab.EMBEDDING_DIM, (k + 1) * Vocab.EMBEDDING_DIM));
            assertEquals(c.advertiserId(), columns.advertiserIds()[k]);
            assertEquals(c.bidType(), columns.bidTypes()[k]);
            assertEquals(c.bid(), columns.bids()[k]);
        }
    }

    @Test
    void retrieve_filtersByCountry() {
        ExactAdIndex index = targetedIndex();
        assertTrue(contains(retrieve(index, user(US, ANDROID, AGE_25, 1f), 10), 1));
        assertFalse(contains(retrieve(index, user(GB, ANDROID, AGE_25, 1f), 10), 1));
    }

    @Test
    void retrieve_filtersByDevice() {
        ExactAdIndex index = targetedIndex();
        assertTrue(contains(retrieve(index, user(GB, IOS, AGE_25, 1f), 10), 2));
        assertFalse(contains(retrieve(index, user(GB, ANDROID, AGE_25, 1f), 10), 2));
    }

    @Test
    void retrieve_filtersByAge() {
        ExactAdIndex index = targetedIndex();
        assertTrue(contains(retrieve(index, user(GB, ANDROID, AGE_18, 1f), 10), 3));
        assertFalse(contains(retrieve(index, user(GB, ANDROID, AGE_25, 1f), 10), 3));
    }

    @Test
    void retrieve_filtersByInterests() {
        int[] got = retrieve(targetedIndex(), user(GB, ANDROID, AGE_25, 1f), 10);
        assertTrue(contains(got, 4), "targets interest 40, which the user has");
        assertFalse(contains(got, 5), "targets interests 8 and 9, which the user lacks");
        assertArrayEquals(new int[] {0, 4}, got);
    }

    @Test
    void retrieve_ranksByAffinityThenAdId() {
        List<Campaign> campaigns = List.of(campaign(0, Targeting.ANY));
        List<Ad> ads = List.of(ad(0, 0, 0.1f), ad(1, 0, 0.9f), ad(2, 0, -1f), ad(3, 0, 0.5f), ad(4, 0, 0.9f));
        ExactAdIndex index = new ExactAdIndex(ads, campaigns, budget);
        assertArrayEquals(new int[] {1, 4, 3, 0, 2}, retrieve(index, user(US, IOS, AGE_18, 1f), 5));
        assertArrayEquals(new int[] {1, 4, 3}, retrieve(index, user(US, IOS, AGE_18, 1f), 3));
        assertArrayEquals(new int[] {2, 0, 3, 1, 4}, retrieve(index, user(US, IOS, AGE_18, -1f), 5));
    }

    @Test
    void retrieve_skipsPausedAds() {
        ExactAdIndex index = targetedIndex();
        assertTrue(index.setPaused(0, true));
        assertFalse(contains(retrieve(index, user(US, IOS, AGE_18, 1f), 10), 0));
        assertTrue(index.get(0).orElseThrow().paused());
        assertTrue(index.setPaused(0, false));
        assertTrue(contains(retrieve(index, user(US, IOS, AGE_18, 1f), 10), 0));
    }

    @Test
    void setPaused_unknownAdReturnsFalse() {
        ExactAdIndex index = targetedIndex();
        assertFalse(index.setPaused(99, true));
        assertFalse(index.setPaused(-1, true));
    }

    @Test
    void retrieve_skipsOutOfBudgetCampaignsUntilTheNextDay() {
        ExactAdIndex index = targetedIndex();
        budget.charge(0, 100.0);
        assertFalse(contains(retrieve(index, user(US, IOS, AGE_18, 1f), 10), 0));
        clock.advance(Duration.ofHours(12));
        assertTrue(contains(retrieve(index, user(US, IOS, AGE_18, 1f), 10), 0));
    }

    @Test
    void retrieve_outOfBudgetAdsDoNotTakeHeapPlaces() {
        // The best ads' campaign is out of budget: the next best must fill all places.
        List<Campaign> campaigns = List.of(campaign(0, Targeting.ANY), campaign(1, Targeting.ANY));
        List<Ad> ads = List.of(ad(0, 0, 5f), ad(1, 0, 4f), ad(2, 1, 1f), ad(3, 1, 2f), ad(4, 1, 3f));
        ExactAdIndex index = new ExactAdIndex(ads, campaigns, budget);
        budget.charge(0, 100.0);
        assertArrayEquals(new int[] {4, 3}, retrieve(index, user(US, IOS, AGE_18, 1f), 2));
    }

    @Test
    void upsert_newAdIsRetrievedAtOnce() {
        ExactAdIndex index = targetedIndex();
        int before = index.size();
        index.upsert(ad(6, 0, 9f), campaign(0, Targeting.ANY));
        assertEquals(before + 1, index.size());
        assertEquals(6, retrieve(index, user(US, IOS, AGE_18, 1f), 1)[0]);
    }

    @Test
    void upsert_newCampaignRegistersItsBudget() {
        ExactAdIndex index = targetedIndex();
        index.upsert(ad(10, 20, 9f), new Campaign(20, 0, BidType.CPM, 2f, 7f, 0, Targeting.ANY));
        assertEquals(7.0, budget.dailyBudget(20));
        assertEquals(10, retrieve(index, user(US, IOS, AGE_18, 1f), 1)[0]);
        assertEquals(7, index.size(), "ids 6..9 are gaps, not ads");
        assertTrue(index.get(8).isEmpty());
    }

    @Test
    void upsert_changedTargetingAppliesToEveryAdOfTheCampaign() {
        List<Campaign> campaigns = List.of(campaign(0, Targeting.ANY));
        List<Ad> ads = List.of(ad(0, 0, 1f), ad(1, 0, 2f));
        ExactAdIndex index = new ExactAdIndex(ads, campaigns, budget);
        index.setPaused(1, true);
        index.upsert(ad(0, 0, 3f), campaign(0, new Targeting(1 << US, 0, 0, 0)));
        assertEquals(0, retrieve(index, user(GB, IOS, AGE_18, 1f), 10).length);
        AdEntry entry = index.get(1).orElseThrow();
        assertEquals(new Targeting(1 << US, 0, 0, 0), entry.campaign().targeting());
        assertTrue(entry.paused(), "an upsert keeps the other ads' paused flags");
        index.upsert(ad(1, 0, 5f), campaign(0, Targeting.ANY));
        assertTrue(index.get(1).orElseThrow().paused(), "an upsert keeps the ad's own paused flag");
        assertArrayEquals(new int[] {0}, retrieve(index, user(GB, IOS, AGE_18, 1f), 10));
    }

    @Test
    void upsert_rejectsAdOfAnotherCampaign() {
        ExactAdIndex index = targetedIndex();
        assertThrows(IllegalArgumentException.class, () -> index.upsert(ad(0, 1, 1f), campaign(0, Targeting.ANY)));
    }

    @Test
    void get_returnsAdAndCampaign() {
        ExactAdIndex index = targetedIndex();
        AdEntry entry = index.get(2).orElseThrow();
        assertEquals(2, entry.ad().id());
        assertEquals(2, entry.campaign().id());
        assertFalse(entry.paused());
        assertTrue(index.get(6).isEmpty());
        assertTrue(index.get(-1).isEmpty());
    }

    @Test
    void retrieve_coldStartAudienceGetsUntargetedAdsByAdId() {
        List<Campaign> campaigns = List.of(
                campaign(0, Targeting.ANY),
                campaign(1, new Targeting(1 << US, 0, 0, 0)),
                campaign(2, new Targeting(0, 0, 0, 1L << 3)),
                campaign(3, Targeting.ANY));
        List<Ad> ads = List.of(ad(0, 3, 5f), ad(1, 1, 9f), ad(2, 0, -3f), ad(3, 2, 1f), ad(4, 3, 2f));
        ExactAdIndex index = new ExactAdIndex(ads, campaigns, budget);
        int[] out = new int[10];
        int n = index.retrieve(Audience.UNKNOWN, CTX, 10, out);
        assertArrayEquals(new int[] {0, 2, 4}, Arrays.copyOf(out, n));
    }

    @Test
    void retrieve_zeroEmbeddingUserGetsEligibleAdsByAdId() {
        int[] got = retrieve(targetedIndex(), user(US, IOS, AGE_18), 10);
        assertArrayEquals(new int[] {0, 1, 2, 3, 4}, got);
    }

    @Test
    void retrieve_rejectsOutputShorterThanMax() {
        ExactAdIndex index = targetedIndex();
        assertThrows(IllegalArgumentException.class, () -> index.retrieve(user(US, IOS, AGE_18), CTX, 5, new int[4]));
        assertEquals(0, index.retrieve(user(US, IOS, AGE_18), CTX, 0, new int[0]));
    }

    @Test
    void retrieve_equalsBruteForceOnAGeneratedWorld() {
        World world = WorldGenerator.generate(new WorldConfig(5, 3_000, 200, 0, 0), ProgressListener.NONE);
        ExactAdIndex index = ExactAdIndex.of(world, budget);
        SplittableRandom random = new SplittableRandom(9);
        boolean[] paused = new boolean[world.ads().size()];
        pauseEvery(index, paused, 0, 7);
        exhaustEvery(world, 11);
        int[] out = new int[200];
        for (int u = 0; u < world.users().size(); u += 5) {
            User user = world.user(u);
            int max = 1 + random.nextInt(200);
            int n = index.retrieve(user, CTX, max, out);
            assertArrayEquals(bruteForce(world, user, paused, max), Arrays.copyOf(out, n), "user " + u);
        }
    }

    @Test
    void retrieve_smallMaxOnAGeneratedWorldRunsManySelections() {
        World world = WorldGenerator.generate(new WorldConfig(6, 5_000, 50, 0, 0), ProgressListener.NONE);
        ExactAdIndex index = ExactAdIndex.of(world, budget);
        boolean[] paused = new boolean[world.ads().size()];
        int[] out = new int[3];
        for (int u = 0; u < world.users().size(); u++) {
            User user = world.user(u);
            int n = index.retrieve(user, CTX, 3, out);
            assertArrayEquals(bruteForce(world, user, paused, 3), Arrays.copyOf(out, n), "user " + u);
        }
    }

    @Test
    void upsert_pastTheEndKeepsEveryOtherAdsEmbedding() {
        List<Campaign> campaigns = List.of(campaign(0, Targeting.ANY));
        List<Ad> ads = List.of(ad(0, 0, 0.1f, 0.2f), ad(1, 0, 0.3f, -0.4f), ad(2, 0, -0.5f, 0.6f));
        ExactAdIndex index = new ExactAdIndex(ads, campaigns, budget);
        User u = user(US, IOS, AGE_18, 1f, 1f);
        int[] before = retrieve(index, u, 3);
        index.upsert(ad(40, 0, 2f, 2f), campaigns.get(0));
        int[] after = retrieve(index, u, 4);
        assertEquals(40, after[0]);
        assertArrayEquals(before, Arrays.copyOfRange(after, 1, 4));
    }

    @Test
    void key_ordersByScoreThenLowerAdIdWithNaNLast() {
        assertTrue(RankKeys.key(0.5f, 9) > RankKeys.key(0.25f, 1));
        assertTrue(RankKeys.key(-0.25f, 9) > RankKeys.key(-0.5f, 1));
        assertTrue(RankKeys.key(1f, 3) > RankKeys.key(1f, 4));
        assertTrue(RankKeys.key(0f, 3) > RankKeys.key(-0f, 4), "-0 ties with 0, so the id decides");
        assertTrue(RankKeys.key(-Float.MAX_VALUE, 9) > RankKeys.key(Float.NaN, 0));
        assertEquals(RankKeys.key(Float.NEGATIVE_INFINITY, 2), RankKeys.key(Float.NaN, 2));
    }

    @Test
    void selectLargest_putsTheKLargestFirst() {
        SplittableRandom random = new SplittableRandom(3);
        for (int round = 0; round < 200; round++) {
            int n = 1 + random.nextInt(300);
            int k = 1 + random.nextInt(n);
            long[] keys = random.longs(n).distinct().toArray();
            n = keys.length;
            k = Math.min(k, n);
            long[] sorted = keys.clone();
            Arrays.sort(sorted);
            RankKeys.selectLargest(keys, n, k);
            long[] firstK = Arrays.copyOf(keys, k);
            Arrays.sort(firstK);
            assertArrayEquals(Arrays.copyOfRange(sorted, n - k, n), firstK, "n=" + n + " k=" + k);
        }
    }

    @Test
    void retrieve_concurrentWithWritesSeesConsistentSnapshots() throws Exception {
        List<Campaign> campaigns = List.of(campaign(0, Targeting.ANY));
        List<Ad> ads = new ArrayList<>();
        for (int i = 0; i < 1_000; i++) {
            ads.add(ad(i, 0, i / 1000f));
        }
        ExactAdIndex index = new ExactAdIndex(ads, campaigns, budget);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        AtomicBoolean stop = new AtomicBoolean();
        Thread reader = new Thread(() -> {
            int[] out = new int[50];
            User u = user(US, IOS, AGE_18, 1f);
            try {
                while (!stop.get()) {
                    int n = index.retrieve(u, CTX, 50, out);
                    // Ad 999 is never paused and always the best; pauses only ever remove others.
                    if (n != 50 || out[0] != 999) {
                        throw new AssertionError("n=" + n + " first=" + out[0]);
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        reader.start();
        for (int i = 0; i < 300; i++) {
            index.setPaused(i % 900, i % 2 == 0);
            index.upsert(ad(1_000 + i, 0, 0.5f), campaign(0, Targeting.ANY));
        }
        stop.set(true);
        reader.join();
        if (failure.get() != null) {
            throw new AssertionError(failure.get());
        }
        assertEquals(1_300, index.size());
    }

    @Test
    void retrieve_equalsBruteForceForTinyAndHugeQueries() {
        World world = WorldGenerator.generate(new WorldConfig(10, 3_000, 40, 0, 0), ProgressListener.NONE);
        ExactAdIndex index = ExactAdIndex.of(world, budget);
        boolean[] paused = new boolean[world.ads().size()];
        int[] out = new int[50];
        // Squares of components below about 1e-19 vanish in float: the bounds must not lose their radius.
        for (float scale : new float[] {1e-22f, 1e-35f, 1e-40f, 1e15f}) {
            for (User u : world.users()) {
                float[] e = u.embedding().clone();
                for (int d = 0; d < e.length; d++) {
                    e[d] *= scale;
                }
                User scaled =
                        new User(u.id(), u.country(), u.device(), u.ageBucket(), u.interests(), u.interestWeights(), e);
                int n = index.retrieve(scaled, CTX, 50, out);
                assertArrayEquals(
                        bruteForce(world, scaled, paused, 50),
                        Arrays.copyOf(out, n),
                        "scale " + scale + ", user " + u.id());
            }
        }
    }

    @Test
    void retrieve_equalsBruteForceAfterUpsertsMoveAdsBetweenClusters() {
        World world = WorldGenerator.generate(new WorldConfig(8, 3_000, 100, 0, 0), ProgressListener.NONE);
        ExactAdIndex index = ExactAdIndex.of(world, budget);
        List<Ad> current = new ArrayList<>(world.ads());
        SplittableRandom random = new SplittableRandom(4);
        for (int round = 0; round < 400; round++) {
            // Replaces an ad (often into another cluster), or adds one past the end, some far from every centroid.
            int id = round % 4 == 0 ? current.size() : random.nextInt(current.size());
            Campaign campaign = world.campaign(random.nextInt(world.campaigns().size()));
            float[] e = new float[Vocab.EMBEDDING_DIM];
            for (int d = 0; d < e.length; d++) {
                e[d] = (float) (random.nextGaussian() * (round % 5 == 0 ? 3 : 1));
            }
            Ad ad = new Ad(id, campaign.id(), campaign.category(), 0, e);
            index.upsert(ad, campaign);
            if (id == current.size()) {
                current.add(ad);
            } else {
                current.set(id, ad);
            }
        }
        boolean[] paused = new boolean[current.size()];
        int[] out = new int[300];
        for (int u = 0; u < world.users().size(); u++) {
            User user = world.user(u);
            int max = 1 + random.nextInt(300);
            int n = index.retrieve(user, CTX, max, out);
            assertArrayEquals(
                    bruteForce(current, world.campaigns(), user, paused, max), Arrays.copyOf(out, n), "user " + u);
        }
    }

    @Test
    void retrieve_zeroQueryRanksTheIdsWithAdsThatAreNotFiniteLast() {
        World world = WorldGenerator.generate(new WorldConfig(11, 3_000, 60, 0, 0), ProgressListener.NONE);
        ExactAdIndex index = ExactAdIndex.of(world, budget);
        List<Ad> current = new ArrayList<>(world.ads());
        for (int id : new int[] {5, 17, 2_999}) { // against any query they score NaN
            Ad old = current.get(id);
            float[] e = old.embedding().clone();
            e[id % Vocab.EMBEDDING_DIM] = id == 17 ? Float.POSITIVE_INFINITY : Float.NaN;
            Ad broken = new Ad(id, old.campaignId(), old.category(), old.creativeType(), e);
            index.upsert(broken, world.campaign(old.campaignId()));
            current.set(id, broken);
        }
        boolean[] paused = new boolean[current.size()];
        pauseEvery(index, paused, 3, 13);
        exhaustEvery(world, 17);
        int[] out = new int[3_000];
        for (User u : world.users()) {
            float[] zeros = new float[Vocab.EMBEDDING_DIM];
            zeros[u.id() % Vocab.EMBEDDING_DIM] = -0f; // -0 is a zero too
            User cold =
                    new User(u.id(), u.country(), u.device(), u.ageBucket(), u.interests(), u.interestWeights(), zeros);
            for (int max : new int[] {1, 50, 3_000}) {
                int n = index.retrieve(cold, CTX, max, out);
                assertArrayEquals(
                        bruteForce(current, world.campaigns(), cold, paused, max),
                        Arrays.copyOf(out, n),
                        "user " + u.id() + ", max " + max);
            }
        }
    }

    /**
     * Every eligible ad in the order of the index's keys: by affinity (the index's float arithmetic), then the lower
     * id, a NaN last and -0 as 0; the first max.
     */
    private int[] bruteForce(World world, User user, boolean[] paused, int max) {
        return bruteForce(world.ads(), world.campaigns(), user, paused, max);
    }

    private int[] bruteForce(List<Ad> ads, List<Campaign> campaigns, User user, boolean[] paused, int max) {
        List<Long> keys = new ArrayList<>();
        for (Ad ad : ads) {
            Campaign c = campaigns.get(ad.campaignId());
            if (paused[ad.id()] || !c.targeting().matches(user) || budget.exhausted(c.id())) {
                continue;
            }
            float s = 0f;
            for (int d = 0; d < Vocab.EMBEDDING_DIM; d++) {
                s += user.embedding()[d] * ad.embedding()[d];
            }
            keys.add(RankKeys.key(s, ad.id()));
        }
        keys.sort(java.util.Comparator.reverseOrder());
        int[] ids = new int[Math.min(max, keys.size())];
        for (int i = 0; i < ids.length; i++) {
            ids[i] = Integer.MAX_VALUE - (int) (long) keys.get(i);
        }
        return ids;
    }

    /** Pauses every {@code step}-th ad, from {@code first}, in the index and in {@code paused}. */
    private static void pauseEvery(ExactAdIndex index, boolean[] paused, int first, int step) {
        for (int a = first; a < paused.length; a += step) {
            paused[a] = true;
            index.setPaused(a, true);
        }
    }

    /** Spends the daily budget of every {@code step}-th campaign. */
    private void exhaustEvery(World world, int step) {
        for (int c = 0; c < world.campaigns().size(); c += step) {
            budget.charge(c, world.campaign(c).dailyBudget());
        }
    }

    private static boolean contains(int[] ids, int id) {
        for (int x : ids) {
            if (x == id) {
                return true;
            }
        }
        return false;
    }
}
