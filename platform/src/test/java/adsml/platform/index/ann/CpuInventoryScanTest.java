package adsml.platform.index.ann;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.index.RankKeys;
import adsml.platform.offline.generator.InventoryGenerator;
import adsml.platform.offline.generator.InventoryGenerator.Query;
import adsml.platform.offline.generator.InventoryGenerator.Space;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class CpuInventoryScanTest {
    private static final int ADS = 5_000;
    private static final int K = 100;
    private static final Space SPACE = new Space(32, 8);
    private static final VectorAds INVENTORY = InventoryGenerator.ads(7, ADS, SPACE);
    private static final List<Query> QUERIES = InventoryGenerator.queries(7, 8, 40, SPACE, 0.3);

    private static CpuInventoryScan scan(float[] prior) {
        CpuInventoryScan scan = new CpuInventoryScan(SPACE.dim(), ADS + 10);
        scan.write(InventoryRows.of(INVENTORY, prior));
        return scan;
    }

    private static long[][] search(InventoryScan scan, BitSet exhausted, int[] counts) {
        float[][] queries = QUERIES.stream().map(Query::embedding).toArray(float[][]::new);
        AdFilter[] filters = QUERIES.stream().map(Query::filter).toArray(AdFilter[]::new);
        long[][] out = new long[QUERIES.size()][K];
        System.arraycopy(scan.search(queries, filters, exhausted, K, out), 0, counts, 0, counts.length);
        return out;
    }

    /** Without priors it is exact retrieval: ExactScan's answers, but for its other summation order on near-ties. */
    @Test
    void withoutPriors_findsExactScansTop_inItsOrder() {
        int[] counts = new int[QUERIES.size()];
        long[][] got = search(scan(new float[ADS]), new BitSet(), counts);
        ExactScan exact = new ExactScan(INVENTORY, new BitSet());
        int same = 0;
        int total = 0;
        for (int r = 0; r < QUERIES.size(); r++) {
            int[] truth = new int[K];
            int n = exact.search(QUERIES.get(r).embedding(), QUERIES.get(r).filter(), c -> false, K, truth);
            assertEquals(n, counts[r], "request " + r + " finds as many eligible ads");
            for (int i = 0; i < n; i++) {
                int ad = RankKeys.adOf(got[r][i]);
                float mine = RankKeys.scoreOf(got[r][i]);
                float theirs =
                        Dot.of(QUERIES.get(r).embedding(), 0, INVENTORY.vectors, truth[i] * SPACE.dim(), SPACE.dim());
                assertEquals(theirs, mine, 1e-4f, "request " + r + " rank " + i);
                same += ad == truth[i] ? 1 : 0;
                total++;
            }
        }
        assertTrue(total > QUERIES.size() * K / 2, "the queries find ads: " + total);
        assertTrue(same >= total * 0.99, same + " of " + total + " at the same rank");
    }

    @Test
    void aPriorLifts_pausedAndExhaustedAdsNeverCome_andAWriteIsSeenByTheNextSearch() {
        Query q = QUERIES.get(0);
        float[] prior = new float[ADS];
        int[] counts = new int[1];
        CpuInventoryScan scan = scan(prior);
        long[][] out = new long[1][K];
        scan.search(new float[][] {q.embedding()}, new AdFilter[] {AdFilter.UNKNOWN}, new BitSet(), K, out);
        int first = RankKeys.adOf(out[0][0]);
        int last = RankKeys.adOf(out[0][K - 1]);

        float[] lifted = new float[ADS];
        lifted[last] = 1e6f;
        scan.write(InventoryRows.of(INVENTORY, lifted));
        counts = scan.search(new float[][] {q.embedding()}, new AdFilter[] {AdFilter.UNKNOWN}, new BitSet(), K, out);
        assertEquals(last, RankKeys.adOf(out[0][0]), "the prior is added to the score");
        assertEquals(K, counts[0]);

        scan.setPaused(last, true);
        BitSet exhausted = new BitSet();
        exhausted.set(INVENTORY.campaign(first));
        scan.search(new float[][] {q.embedding()}, new AdFilter[] {AdFilter.UNKNOWN}, exhausted, K, out);
        for (long key : out[0]) {
            int ad = RankKeys.adOf(key);
            assertTrue(ad != last, "a paused ad is not eligible");
            assertTrue(INVENTORY.campaign(ad) != INVENTORY.campaign(first), "nor an exhausted campaign's");
        }
        scan.setPaused(last, false);
        scan.search(new float[][] {q.embedding()}, new AdFilter[] {AdFilter.UNKNOWN}, new BitSet(), K, out);
        assertEquals(last, RankKeys.adOf(out[0][0]), "resumed");
    }

    @Test
    void setPriors_replacesThePriorsBelowItsLength_andARowWrittenLaterBringsItsOwn() {
        Query q = QUERIES.get(0);
        CpuInventoryScan scan = scan(new float[ADS]);
        long[][] out = new long[1][K];
        scan.search(new float[][] {q.embedding()}, new AdFilter[] {AdFilter.UNKNOWN}, new BitSet(), K, out);
        int last = RankKeys.adOf(out[0][K - 1]);
        float[] priors = new float[last + 1];
        priors[last] = 1e6f;
        scan.setPriors(priors);
        scan.search(new float[][] {q.embedding()}, new AdFilter[] {AdFilter.UNKNOWN}, new BitSet(), K, out);
        assertEquals(last, RankKeys.adOf(out[0][0]), "the new prior counts from the next search");
        assertEquals(1e6f, RankKeys.scoreOf(out[0][0]), 1f);

        scan.write(InventoryRows.of(INVENTORY, new float[ADS]));
        scan.search(new float[][] {q.embedding()}, new AdFilter[] {AdFilter.UNKNOWN}, new BitSet(), K, out);
        assertEquals(last, RankKeys.adOf(out[0][K - 1]), "a row's own prior replaces it");
        IllegalArgumentException past =
                assertThrows(IllegalArgumentException.class, () -> scan.setPriors(new float[ADS + 11]));
        assertTrue(past.getMessage().contains("capacity"), past.getMessage());
    }

    @Test
    void fewerEligibleThanK_returnsThoseOnly_tiesToTheLowerPosition() {
        CpuInventoryScan scan = new CpuInventoryScan(2, 10);
        float[] same = {1f, 0f};
        scan.write(new InventoryRows(
                2,
                new int[] {7, 3, 5},
                new float[] {same[0], same[1], same[0], same[1], 0f, 1f},
                new int[] {1, 1, 2},
                new int[3],
                new int[3],
                new long[3],
                new float[3]));
        long[][] out = new long[1][4];
        int[] counts = scan.search(new float[][] {{1f, 0f}}, new AdFilter[] {AdFilter.UNKNOWN}, new BitSet(), 4, out);
        assertEquals(3, counts[0], "positions never written are not ads");
        assertArrayEquals(
                new int[] {3, 7, 5},
                new int[] {RankKeys.adOf(out[0][0]), RankKeys.adOf(out[0][1]), RankKeys.adOf(out[0][2])});
        assertEquals(8, scan.size());
    }

    /** The GPU's form of the targeting test (known word, three fields) is AdFilter.admits on every ad and request. */
    @Test
    void knownWordForm_admitsExactlyAsAdFilterDoes() {
        int[] fields = VectorAds.targetFields();
        int checked = 0;
        for (Query q : QUERIES) {
            AdFilter f = q.filter();
            int known = f.knownWord();
            for (int ad = 0; ad < ADS; ad++) {
                int word = INVENTORY.targetWord(ad);
                boolean targeting = true;
                for (int field : fields) {
                    targeting &= (word & field) == 0 || (word & field & known) != 0;
                }
                long interests = INVENTORY.interests(ad);
                boolean form = targeting
                        && (interests == 0 || (interests & f.interests()) != 0)
                        && (f.categories() == 0 || (f.categories() >>> INVENTORY.category(ad) & 1) != 0);
                assertEquals(f.admits(word, interests, INVENTORY.category(ad)), form, "ad " + ad + ", " + f);
                checked += form ? 1 : 0;
            }
        }
        assertTrue(checked > 0 && checked < QUERIES.size() * ADS, "both outcomes occur: " + checked);
        for (AdFilter unknown : new AdFilter[] {AdFilter.UNKNOWN, new AdFilter(-1, 2, -1, 0L, 0L)}) {
            assertEquals(unknown.device() >= 0 ? 1 << (VectorAds.DEVICE_SHIFT + 2) : 0, unknown.knownWord());
        }
    }

    /**
     * A query over a range of dimensions gets, bit for bit, the answer of a whole-row query with zeros outside the
     * range: a tower's query and a light model's each read only their part of the rows.
     */
    @Test
    void aQueryOverARange_answersAsTheWholeRowQueryWithZerosOutsideIt() {
        float[] prior = new float[ADS];
        for (int i = 0; i < ADS; i++) {
            prior[i] = (i % 7) * 0.01f;
        }
        CpuInventoryScan scan = scan(prior);
        int[][] ranges = {{0, 10}, {10, SPACE.dim() - 10}, {3, 1}};
        for (int[] range : ranges) {
            int from = range[0];
            int length = range[1];
            float[][] part = new float[QUERIES.size()][];
            float[][] padded = new float[QUERIES.size()][SPACE.dim()];
            AdFilter[] filters = QUERIES.stream().map(Query::filter).toArray(AdFilter[]::new);
            for (int r = 0; r < QUERIES.size(); r++) {
                float[] q = QUERIES.get(r).embedding();
                part[r] = java.util.Arrays.copyOfRange(q, from, from + length);
                System.arraycopy(q, from, padded[r], from, length);
            }
            long[][] got = new long[QUERIES.size()][K];
            long[][] want = new long[QUERIES.size()][K];
            int[] gotCounts = scan.search(from, part, filters, new BitSet(), K, got);
            int[] wantCounts = scan.search(padded, filters, new BitSet(), K, want);
            assertArrayEquals(wantCounts, gotCounts, "range " + from + "+" + length);
            for (int r = 0; r < QUERIES.size(); r++) {
                assertArrayEquals(want[r], got[r], "range " + from + "+" + length + ", request " + r);
            }
        }
    }

    @Test
    void badArguments_areRefusedWithTheirReason() {
        CpuInventoryScan scan = new CpuInventoryScan(2, 4);
        float[][] one = {{1f, 0f}};
        AdFilter[] any = {AdFilter.UNKNOWN};
        assertThrows(
                IllegalArgumentException.class, () -> scan.search(one, any, new BitSet(), 1025, new long[1][1025]));
        IllegalArgumentException range = assertThrows(
                IllegalArgumentException.class,
                () -> scan.search(2, new float[][] {{1f}}, any, new BitSet(), 1, new long[1][1]));
        assertTrue(range.getMessage().contains("from dimension 2 does not fit"), range.getMessage());
        assertThrows(
                IllegalArgumentException.class,
                () -> scan.search(new float[][] {{1f}}, any, new BitSet(), 1, new long[1][1]),
                "a whole-row search takes whole rows");
        assertThrows(
                IllegalArgumentException.class,
                () -> scan.search(
                        new float[][] {{1f, 0f}, {1f}},
                        new AdFilter[] {AdFilter.UNKNOWN, AdFilter.UNKNOWN},
                        new BitSet(),
                        1,
                        new long[2][1]));
        assertThrows(IllegalArgumentException.class, () -> scan.search(one, any, new BitSet(), 2, new long[1][1]));
        assertThrows(
                IllegalArgumentException.class,
                () -> scan.search(one, new AdFilter[0], new BitSet(), 1, new long[1][1]));
        assertThrows(IllegalArgumentException.class, () -> scan.setPaused(0, true));
        IllegalArgumentException past = assertThrows(
                IllegalArgumentException.class,
                () -> scan.write(new InventoryRows(
                        2,
                        new int[] {4},
                        new float[2],
                        new int[1],
                        new int[1],
                        new int[1],
                        new long[1],
                        new float[1])));
        assertTrue(past.getMessage().contains("capacity"), past.getMessage());
    }
}
