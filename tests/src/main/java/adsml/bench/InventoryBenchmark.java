package adsml.bench;

import adsml.platform.index.LightVector;
import adsml.platform.index.RankKeys;
import adsml.platform.index.ann.AdFilter;
import adsml.platform.index.ann.CpuInventoryScan;
import adsml.platform.index.ann.InventoryRows;
import adsml.platform.index.ann.InventoryScan;
import adsml.platform.index.ann.IvfIndex;
import adsml.platform.index.ann.ScanBatcher;
import adsml.platform.index.ann.VectorAds;
import adsml.platform.offline.bench.RetrievalBench;
import adsml.platform.offline.generator.InventoryGenerator;
import adsml.platform.offline.generator.InventoryGenerator.Query;
import adsml.platform.offline.generator.InventoryGenerator.Space;
import adsml.scheduler.gpu.CudaDevices;
import adsml.scheduler.gpu.EmbeddingStorage;
import adsml.scheduler.gpu.GpuDevice;
import adsml.scheduler.gpu.GpuInventoryScan;
import adsml.scheduler.gpu.GpuSettings;
import adsml.scheduler.gpu.Precision;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The inventory on the card, for a GPU machine: a million generated ads (190-d vectors, as a served scan holds: the
 * tower's 64 and the light model's {@link LightVector#DIM}; the demo world's targeting and categories, a prior per ad)
 * written into a {@link GpuInventoryScan}, then, with queries over the light model's dimensions as served (a light
 * ranking reads dimensions 64-189 of each row),
 *
 * <ul>
 *   <li>parity: 64 requests against {@link CpuInventoryScan}, every key equal, over the light dimensions (and 16 over
 *       whole rows);
 *   <li>one call of 1, 8 and 32 requests at k = 1,000: p50 / p99 ms over 200 calls (and of 32 over whole rows);
 *   <li>32 client threads, each sending one request at a time through a {@link ScanBatcher} for 10 s: p50 / p99 / p999
 *       ms per request, requests/s, and requests per call;
 *   <li>a one-ad write seen by the next search: ms from the write's start to an answer that has it first;
 *   <li>on this machine's CPU, the same requests: the twin's scan of one request; and the IVF's search over 64-d tower
 *       vectors of as many ads (the CPU serving path, which then cuts on the CPU: approximate, 0.95-0.97 of the exact
 *       top 1,000 per BENCHMARKS.md) with its build time.
 * </ul>
 *
 * Usage: {@code InventoryBenchmark OUT_DIR [ADS]} (ADS 1,000,000 by default); writes inventory.json and prints a
 * summary. Exits 2, saying why, without a GPU. {@code inventory_torch.py} times the same shapes in PyTorch.
 */
public final class InventoryBenchmark {
    private static final int K = 1000;
    private static final int TOWER = 64;
    private static final Space SPACE = new Space(TOWER + LightVector.DIM, 16);
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private InventoryBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: InventoryBenchmark OUT_DIR [ADS]");
            System.exit(64);
        }
        int ads = args.length == 2 ? Integer.parseInt(args[1]) : 1_000_000;
        CudaDevices.Discovery discovery = CudaDevices.discover();
        if (!discovery.found()) {
            System.err.println("no CUDA device: " + discovery.reason());
            System.exit(2);
        }
        Path out = Files.createDirectories(Path.of(args[0]));
        CudaDevices.Info card = discovery.devices().get(0);
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("card", card.name());
        result.put("ads", ads);
        result.put("dim", SPACE.dim());
        result.put("queryDims", LightVector.DIM);
        result.put("k", K);

        long t0 = System.nanoTime();
        VectorAds inventory = InventoryGenerator.ads(1, ads, SPACE);
        List<Query> queries = InventoryGenerator.queries(1, 2, 4096, SPACE, 0.2);
        float[][] light = queries.stream()
                .map(q -> Arrays.copyOfRange(q.embedding(), TOWER, SPACE.dim()))
                .toArray(float[][]::new);
        AdFilter[] filters = queries.stream().map(Query::filter).toArray(AdFilter[]::new);
        float[] prior = new float[ads];
        SplittableRandom r = new SplittableRandom(3);
        for (int i = 0; i < ads; i++) {
            prior[i] = (float) (0.3 * r.nextGaussian());
        }
        InventoryRows rows = InventoryRows.of(inventory, prior);
        result.put("generateMs", ms(System.nanoTime() - t0));

        try (GpuDevice device = GpuDevice.open(card, new GpuSettings(1, 64, 0, Precision.FP32, EmbeddingStorage.FP32));
                GpuInventoryScan gpu = device.openInventory(SPACE.dim(), ads)) {
            t0 = System.nanoTime();
            gpu.write(rows);
            result.put("writeAllMs", ms(System.nanoTime() - t0));
            result.put("deviceMb", device.usedBytes() / 1e6);

            CpuInventoryScan cpu = new CpuInventoryScan(SPACE.dim(), ads);
            cpu.write(rows);
            float[][] whole = queries.stream().map(Query::embedding).toArray(float[][]::new);
            result.put("parity", parity(cpu, gpu, TOWER, light, filters, 64));
            result.put("parityWholeRows", parity(cpu, gpu, 0, whole, filters, 16));

            List<Map<String, Object>> calls = new ArrayList<>();
            for (int group : new int[] {1, 8, 32}) {
                calls.add(calls(gpu, TOWER, light, filters, group, 200));
            }
            result.put("calls", calls);
            // What reading only the light model's dimensions saves: the same calls over whole rows.
            result.put("callsWholeRows32", calls(gpu, 0, whole, filters, 32, 200));
            result.put("clients32", clients(gpu, TOWER, light, filters, 32, 10_000));
            result.put("writeVisibleMs", writeVisible(gpu, queries.get(0), inventory));

            result.put("cpuScanMs", cpuScan(cpu, light, filters, 5));
        }
        // The CPU's serving path retrieves over the tower's 64 dimensions alone, and cuts the light ranking after.
        Space tower = new Space(64, 16);
        result.put(
                "cpuIvf",
                cpuIvf(InventoryGenerator.ads(1, ads, tower), InventoryGenerator.queries(1, 2, 500, tower, 0.2)));
        JSON.writeValue(out.resolve("inventory.json").toFile(), result);
        System.out.println(JSON.writeValueAsString(result));
    }

    /** The first {@code n} requests, over dimensions from {@code from}, on both scans. */
    private static Map<String, Object> parity(
            InventoryScan cpu, InventoryScan gpu, int from, float[][] queries, AdFilter[] filters, int n) {
        float[][] q = Arrays.copyOf(queries, n);
        AdFilter[] f = Arrays.copyOf(filters, n);
        long[][] want = new long[q.length][K];
        long[][] got = new long[q.length][K];
        int[] wantCounts = cpu.search(from, q, f, new BitSet(), K, want);
        int[] gotCounts = gpu.search(from, q, f, new BitSet(), K, got);
        int same = 0;
        for (int i = 0; i < q.length; i++) {
            same += wantCounts[i] == gotCounts[i] && Arrays.equals(want[i], 0, wantCounts[i], got[i], 0, gotCounts[i])
                    ? 1
                    : 0;
        }
        return Map.of("requests", q.length, "identical", same);
    }

    /** {@code repeats} calls of {@code group} requests each, after 20 unmeasured. */
    private static Map<String, Object> calls(
            InventoryScan gpu, int fromDim, float[][] queries, AdFilter[] filters, int group, int repeats) {
        long[][] out = new long[group][K];
        double[] ms = new double[repeats];
        for (int i = -20; i < repeats; i++) {
            int from = Math.floorMod(i * group, queries.length - group);
            float[][] q = Arrays.copyOfRange(queries, from, from + group);
            AdFilter[] f = Arrays.copyOfRange(filters, from, from + group);
            long start = System.nanoTime();
            gpu.search(fromDim, q, f, new BitSet(), K, out);
            if (i >= 0) {
                ms[i] = ms(System.nanoTime() - start);
            }
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("requestsPerCall", group);
        row.put("queryDims", queries[0].length);
        row.put("p50Ms", RetrievalBench.percentile(ms, 0.5));
        row.put("p99Ms", RetrievalBench.percentile(ms, 0.99));
        row.put("requestsPerSecond", group / RetrievalBench.percentile(ms, 0.5) * 1e3);
        return row;
    }

    /** {@code clients} threads, one request at a time each, through a batcher, for {@code millis}. */
    private static Map<String, Object> clients(
            InventoryScan gpu, int fromDim, float[][] queries, AdFilter[] filters, int clients, long millis)
            throws InterruptedException {
        AtomicBoolean stop = new AtomicBoolean();
        List<double[]> latencies = new ArrayList<>();
        int[] counts = new int[clients];
        List<Thread> threads = new ArrayList<>();
        try (ScanBatcher batcher = new ScanBatcher(gpu, BitSet::new, "bench-scan")) {
            for (int c = 0; c < clients; c++) {
                double[] mine = new double[200_000];
                latencies.add(mine);
                int client = c;
                Thread t = new Thread(() -> {
                    int n = 0;
                    while (!stop.get() && n < mine.length) {
                        int q = (client * 97 + n) % queries.length;
                        long start = System.nanoTime();
                        batcher.search(fromDim, queries[q], filters[q], K, Duration.ofSeconds(10));
                        mine[n++] = ms(System.nanoTime() - start);
                    }
                    counts[client] = n;
                });
                threads.add(t);
                t.start();
            }
            Thread.sleep(millis);
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
            int total = Arrays.stream(counts).sum();
            double[] all = new double[total];
            int at = 0;
            for (int c = 0; c < clients; c++) {
                System.arraycopy(latencies.get(c), 0, all, at, counts[c]);
                at += counts[c];
            }
            Map<String, Object> row = new LinkedHashMap<>();
            row.put("clients", clients);
            row.put("requests", total);
            row.put("requestsPerSecond", total / (millis / 1e3));
            row.put("p50Ms", RetrievalBench.percentile(all, 0.5));
            row.put("p99Ms", RetrievalBench.percentile(all, 0.99));
            row.put("p999Ms", RetrievalBench.percentile(all, 0.999));
            row.put("requestsPerCall", batcher.meanRequestsPerCall());
            return row;
        }
    }

    /** An ad rewritten with the query as its embedding and a large prior: ms until a search ranks it first. */
    private static double writeVisible(InventoryScan gpu, Query q, VectorAds inventory) {
        int p = 12_345;
        float[] vector = q.embedding().clone();
        long start = System.nanoTime();
        gpu.write(new InventoryRows(
                SPACE.dim(),
                new int[] {p},
                vector,
                new int[] {inventory.campaign(p)},
                new int[] {inventory.category(p)},
                new int[] {0},
                new long[] {0L},
                new float[] {1e6f}));
        long[][] out = new long[1][K];
        gpu.search(new float[][] {q.embedding()}, new AdFilter[] {AdFilter.UNKNOWN}, new BitSet(), K, out);
        double ms = ms(System.nanoTime() - start);
        return RankKeys.adOf(out[0][0]) == p ? ms : Double.NaN;
    }

    private static double cpuScan(InventoryScan cpu, float[][] queries, AdFilter[] filters, int n) {
        long[][] out = new long[1][K];
        double[] ms = new double[n];
        for (int i = 0; i < ms.length; i++) {
            long start = System.nanoTime();
            cpu.search(TOWER, new float[][] {queries[i]}, new AdFilter[] {filters[i]}, new BitSet(), K, out);
            ms[i] = ms(System.nanoTime() - start);
        }
        return RetrievalBench.percentile(ms, 0.5);
    }

    private static Map<String, Object> cpuIvf(VectorAds inventory, List<Query> queries) {
        long t0 = System.nanoTime();
        IvfIndex ivf = IvfIndex.build(inventory, IvfIndex.Settings.forAds(inventory.size), 1L);
        double buildMs = ms(System.nanoTime() - t0);
        int[] out = new int[K];
        double[] ms = new double[queries.size()];
        for (int i = -50; i < queries.size(); i++) {
            Query q = queries.get(Math.floorMod(i, queries.size()));
            long start = System.nanoTime();
            ivf.search(q.embedding(), q.filter(), c -> false, K, out);
            if (i >= 0) {
                ms[i] = ms(System.nanoTime() - start);
            }
        }
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("buildMs", buildMs);
        row.put("p50Ms", RetrievalBench.percentile(ms, 0.5));
        row.put("p99Ms", RetrievalBench.percentile(ms, 0.99));
        return row;
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
