package adsml.platform.offline.bench;

import adsml.platform.index.ann.ExactScan;
import adsml.platform.index.ann.IvfFile;
import adsml.platform.index.ann.IvfIndex;
import adsml.platform.index.ann.LuceneHnsw;
import adsml.platform.index.ann.VectorAds;
import adsml.platform.offline.generator.InventoryGenerator;
import adsml.platform.offline.generator.InventoryGenerator.Query;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.SplittableRandom;
import java.util.function.IntConsumer;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * Retrieval at scale, measured: an inventory of {@code ads} ads with {@code dim}-dimensional embeddings (with 1% of ads
 * paused and 3% of campaigns out of budget), requests from the same generator (a share of them category searches, the
 * selective filters), the exact answer by {@link ExactScan}, and then {@link IvfIndex}, and optionally Lucene's HNSW,
 * on the same ads and requests: recall of the top {@code k} against the exact one, latency of one retrieval on one
 * thread (after two warm-up passes), build time and memory per ad; and how long an upsert, a change and a pause take to
 * show in the next retrieval.
 */
public final class RetrievalBench {

    /**
     * What to measure.
     *
     * @param data a folder to keep the built index in and load it from (no rebuild when the ads are the same); null for
     *     none
     * @param lucene also build and measure Lucene's HNSW with 8-bit scalar quantization
     */
    public record Config(
            int ads,
            InventoryGenerator.Space space,
            int queries,
            int k,
            long seed,
            double searchShare,
            IvfIndex.Settings settings,
            Path data,
            boolean lucene) {
        public Config {
            if (ads < 1 || queries < 1 || k < 1) {
                throw new IllegalArgumentException("ads, queries and k must be >= 1");
            }
            if (!(searchShare >= 0 && searchShare <= 1)) {
                throw new IllegalArgumentException("search share must be in [0, 1], was " + searchShare);
            }
        }
    }

    /** One index's figures; latencies in milliseconds. */
    public record Result(
            String index,
            double recall,
            double recallFeed,
            double recallSearch,
            double p50Ms,
            double p99Ms,
            double maxMs,
            double buildSeconds,
            double bytesPerAd) {}

    /** Everything measured. */
    public record Report(
            Config config,
            int lists,
            double generateSeconds,
            boolean loaded,
            double exactP50Ms,
            double minEligibleShare,
            double medianEligibleShare,
            Result ivf,
            double upsertVisibleMs,
            double changeVisibleMs,
            double pauseVisibleMs,
            double foldMs,
            int foldedAds,
            List<Result> others) {
        public double updateVisibleMs() {
            return Math.max(upsertVisibleMs, Math.max(changeVisibleMs, pauseVisibleMs));
        }
    }

    private static final int WARM_UP_PASSES = 2;

    private RetrievalBench() {}

    public static Report run(Config c, PrintStream log) throws IOException {
        long t0 = System.nanoTime();
        VectorAds ads = InventoryGenerator.ads(c.seed(), c.ads(), c.space());
        List<Query> queries =
                InventoryGenerator.queries(c.seed(), c.seed() + 1, c.queries(), c.space(), c.searchShare());
        double generateSeconds = seconds(t0);
        log.printf(
                "generated %,d ads of %d dimensions and %,d requests in %.1f s%n",
                ads.size, ads.dim, queries.size(), generateSeconds);

        BitSet paused = pick(c.seed() + 2, ads.size, 0.01);
        int campaigns = 0;
        for (int i = 0; i < ads.size; i++) {
            campaigns = Math.max(campaigns, ads.campaign(i) + 1);
        }
        BitSet spent = pick(c.seed() + 3, campaigns, 0.03);
        IntPredicate exhausted = spent::get;

        long fingerprint = ads.fingerprint();
        Path file = c.data() == null
                ? null
                : c.data().resolve("ivf-" + c.ads() + "-" + c.space().dim() + "-" + c.seed() + ".idx");
        IvfIndex index = null;
        double buildSeconds = 0;
        boolean loaded = false;
        t0 = System.nanoTime();
        if (file != null && Files.exists(file)) {
            index = IvfFile.read(file, fingerprint);
            loaded = index != null;
            log.printf(loaded ? "loaded %s in %.1f s%n" : "%s holds other ads: rebuilding%n", file, seconds(t0));
        }
        if (index == null) {
            index = IvfIndex.build(ads, c.settings(), c.seed());
            buildSeconds = seconds(t0);
            log.printf("built %,d lists in %.1f s%n", index.lists(), buildSeconds);
            if (file != null) {
                Files.createDirectories(c.data());
                IvfFile.write(index, fingerprint, file);
            }
        }
        index.setSearch(
                c.settings().minLists(), c.settings().tolerance(), c.settings().maxCandidatesPerResult());
        for (int a = paused.nextSetBit(0); a >= 0; a = paused.nextSetBit(a + 1)) {
            index.setPaused(a, true);
        }

        ExactScan exact = new ExactScan(ads, paused);
        int k = c.k();
        int[][] truth = new int[queries.size()][];
        double[] eligible = new double[queries.size()];
        IntStream.range(0, queries.size()).parallel().forEach(q -> {
            int[] out = new int[k];
            int n = exact.search(queries.get(q).embedding(), queries.get(q).filter(), exhausted, k, out);
            truth[q] = Arrays.copyOf(out, n);
            eligible[q] = (double) exact.countEligible(queries.get(q).filter()) / ads.size;
        });
        double[] exactMs = time(
                Math.min(100, queries.size()),
                q -> exact.search(queries.get(q).embedding(), queries.get(q).filter(), exhausted, k, new int[k]));
        double[] sortedEligible = eligible.clone();
        Arrays.sort(sortedEligible);
        log.printf(
                "exact answers: p50 %.2f ms a retrieval; eligible ads per request %.2f%% (min) to %.1f%% (max)%n",
                percentile(exactMs, 0.5), 100 * sortedEligible[0], 100 * sortedEligible[sortedEligible.length - 1]);

        IvfIndex ivf = index;
        Result ivfResult = measure(
                "ivf",
                queries,
                truth,
                k,
                buildSeconds,
                ivf.bytesPerAd(),
                (q, out) -> ivf.search(q.embedding(), q.filter(), exhausted, k, out));
        log.printf(
                "ivf: recall@%d %.4f, p50 %.3f ms, p99 %.3f ms%n",
                k, ivfResult.recall(), ivfResult.p50Ms(), ivfResult.p99Ms());

        List<Result> others = new ArrayList<>();
        if (c.lucene()) {
            others.add(lucene(ads, queries, truth, k, paused, spent, c, log));
        }

        // The writes go to an unspent campaign, untargeted, in a category the probe request allows.
        Query probe = firstFeed(queries);
        int spentFree = spent.nextClearBit(0);
        int category =
                probe.isSearch() ? Long.numberOfTrailingZeros(probe.filter().categories()) : ads.category(0);
        float[] boosted = scaled(probe.embedding(), 3f);
        int newAd = ads.size;
        double upsertMs = untilVisible(
                ivf, probe, exhausted, k, newAd, true, () -> ivf.upsert(newAd, boosted, spentFree, category, 0, 0L));
        double pauseMs = untilVisible(ivf, probe, exhausted, k, newAd, false, () -> ivf.setPaused(newAd, true));
        int changed = paused.nextClearBit(0); // a paused ad would stay paused: the upsert keeps the flag
        double changeMs = untilVisible(
                ivf,
                probe,
                exhausted,
                k,
                changed,
                true,
                () -> ivf.upsert(changed, scaled(probe.embedding(), 4f), spentFree, category, 0, 0L));
        log.printf(
                "visible in the next retrieval: upsert %.2f ms, pause %.2f ms, change %.2f ms%n",
                upsertMs, pauseMs, changeMs);
        int folded = ivf.deltaSize();
        t0 = System.nanoTime();
        ivf.fold();
        double foldMs = seconds(t0) * 1000;
        log.printf("folded %d delta ads into the lists in %.0f ms%n", folded, foldMs);
        return new Report(
                c,
                ivf.lists(),
                generateSeconds,
                loaded,
                percentile(exactMs, 0.5),
                sortedEligible[0],
                sortedEligible[sortedEligible.length / 2],
                ivfResult,
                upsertMs,
                changeMs,
                pauseMs,
                foldMs,
                folded,
                others);
    }

    private static Result lucene(
            VectorAds ads,
            List<Query> queries,
            int[][] truth,
            int k,
            BitSet paused,
            BitSet spent,
            Config c,
            PrintStream log)
            throws IOException {
        Path dir = Files.createTempDirectory(c.data() == null ? null : Files.createDirectories(c.data()), "lucene");
        long t0 = System.nanoTime();
        log.printf("building Lucene HNSW (int8) over %,d ads...%n", ads.size);
        try (LuceneHnsw hnsw = LuceneHnsw.build(ads, true, dir)) {
            double build = seconds(t0);
            int[] pausedIds = paused.stream().toArray();
            int[] spentIds = spent.stream().toArray();
            Result r = measure(
                    "lucene-hnsw-int8",
                    queries,
                    truth,
                    k,
                    build,
                    hnsw.bytesPerAd(),
                    (q, out) -> hnsw.search(q.embedding(), q.filter(), pausedIds, spentIds, k, out));
            log.printf(
                    "lucene hnsw int8: build %.0f s, recall@%d %.4f, p50 %.3f ms, p99 %.3f ms%n",
                    build, k, r.recall(), r.p50Ms(), r.p99Ms());
            return r;
        } finally {
            deleteTree(dir);
        }
    }

    private interface Retrieval {
        int retrieve(Query q, int[] out);
    }

    private static Result measure(
            String name, List<Query> queries, int[][] truth, int k, double build, double bytesPerAd, Retrieval r) {
        int[][] out = new int[queries.size()][k];
        int[] found = new int[queries.size()];
        // Warm-up: the JIT keeps improving the scan through a second pass of a thousand requests (p50 1.9 ms on the
        // first timed pass, 1.36 on the next, at a million ads); a server is warm.
        for (int pass = 0; pass < WARM_UP_PASSES; pass++) {
            for (int i = 0; i < queries.size(); i++) {
                r.retrieve(queries.get(i), out[i]);
            }
        }
        // The timed pass allocates nothing of its own (answers go to arrays made above, recall is counted after),
        // and starts on a collected heap: a collection inside it would be the benchmark's, not the index's.
        System.gc();
        double[] ms = new double[queries.size()];
        for (int i = 0; i < queries.size(); i++) {
            long t = System.nanoTime();
            found[i] = r.retrieve(queries.get(i), out[i]);
            ms[i] = (System.nanoTime() - t) / 1e6;
        }
        double sum = 0, sumFeed = 0, sumSearch = 0;
        int feeds = 0, searches = 0;
        for (int i = 0; i < queries.size(); i++) {
            double recall = recall(out[i], found[i], truth[i]);
            sum += recall;
            if (queries.get(i).isSearch()) {
                sumSearch += recall;
                searches++;
            } else {
                sumFeed += recall;
                feeds++;
            }
        }
        double[] sorted = ms.clone();
        Arrays.sort(sorted);
        return new Result(
                name,
                sum / queries.size(),
                feeds == 0 ? Double.NaN : sumFeed / feeds,
                searches == 0 ? Double.NaN : sumSearch / searches,
                percentile(ms, 0.5),
                percentile(ms, 0.99),
                sorted[sorted.length - 1],
                build,
                bytesPerAd);
    }

    /** The share of the exact top that {@code got} holds (1 when there is nothing eligible to find). */
    static double recall(int[] got, int n, int[] truth) {
        if (truth.length == 0) {
            return 1;
        }
        int[] sorted = Arrays.copyOf(got, n);
        Arrays.sort(sorted);
        int hits = 0;
        for (int id : truth) {
            if (Arrays.binarySearch(sorted, id) >= 0) {
                hits++;
            }
        }
        return (double) hits / truth.length;
    }

    /**
     * Runs {@code write}, then retrieves for {@code probe} until ad {@code adId} is in the top (or, for {@code present
     * == false}, is not): milliseconds from the write's start, the write included. Gives up after 10 s.
     */
    private static double untilVisible(
            IvfIndex ivf, Query probe, IntPredicate exhausted, int k, int adId, boolean present, Runnable write) {
        int[] out = new int[k];
        long t0 = System.nanoTime();
        write.run();
        while (System.nanoTime() - t0 < 10_000_000_000L) {
            int n = ivf.search(probe.embedding(), probe.filter(), exhausted, k, out);
            boolean found = false;
            for (int i = 0; i < n; i++) {
                found |= out[i] == adId;
            }
            if (found == present) {
                return (System.nanoTime() - t0) / 1e6;
            }
        }
        return Double.POSITIVE_INFINITY;
    }

    private static Query firstFeed(List<Query> queries) {
        for (Query q : queries) {
            if (!q.isSearch()) {
                return q;
            }
        }
        return queries.get(0);
    }

    private static float[] scaled(float[] v, float by) {
        float[] out = v.clone();
        for (int i = 0; i < out.length; i++) {
            out[i] *= by;
        }
        return out;
    }

    private static BitSet pick(long seed, int n, double share) {
        SplittableRandom r = new SplittableRandom(seed);
        BitSet set = new BitSet(n);
        for (int i = 0; i < n; i++) {
            if (r.nextDouble() < share) {
                set.set(i);
            }
        }
        return set;
    }

    private static double[] time(int n, IntConsumer t) {
        for (int q = 0; q < n; q++) {
            t.accept(q);
        }
        double[] ms = new double[n];
        for (int q = 0; q < n; q++) {
            long s = System.nanoTime();
            t.accept(q);
            ms[q] = (System.nanoTime() - s) / 1e6;
        }
        return ms;
    }

    /** The {@code p} quantile of {@code values} (nearest rank), which it does not reorder. */
    public static double percentile(double[] values, double p) {
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int i = (int) Math.ceil(p * sorted.length) - 1;
        return sorted[Math.max(0, Math.min(sorted.length - 1, i))];
    }

    private static double seconds(long since) {
        return (System.nanoTime() - since) / 1e9;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
    }
}
