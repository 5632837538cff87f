package adsml.platform.index.ann;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.offline.generator.InventoryGenerator;
import adsml.platform.offline.generator.InventoryGenerator.Query;
import adsml.platform.offline.generator.InventoryGenerator.Space;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.function.IntPredicate;
import org.junit.jupiter.api.Test;

class IvfIndexTest {
    private static final int ADS = 20_000;
    private static final int K = 200;
    private static final Space SPACE = new Space(32, 8);
    private static final VectorAds INVENTORY = InventoryGenerator.ads(5, ADS, SPACE);
    private static final List<Query> QUERIES = InventoryGenerator.queries(5, 6, 60, SPACE, 0.3);
    private static final IntPredicate NONE_SPENT = c -> false;

    private static IvfIndex index() {
        return IvfIndex.build(INVENTORY, new IvfIndex.Settings(141, 4, IvfIndex.DEFAULT_TOLERANCE, 100, 64), 5);
    }

    private static int[] search(IvfIndex index, Query q, IntPredicate spent) {
        int[] out = new int[K];
        return Arrays.copyOf(out, index.search(q.embedding(), q.filter(), spent, K, out));
    }

    private static int[] exact(Query q, BitSet paused, IntPredicate spent) {
        int[] out = new int[K];
        return Arrays.copyOf(out, new ExactScan(INVENTORY, paused).search(q.embedding(), q.filter(), spent, K, out));
    }

    private static double recall(int[] got, int[] truth) {
        if (truth.length == 0) {
            return 1;
        }
        int[] sorted = got.clone();
        Arrays.sort(sorted);
        return Arrays.stream(truth)
                        .filter(id -> Arrays.binarySearch(sorted, id) >= 0)
                        .count()
                / (double) truth.length;
    }

    @Test
    void searchingEveryList_findsTheExactTop_butForTheCodesRounding() {
        IvfIndex index = index();
        index.setSearch(141, 0, 1_000_000);
        double sum = 0;
        for (Query q : QUERIES) {
            sum += recall(search(index, q, NONE_SPENT), exact(q, new BitSet(), NONE_SPENT));
        }
        assertTrue(sum / QUERIES.size() >= 0.99, "recall " + sum / QUERIES.size());
    }

    @Test
    void theDefaultSearch_findsMostOfTheExactTop() {
        IvfIndex index = index();
        double sum = 0;
        for (Query q : QUERIES) {
            sum += recall(search(index, q, NONE_SPENT), exact(q, new BitSet(), NONE_SPENT));
        }
        assertTrue(sum / QUERIES.size() >= 0.9, "recall " + sum / QUERIES.size());
    }

    @Test
    void everyAdReturned_isEligible_andSpentCampaignsAndPausedAdsAreNot() {
        IvfIndex index = index();
        BitSet paused = new BitSet();
        for (int a = 0; a < ADS; a += 7) {
            paused.set(a);
            assertTrue(index.setPaused(a, true));
        }
        IntPredicate spent = c -> c % 5 == 0;
        for (Query q : QUERIES) {
            int[] got = search(index, q, spent);
            for (int ad : got) {
                assertTrue(
                        q.filter().admits(INVENTORY.targetWord(ad), INVENTORY.interests(ad), INVENTORY.category(ad)));
                assertFalse(paused.get(ad), "paused ad " + ad);
                assertFalse(spent.test(INVENTORY.campaign(ad)), "spent campaign of ad " + ad);
            }
            // As many as there are: a selective search that finds fewer than K found every eligible one.
            assertEquals(Math.min(K, exact(q, paused, spent).length), got.length);
        }
    }

    @Test
    void anUnknownUser_seesOnlyUntargetedAds() {
        IvfIndex index = index();
        int[] out = new int[K];
        int n = index.search(QUERIES.get(0).embedding(), AdFilter.UNKNOWN, NONE_SPENT, K, out);
        assertTrue(n > 0);
        for (int i = 0; i < n; i++) {
            assertEquals(0, INVENTORY.targetWord(out[i]) & VectorAds.COUNTRY_BITS);
            assertEquals(0L, INVENTORY.interests(out[i]));
        }
    }

    @Test
    void writes_areVisibleToTheNextSearch_beforeAndAfterAFold() {
        IvfIndex index = index();
        Query q = feed();
        float[] top = scaled(q.embedding(), 5f);
        int created = ADS + 10;
        index.upsert(created, top, 0, INVENTORY.category(0), 0, 0L);
        assertEquals(created, search(index, q, NONE_SPENT)[0], "a new ad that matches best comes first");
        assertEquals(ADS + 1, index.size());

        int changed = 123;
        index.upsert(changed, scaled(q.embedding(), 6f), 0, INVENTORY.category(0), 0, 0L);
        assertEquals(changed, search(index, q, NONE_SPENT)[0], "a changed ad moves");

        assertTrue(index.setPaused(changed, true));
        assertFalse(contains(search(index, q, NONE_SPENT), changed), "a paused ad is gone");
        index.upsert(changed, scaled(q.embedding(), 6f), 0, INVENTORY.category(0), 0, 0L);
        assertFalse(contains(search(index, q, NONE_SPENT), changed), "an upsert keeps the paused flag");

        index.fold();
        assertEquals(0, index.deltaSize());
        assertEquals(created, search(index, q, NONE_SPENT)[0], "folded ads keep their place");
        assertFalse(contains(search(index, q, NONE_SPENT), changed), "and their paused flag");
        assertTrue(index.setPaused(changed, false));
        assertEquals(changed, search(index, q, NONE_SPENT)[0]);
        assertEquals(ADS + 1, index.size());
        assertFalse(index.setPaused(ADS + 999, true), "an ad the index does not hold");
    }

    @Test
    void theWriterFolds_atTheDeltaLimit_andTheFoldedAdsAnswerWithTheirNewAttributes() {
        IvfIndex index = index(); // delta limit 64
        Query q = feed();
        for (int i = 0; i < 64; i++) {
            index.upsert(i, scaled(q.embedding(), 5f + i / 64f), 0, INVENTORY.category(0), 0, 0L);
        }
        assertEquals(0, index.deltaSize());
        assertEquals(ADS, index.size());
        int[] got = search(index, q, NONE_SPENT);
        for (int i = 0; i < 64; i++) {
            // Untargeted now, and the best match: the 64 lead, the largest first.
            assertEquals(63 - i, got[i], "rank " + i);
        }
    }

    @Test
    void readers_duringWrites_seeOneConsistentStateOrTheNext() throws Exception {
        IvfIndex index = index();
        Query q = feed();
        java.util.concurrent.atomic.AtomicReference<Throwable> failure =
                new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        Thread reader = new Thread(() -> {
            try {
                while (!done.get()) {
                    for (int ad : search(index, q, NONE_SPENT)) {
                        if (ad < 0 || ad >= ADS + 1_000) {
                            throw new AssertionError("ad " + ad);
                        }
                    }
                }
            } catch (Throwable t) {
                failure.set(t);
            }
        });
        reader.start();
        for (int i = 0; i < 500; i++) {
            index.upsert(ADS + i, scaled(q.embedding(), 2f + i / 500f), 0, INVENTORY.category(0), 0, 0L);
            index.setPaused(i, i % 2 == 0);
        }
        done.set(true);
        reader.join();
        if (failure.get() != null) {
            throw new AssertionError("a reader failed", failure.get());
        }
        assertEquals(ADS + 499, search(index, q, NONE_SPENT)[0], "the last write is the answer");
    }

    @Test
    void anEmbeddingThatIsNotFinite_ranksLast_andBreaksNothing() {
        float[] v = {1, 0, 0, 0, 0.5f, 0, 0, 0, Float.NaN, 0, 0, 0};
        VectorAds three = new VectorAds(4, 3, v, new int[3], new int[3], new int[3], new long[3]);
        IvfIndex index = IvfIndex.build(three, IvfIndex.Settings.forAds(3), 1);
        int[] out = new int[3];
        assertEquals(3, index.search(new float[] {1, 0, 0, 0}, AdFilter.UNKNOWN, NONE_SPENT, 3, out));
        assertArrayEquals(new int[] {0, 1, 2}, out);
        assertThrows(
                IllegalArgumentException.class,
                () -> index.upsert(0, new float[] {Float.POSITIVE_INFINITY, 0, 0, 0}, 0, 0, 0, 0L),
                "a write must be finite");
    }

    @Test
    void theNormalTail_isRightToSixPlaces() {
        assertEquals(0.5, IvfIndex.upperTail(0), 1e-6);
        assertEquals(0.158655, IvfIndex.upperTail(1), 1e-6);
        assertEquals(0.022750, IvfIndex.upperTail(2), 1e-6);
        assertEquals(0.977250, IvfIndex.upperTail(-2), 1e-6);
        assertEquals(1.349898e-3, IvfIndex.upperTail(3), 1e-6);
    }

    @Test
    void aSmallerTolerance_findsMore() {
        IvfIndex index = index();
        double loose = 0, strict = 0;
        for (Query q : QUERIES) {
            int[] truth = exact(q, new BitSet(), NONE_SPENT);
            index.setSearch(4, 0.3, 100);
            loose += recall(search(index, q, NONE_SPENT), truth);
            index.setSearch(4, 0.01, 100);
            strict += recall(search(index, q, NONE_SPENT), truth);
        }
        assertTrue(strict > loose, "tolerance 0.01: " + strict / QUERIES.size() + ", 0.3: " + loose / QUERIES.size());
    }

    @Test
    void badInput_isRefused() {
        IvfIndex index = index();
        Query q = QUERIES.get(0);
        assertThrows(
                IllegalArgumentException.class,
                () -> index.search(new float[3], q.filter(), NONE_SPENT, 1, new int[1]));
        assertThrows(
                IllegalArgumentException.class,
                () -> index.search(q.embedding(), q.filter(), NONE_SPENT, 5, new int[4]));
        assertThrows(IllegalArgumentException.class, () -> index.upsert(1, new float[3], 0, 0, 0, 0L));
        assertThrows(IllegalArgumentException.class, () -> index.upsert(1, q.embedding(), 0, 50, 0, 0L));
        assertThrows(IllegalArgumentException.class, () -> index.upsert(-1, q.embedding(), 0, 0, 0, 0L));
        assertThrows(
                IllegalArgumentException.class, () -> index.upsert(IvfIndex.MAX_AD_ID + 1, q.embedding(), 0, 0, 0, 0L));
        assertThrows(IllegalArgumentException.class, () -> index.upsert(1, q.embedding(), 0, 0, 0, 1L << 55));
        assertThrows(IllegalArgumentException.class, () -> index.upsert(1, q.embedding(), 0, 0, 1 << 25, 0L));
        assertEquals(
                0, new ExactScan(INVENTORY, new BitSet()).search(q.embedding(), q.filter(), NONE_SPENT, 0, new int[0]));
        assertThrows(IllegalArgumentException.class, () -> new AdFilter(10, 0, 0, 0L, 0L));
        assertThrows(IllegalArgumentException.class, () -> new IvfIndex.Settings(0, 1, 3, 1, 1));
    }

    private static Query feed() {
        return QUERIES.stream().filter(q -> !q.isSearch()).findFirst().orElseThrow();
    }

    private static boolean contains(int[] ids, int id) {
        return Arrays.stream(ids).anyMatch(x -> x == id);
    }

    private static float[] scaled(float[] v, float by) {
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= by;
        }
        return out;
    }
}
