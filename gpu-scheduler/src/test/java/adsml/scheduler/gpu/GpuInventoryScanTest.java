package adsml.scheduler.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adsml.platform.index.ann.AdFilter;
import adsml.platform.index.ann.CpuInventoryScan;
import adsml.platform.index.ann.InventoryRows;
import adsml.platform.index.ann.InventoryScan;
import adsml.platform.index.ann.VectorAds;
import adsml.platform.offline.generator.InventoryGenerator;
import adsml.platform.offline.generator.InventoryGenerator.Query;
import adsml.platform.offline.generator.InventoryGenerator.Space;
import adsml.scheduler.DeviceMemoryException;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The inventory on the card against its CPU twin: the same keys, bit for bit, for lone requests and groups of 8 and 32,
 * with priors, paused ads, exhausted campaigns, rewritten ads, and fewer eligible ads than k. Skips where no CUDA
 * device answers (gpu-bench.sh runs it on a GPU machine).
 */
@Tag("gpu")
class GpuInventoryScanTest {
    private static final int ADS = 60_000;
    private static final Space SPACE = new Space(64, 16);
    private static final VectorAds INVENTORY = InventoryGenerator.ads(3, ADS, SPACE);
    private static final List<Query> QUERIES = InventoryGenerator.queries(3, 4, 70, SPACE, 0.3);

    private static CudaDevices.Info gpu;

    @BeforeEach
    void findGpu() {
        CudaDevices.Discovery discovery = CudaDevices.discover();
        assumeTrue(discovery.found(), () -> "no CUDA device: " + discovery.reason());
        gpu = discovery.devices().get(0);
    }

    private static GpuDevice open(long budget) {
        return GpuDevice.open(gpu, new GpuSettings(1, 64, budget, Precision.FP32, EmbeddingStorage.FP32));
    }

    private static float[] priors(long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        float[] prior = new float[ADS];
        for (int i = 0; i < ADS; i++) {
            prior[i] = (float) (0.3 * r.nextGaussian());
        }
        return prior;
    }

    /** Both scans answer {@code queries} alike, every key equal. */
    private static void assertSame(InventoryScan cpu, InventoryScan gpu, List<Query> queries, BitSet spent, int k) {
        assertSame(cpu, gpu, queries, spent, k, 0, SPACE.dim());
    }

    /** As above, the queries cut to dimensions {@code [from, from + length)}. */
    private static void assertSame(
            InventoryScan cpu, InventoryScan gpu, List<Query> queries, BitSet spent, int k, int from, int length) {
        float[][] q = queries.stream()
                .map(query -> Arrays.copyOfRange(query.embedding(), from, from + length))
                .toArray(float[][]::new);
        AdFilter[] f = queries.stream().map(Query::filter).toArray(AdFilter[]::new);
        long[][] want = new long[q.length][k];
        long[][] got = new long[q.length][k];
        int[] wantCounts = cpu.search(from, q, f, spent, k, want);
        int[] gotCounts = gpu.search(from, q, f, spent, k, got);
        assertArrayEquals(wantCounts, gotCounts, "counts, k " + k);
        for (int r = 0; r < q.length; r++) {
            assertArrayEquals(
                    Arrays.copyOf(want[r], wantCounts[r]),
                    Arrays.copyOf(got[r], gotCounts[r]),
                    "request " + r + " of " + q.length + ", k " + k);
        }
    }

    /** A query over a range of dimensions (a tower's or a light model's part of the rows) reads from vecT's offset. */
    @Test
    void aRangeOfDimensions_sameKeysAsTheCpuTwin() {
        float[] prior = priors(7);
        try (GpuDevice device = open(0);
                GpuInventoryScan gpuScan = device.openInventory(SPACE.dim(), ADS + 100);
                CpuInventoryScan cpuScan = new CpuInventoryScan(SPACE.dim(), ADS + 100)) {
            for (InventoryScan scan : List.of(cpuScan, gpuScan)) {
                scan.write(InventoryRows.of(INVENTORY, prior));
            }
            for (int[] range : new int[][] {{0, 10}, {10, SPACE.dim() - 10}, {5, 1}}) {
                assertSame(cpuScan, gpuScan, QUERIES.subList(0, 1), new BitSet(), 100, range[0], range[1]);
                assertSame(cpuScan, gpuScan, QUERIES, new BitSet(), 100, range[0], range[1]);
            }
        }
    }

    @Test
    void sameKeysAsTheCpuTwin_forLoneRequestsAndGroups_throughWritesPausesSpentBudgetsAndPriors() {
        float[] prior = priors(5);
        try (GpuDevice device = open(0);
                GpuInventoryScan gpuScan = device.openInventory(SPACE.dim(), ADS + 100);
                CpuInventoryScan cpuScan = new CpuInventoryScan(SPACE.dim(), ADS + 100)) {
            for (InventoryScan scan : List.of(cpuScan, gpuScan)) {
                scan.write(InventoryRows.of(INVENTORY, prior));
            }
            BitSet none = new BitSet();
            for (int k : new int[] {1, 100, 1024}) {
                assertSame(cpuScan, gpuScan, QUERIES.subList(0, 1), none, k);
                assertSame(cpuScan, gpuScan, QUERIES.subList(1, 7), none, k);
                assertSame(cpuScan, gpuScan, QUERIES, none, k); // 32 + 32 + 6
            }

            BitSet spent = new BitSet();
            for (int c = 0; c < ADS / 20; c += 7) {
                spent.set(c);
            }
            for (int p = 0; p < ADS; p += 13) {
                cpuScan.setPaused(p, true);
                gpuScan.setPaused(p, true);
            }
            assertSame(cpuScan, gpuScan, QUERIES, spent, 1000);

            // A rewrite: other embeddings and priors for a slice of the ads, seen by the next search.
            VectorAds other = InventoryGenerator.ads(9, 2_000, SPACE);
            int[] positions = new int[2_000];
            for (int i = 0; i < positions.length; i++) {
                positions[i] = 17 * i;
            }
            float[] otherPrior = Arrays.copyOf(priors(11), 2_000);
            float[] vectors = new float[2_000 * SPACE.dim()];
            int[] campaign = new int[2_000];
            int[] category = new int[2_000];
            int[] word = new int[2_000];
            long[] interests = new long[2_000];
            for (int i = 0; i < 2_000; i++) {
                System.arraycopy(other.vector(i), 0, vectors, i * SPACE.dim(), SPACE.dim());
                campaign[i] = other.campaign(i);
                category[i] = other.category(i);
                word[i] = other.targetWord(i);
                interests[i] = other.interests(i);
            }
            InventoryRows rewrite =
                    new InventoryRows(SPACE.dim(), positions, vectors, campaign, category, word, interests, otherPrior);
            cpuScan.write(rewrite);
            gpuScan.write(rewrite);
            assertSame(cpuScan, gpuScan, QUERIES, spent, 1000);
            assertEquals(cpuScan.size(), gpuScan.size());

            // Priors replaced in bulk, as a light ranker's refresh writes them.
            float[] refreshed = priors(13);
            cpuScan.setPriors(refreshed);
            gpuScan.setPriors(refreshed);
            assertSame(cpuScan, gpuScan, QUERIES, spent, 1000);
        }
    }

    @Test
    void fewerEligibleThanK_andAnEmptyInventory_answerWhatThereIs() {
        try (GpuDevice device = open(0);
                GpuInventoryScan gpuScan = device.openInventory(2, 16);
                CpuInventoryScan cpuScan = new CpuInventoryScan(2, 16)) {
            AdFilter[] any = {AdFilter.UNKNOWN};
            long[][] out = new long[1][8];
            assertEquals(0, gpuScan.search(new float[][] {{1f, 0f}}, any, new BitSet(), 8, out)[0]);
            InventoryRows rows = new InventoryRows(
                    2,
                    new int[] {9, 3, 5},
                    new float[] {1f, 0f, 1f, 0f, 0f, 1f},
                    new int[] {1, 1, 2},
                    new int[3],
                    new int[3],
                    new long[3],
                    new float[3]);
            cpuScan.write(rows);
            gpuScan.write(rows);
            long[][] want = new long[1][8];
            int n = cpuScan.search(new float[][] {{1f, 0f}}, any, new BitSet(), 8, want)[0];
            assertEquals(3, n);
            assertEquals(n, gpuScan.search(new float[][] {{1f, 0f}}, any, new BitSet(), 8, out)[0]);
            assertArrayEquals(Arrays.copyOf(want[0], n), Arrays.copyOf(out[0], n), "ties to the lower position");
        }
    }

    @SuppressWarnings("try") // the open scan holds its reservation, which the body checks
    @Test
    void anInventoryCountsAgainstTheBudget_andReturnsItWhenClosed() {
        long bytes = GpuInventoryScan.deviceBytes(64, 100_000);
        try (GpuDevice device = open(bytes + 1)) {
            try (GpuInventoryScan scan = device.openInventory(64, 100_000)) {
                assertEquals(bytes, device.usedBytes());
                assertThrows(DeviceMemoryException.class, () -> device.openInventory(64, 100_000));
            }
            assertEquals(0, device.usedBytes());
            assertTrue(device.healthy());
        }
    }
}
