package adsml.bench;

import adsml.actors.ranking.RankQuery;
import adsml.load.LoadGenerator;
import adsml.load.LoadReport;
import adsml.load.LoadSettings;
import adsml.platform.domain.Context;
import adsml.platform.features.FeatureBatch;
import adsml.platform.features.RandomFeatures;
import adsml.platform.model.Architecture;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelJson;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.platform.scoring.DjlScorer;
import adsml.scheduler.CpuSettings;
import adsml.scheduler.Ticker;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.sun.management.OperatingSystemMXBean;
import com.typesafe.config.ConfigFactory;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.HdrHistogram.Histogram;
import org.openjdk.jmh.results.RunResult;
import org.openjdk.jmh.runner.Runner;
import org.openjdk.jmh.runner.options.OptionsBuilder;
import org.openjdk.jmh.runner.options.TimeValue;
import org.openjdk.jmh.runner.options.VerboseMode;

/**
 * The serving figures of BENCHMARKS.md, all from one run against one server on one data folder (a world and a trained
 * {@code models/ctr} version, e.g. what {@code adsml demo} leaves behind): platform overhead (pipeline with and without
 * HTTP against the raw DJL scorer), dynamic batching against one request per batch, the highest QPS with p99 <= 50 ms,
 * and 10 swaps (2 broken) under load. Run: {@code tests/bench-serving DATA_DIR}. It copies the newest version to make
 * the swap versions and removes them afterwards.
 */
public final class ServingBenchmark {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final OperatingSystemMXBean CPU =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    private static final ThreadMXBean THREADS = ManagementFactory.getThreadMXBean();
    private static final Pattern SCORING_THREAD = Pattern.compile("adsml-cpu\\d+-w\\d+|raw-scorer-\\d+");
    private static final Duration RUN = Duration.ofSeconds(10);
    private static final Duration WARMUP = Duration.ofSeconds(2);
    /** HTTP load before the overhead is measured: see {@link #settleJit}. */
    private static final Duration JIT_SETTLE = Duration.ofSeconds(150);
    /** A measured HTTP load child: long enough for its start-up, the warm-up and the window. */
    private static final Duration CHILD_RUN =
            Duration.ofSeconds((WARMUP.plus(RUN).toMillis() + 2_000) / 1000 + 1);
    /** The shipped defaults of adsml.scheduler.batching (reference.conf), restored after each experiment. */
    private static final int DEFAULT_BATCH_ROWS = 4096;

    private static final double DEFAULT_DELAY_MS = 0.0;
    /**
     * How far the raw scorer's candidates/s may be from JMH's at the same batch, threads and intra-op threads before
     * the overhead table prints no ratio: a rate moves by up to 15% between windows on a shared 2-core machine, so two
     * honest measurements can differ by about that much each way.
     */
    private static final double BASELINE_TOLERANCE = 0.25;
    /**
     * The least share of the cores this process must keep busy in a window for its wall rate to count: every window's
     * work is CPU-bound, so on a quiet machine only the load generator, a small share, takes cores from it; below this,
     * the window's candidates/s measured whatever else ran too.
     */
    private static final double MIN_CORES_SHARE = 0.85;

    private final AdsmlServer server;
    private final URI api;
    private final URI admin;
    private final String token;
    private final HttpClient http = HttpClient.newHttpClient();
    private final StringBuilder report = new StringBuilder();

    private ServingBenchmark(AdsmlServer server) {
        this.server = server;
        this.api = URI.create("http://127.0.0.1:" + server.started().api().getPort());
        this.admin = URI.create("http://127.0.0.1:" + server.started().admin().getPort());
        this.token = server.started().adminToken();
    }

    public static void main(String[] args) throws Exception {
        if (args.length < 1 || args.length > 2) {
            System.err.println("usage: ServingBenchmark DATA_DIR [overhead,batching,maxqps,swaps]"
                    + "   (DATA_DIR: a folder with world/ and models/ctr/<n>/, as adsml demo leaves it)");
            System.exit(2);
        }
        List<String> sections = List.of((args.length == 2 ? args[1] : "overhead,batching,maxqps,swaps").split(","));
        Path data = Path.of(args[0]);
        Path models = data.resolve("models/ctr");
        int base = ModelFolder.highestVersion(models);
        if (base == 0) {
            throw new IllegalStateException("no version under " + models);
        }
        try (AdsmlServer server = LocalServer.start(data, Map.of())) {
            ServingBenchmark bench = new ServingBenchmark(server);
            // JIT, native library and caches warm before anything is recorded, whichever sections run.
            bench.load(8, 0);
            if (sections.contains("overhead")) {
                bench.overhead(
                        ModelFolder.load(models.resolve(Integer.toString(base))),
                        ScoringThreads.of(CpuSettings.from(ConfigFactory.load())));
            }
            if (sections.contains("batching")) {
                bench.batching();
            }
            double maxQps = sections.contains("maxqps") ? bench.maxQpsAtP99(50) : 100;
            if (sections.contains("swaps")) {
                bench.swaps(models, base, Math.max(10, maxQps / 2));
            }
            System.out.println();
            System.out.println(bench.report);
        } finally {
            removeSwapVersions(models, base);
        }
    }

    // ---- platform overhead ---------------------------------------------------------------

    /**
     * What one measurement window saw: candidates scored, batches, this process's CPU time, the part of it on the
     * scheduler's CPU scoring workers ({@code adsml-cpuN-wM}) and the wall time.
     */
    private record Window(
            long candidates, long batches, double cpuSeconds, double scoringCpuSeconds, double wallSeconds) {
        double perSecond() {
            return candidates / wallSeconds;
        }

        double perCpuSecond() {
            return candidates / cpuSeconds;
        }

        long meanBatch() {
            return candidates / Math.max(1, batches);
        }

        /** This process's CPU-seconds per second: how many of the cores it had. */
        double busyCores() {
            return cpuSeconds / wallSeconds;
        }
    }

    /**
     * The server's CPU scoring threads: its workers (one per core unless configured) and PyTorch's intra-op threads
     * inside each; the raw scorer and JMH's check run with the same.
     */
    private record ScoringThreads(int workers, int intraOp) {
        static ScoringThreads of(CpuSettings cpu) {
            return new ScoringThreads(cpu.workers(), cpu.intraOpThreads());
        }

        @Override
        public String toString() {
            return workers + " threads, " + intraOp + " intra-op thread" + (intraOp == 1 ? "" : "s") + " each";
        }
    }

    /**
     * Candidates/s of the pipeline with and without HTTP and of the raw scorer, each over the same window after the
     * same warm-up. Two ratios: by wall clock (what 2 cores deliver, the load generator included) and by this process's
     * CPU time (what the platform costs per candidate). The HTTP load runs in a separate process, so its CPU is not
     * charged to the server; in-process callers are threads of this process, which only block on a future. No ratio is
     * printed unless every window had the cores to itself and JMH, in a JVM of its own, confirms the raw rates they all
     * divide by.
     */
    private void overhead(Model model, ScoringThreads threads) throws Exception {
        setScheduler(DEFAULT_BATCH_ROWS, DEFAULT_DELAY_MS);
        settleJit();
        Window rawBefore = rawScorer(model, 1000, threads);
        Window http = httpFromChildProcess(adsmlLoadCommand(8, CHILD_RUN));
        Window wrk = wrkAvailable() ? httpFromChildProcess(wrkCommand(8, CHILD_RUN)) : null;
        Window pipeline = inProcess(8);
        long candidates = http.candidates() + pipeline.candidates() + (wrk == null ? 0 : wrk.candidates());
        long batches = http.batches() + pipeline.batches() + (wrk == null ? 0 : wrk.batches());
        long meanBatch = Math.max(1, candidates / Math.max(1, batches));
        // Each raw rate is the better of two windows (at batch 1000, one before the pipeline's and one
        // after): rates move by up to 15% between windows on this shared machine, and a slow raw
        // window would flatter every ratio.
        Window raw1000 = faster(rawBefore, rawScorer(model, 1000, threads));
        Window rawMean = faster(rawScorer(model, (int) meanBatch, threads), rawScorer(model, (int) meanBatch, threads));
        String raw = "raw DjlScorer, " + threads;
        Map<String, Window> rows = new LinkedHashMap<>();
        rows.put(raw + ", batch 1000", raw1000);
        rows.put(raw + ", batch " + meanBatch + " (the mean batch below)", rawMean);
        rows.put("pipeline in-process (actors, no HTTP)", pipeline);
        rows.put("pipeline through HTTP (`adsml load`, JVM, 8 clients)", http);
        if (wrk != null) {
            rows.put("pipeline through HTTP (`wrk`, C, 1 thread, 8 connections)", wrk);
        }
        line("## Platform overhead (8 clients, 1000 candidates per request)");
        line("Wall: candidates/s on the 2 cores; CPU: candidates per CPU-second of the server process. HTTP load");
        line("generators run in a separate process: their CPU is not counted, but they share the 2 cores.");
        line("");
        line("Scoring / other CPU: milliseconds of this process's CPU per 1000 candidates on the scoring threads");
        line("(the scheduler's CPU workers, or the raw scorer's) and on every other thread.");
        line("");
        // Both checks run and report, whichever fails.
        boolean ratios = everyWindowHadTheCores(rows) & baselineAgreesWithJmh(model.spec(), threads, raw1000, rawMean);
        line("");
        if (ratios) {
            line(
                    "| path | mean batch | candidates/s | / raw at 1000 | / raw at %d | candidates per CPU-s | / raw at 1000 | / raw at %d | scoring / other CPU |",
                    meanBatch, meanBatch);
            line("| --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        } else {
            line("| path | mean batch | candidates/s | candidates per CPU-s | scoring / other CPU |");
            line("| --- | --- | --- | --- | --- |");
        }
        rows.forEach((name, w) -> row(name, w, raw1000, rawMean, ratios));
        if (wrk == null) {
            line(
                    "| pipeline through HTTP (`wrk`) | not run: wrk is not installed (`apt-get install wrk`) |%s",
                    " |".repeat(ratios ? 7 : 3));
        }
        line("");
    }

    /**
     * Whether this process kept at least {@link #MIN_CORES_SHARE} of the cores busy in every window. A wall ratio is
     * the ratio of the two windows' shares of the cores times their ratio per CPU-second, so on a shared machine a raw
     * window that got half the cores doubles every wall ratio, and per-CPU figures cannot show it.
     */
    private boolean everyWindowHadTheCores(Map<String, Window> windows) {
        int cores = Runtime.getRuntime().availableProcessors();
        double needed = MIN_CORES_SHARE * cores;
        Map<String, Double> starved = new LinkedHashMap<>();
        windows.forEach((name, w) -> {
            if (w.busyCores() < needed) {
                starved.put(name, w.busyCores());
            }
        });
        if (starved.isEmpty()) {
            line(
                    "Quiet-machine check: this process kept %.2f-%.2f of the %d cores busy in every window (at least %.2f needed).",
                    windows.values().stream()
                            .mapToDouble(Window::busyCores)
                            .min()
                            .orElse(0),
                    windows.values().stream()
                            .mapToDouble(Window::busyCores)
                            .max()
                            .orElse(0),
                    cores,
                    needed);
            line("");
            return true;
        }
        line(
                "**No ratios**: in these windows this process kept fewer than %.2f of the %d cores busy, so something else",
                needed, cores);
        line(
                "(another process, or a load generator heavier than today's) had the rest, and the wall rates measured it too:");
        line("");
        // Rounded down, so that a window just under the bar never reads as on it.
        starved.forEach((name, busy) -> line("- %s: %.2f", name, Math.floor(busy * 100) / 100));
        line("");
        return false;
    }

    /**
     * Whether the raw scorer's rates at batch 1000 and at the mean batch are within {@link #BASELINE_TOLERANCE} of
     * JMH's {@link ScorerBenchmark} run with the same batches, threads and intra-op threads on the preset of the same
     * shape, in a JVM of its own: the raw windows run inside the server's process, so nothing else vouches for them.
     * Says which, with both figures, either way.
     */
    private boolean baselineAgreesWithJmh(ModelSpec spec, ScoringThreads threads, Window raw1000, Window rawMean)
            throws Exception {
        Optional<ModelPreset> preset = presetOf(spec);
        if (preset.isEmpty()) {
            line(
                    "**No ratios**: the raw scorer's rates could not be checked, since no JMH preset has this model's shape (%s).",
                    spec.architecture() + ", " + spec.embeddingDim() + "-dim embeddings, " + spec.crossLayers()
                            + " cross layers, MLP " + spec.mlp());
            return false;
        }
        Map<Integer, Double> jmh =
                jmhCandidatesPerSecond(preset.get(), threads, (int) raw1000.meanBatch(), (int) rawMean.meanBatch());
        String name = preset.get().name().toLowerCase();
        line(
                "Baseline check: JMH's ScorerBenchmark (preset %s, %s, in a JVM of its own), which the raw rates must",
                name, threads);
        line("be within %.0f%% of for any ratio to be printed:", BASELINE_TOLERANCE * 100);
        line("");
        boolean agree = true;
        for (Window raw : List.of(raw1000, rawMean)) {
            int batch = (int) raw.meanBatch();
            double ratio = raw.perSecond() / jmh.get(batch);
            boolean within = Math.abs(ratio - 1) <= BASELINE_TOLERANCE;
            agree &= within;
            line(
                    "- batch %d: raw %,.0f candidates/s, JMH %,.0f: raw / JMH %.2f, %s",
                    batch, raw.perSecond(), jmh.get(batch), ratio, within ? "agree" : "**disagree**");
        }
        if (!agree) {
            line("");
            line(
                    "**No ratios**: the raw scorer's baseline disagrees with JMH's, so a ratio against it would say nothing");
            line(
                    "about the platform. Is the machine quiet? JMH alone: `tests/bench ScorerBenchmark -p backend=djl -p preset=%s",
                    name);
            line(
                    "-p batch=1000 -t %d -jvmArgsAppend \"-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=%d\"`.",
                    threads.workers(), threads.intraOp());
        }
        return agree;
    }

    /** The preset of {@code spec}'s shape: what JMH can build with random weights and time at the same FLOPs. */
    private static Optional<ModelPreset> presetOf(ModelSpec spec) {
        for (ModelPreset p : ModelPreset.values()) {
            ModelSpec s = p.spec(spec.name(), spec.version());
            if (spec.architecture() == Architecture.DCN
                    && s.schema().equals(spec.schema())
                    && s.embeddingDim() == spec.embeddingDim()
                    && s.crossLayers() == spec.crossLayers()
                    && s.mlp().equals(spec.mlp())
                    && s.heads().equals(spec.heads())) {
                return Optional.of(p);
            }
        }
        return Optional.empty();
    }

    /**
     * JMH's candidates/s of the DJL scorer at each batch, forked with {@code -Dai.djl.pytorch.num_threads}: its
     * defaults (one thread, PyTorch's intra-op pool at all cores) are not the configuration the server scores with.
     */
    private static Map<Integer, Double> jmhCandidatesPerSecond(
            ModelPreset preset, ScoringThreads threads, int... batches) throws Exception {
        String[] batchParams =
                Arrays.stream(batches).distinct().mapToObj(Integer::toString).toArray(String[]::new);
        var options = new OptionsBuilder()
                .include(Pattern.quote(ScorerBenchmark.class.getName() + ".score") + "$")
                .param("backend", "djl")
                .param("preset", preset.name().toLowerCase())
                .param("batch", batchParams)
                .threads(threads.workers())
                .forks(1)
                .jvmArgsAppend("-Dai.djl.offline=true", "-Xmx6g", "-Dai.djl.pytorch.num_threads=" + threads.intraOp())
                .warmupIterations(2)
                .warmupTime(TimeValue.seconds(2))
                .measurementIterations(3)
                .measurementTime(TimeValue.seconds(2))
                .verbosity(VerboseMode.SILENT)
                .build();
        Map<Integer, Double> rates = new HashMap<>();
        for (RunResult r : new Runner(options).run()) {
            rates.put(
                    Integer.parseInt(r.getParams().getParam("batch")),
                    r.getSecondaryResults().get("candidates").getScore());
        }
        return rates;
    }

    private static Window faster(Window a, Window b) {
        return a.perSecond() >= b.perSecond() ? a : b;
    }

    /**
     * HTTP load, unmeasured, until the JIT has compiled what a request runs. Pekko's HTTP and IO code keeps C2 busy for
     * about two minutes of load, where the warm-up requests only reach the actors: under wrk on the jar, C2 took 5.0,
     * 1.8, 0.9, 0.2 and then 0.03 s of CPU per 30 s window (a tenth of the platform's own CPU per request at 60-90 s).
     * The overhead is measured after that, in the steady state a serving process spends its life in.
     */
    private void settleJit() throws Exception {
        List<String> command = wrkAvailable() ? wrkCommand(8, JIT_SETTLE) : adsmlLoadCommand(8, JIT_SETTLE);
        Process child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        if (!child.waitFor(JIT_SETTLE.toSeconds() + 30, TimeUnit.SECONDS)) {
            child.destroy();
            throw new IllegalStateException(command.get(0) + " did not finish the JIT warm-up");
        }
    }

    /**
     * One table row, with its ratios to the raw scorer or without any; the mean batch is the path's own (scored
     * candidates over batches), which the pooled ratio hides.
     */
    private void row(String name, Window w, Window raw1000, Window rawMean, boolean ratios) {
        double perThousand = 1e6 / Math.max(1, w.candidates());
        String split = "%.2f / %.2f"
                .formatted(w.scoringCpuSeconds() * perThousand, (w.cpuSeconds() - w.scoringCpuSeconds()) * perThousand);
        if (ratios) {
            line(
                    "| %s | %,d | %,.0f | %.2f | %.2f | %,.0f | %.2f | %.2f | %s |",
                    name,
                    w.meanBatch(),
                    w.perSecond(),
                    w.perSecond() / raw1000.perSecond(),
                    w.perSecond() / rawMean.perSecond(),
                    w.perCpuSecond(),
                    w.perCpuSecond() / raw1000.perCpuSecond(),
                    w.perCpuSecond() / rawMean.perCpuSecond(),
                    split);
        } else {
            line("| %s | %,d | %,.0f | %,.0f | %s |", name, w.meanBatch(), w.perSecond(), w.perCpuSecond(), split);
        }
    }

    private List<String> adsmlLoadCommand(int clients, Duration duration) {
        String java = ProcessHandle.current().info().command().orElse("java");
        return List.of(
                java,
                "-cp",
                System.getProperty("java.class.path"),
                "adsml.cli.Main",
                "load",
                "--url",
                api.toString(),
                "--clients",
                Integer.toString(clients),
                "--duration",
                duration.toSeconds() + "s",
                "--warmup",
                "0s",
                "--json");
    }

    private static boolean wrkAvailable() {
        try {
            return new ProcessBuilder("wrk", "--version")
                            .redirectErrorStream(true)
                            .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                            .start()
                            .waitFor()
                    >= 0;
        } catch (Exception e) {
            return false;
        }
    }

    /**
     * wrk with {@code tests/rank.lua}, which posts the same requests as {@code adsml load}: rotating users and hours.
     */
    private List<String> wrkCommand(int connections, Duration duration) {
        Path script = Path.of("tests", "rank.lua"); // tests/bench-serving runs from the repository's root
        if (!Files.isRegularFile(script)) {
            throw new IllegalStateException(
                    script.toAbsolutePath() + " not found: run the benchmark through tests/bench-serving");
        }
        return List.of(
                "wrk",
                "-t1",
                "-c" + connections,
                "-d" + duration.toSeconds() + "s",
                "-s",
                script.toString(),
                api.toString());
    }

    /** Closed-loop HTTP load from a child process, measured on the server's side. */
    private Window httpFromChildProcess(List<String> command) throws Exception {
        Process child = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        try {
            // The child's JVM start-up is part of the warm-up; the window opens once rows flow.
            long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            long before = schedulerStat("rowsScored");
            while (schedulerStat("rowsScored") == before) {
                if (System.nanoTime() > deadline || !child.isAlive()) {
                    throw new IllegalStateException(command.get(0) + " in a child process sent nothing (exit "
                            + (child.isAlive() ? "none yet" : child.exitValue()) + ")");
                }
                Thread.sleep(100);
            }
            return window(this::scoredOnServer);
        } finally {
            child.destroy();
            child.waitFor();
        }
    }

    /** In-process closed-loop callers of the actors, no HTTP. */
    private Window inProcess(int clients) throws Exception {
        AtomicBoolean stop = new AtomicBoolean();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            SplittableRandom random = new SplittableRandom(c);
            threads.add(started(() -> {
                while (!stop.get()) {
                    int user = random.nextInt(50_000);
                    RankQuery q = new RankQuery(
                            null, // not logged: the benchmark measures serving
                            "u" + user,
                            user,
                            random.nextInt(10),
                            random.nextInt(3),
                            new Context(random.nextInt(4), random.nextInt(24), 0),
                            5,
                            Ticker.SYSTEM.nanos() + 200_000_000L,
                            false);
                    try {
                        server.rank(q).toCompletableFuture().get();
                    } catch (Exception e) {
                        // Shed or expired: not scored, so not counted by rowsScored either.
                    }
                }
            }));
        }
        try {
            return window(this::scoredOnServer);
        } finally {
            stop.set(true);
            for (Thread t : threads) {
                t.join();
            }
        }
    }

    /**
     * The raw engine under the same resources as the server's scoring: one thread per CPU worker, each scoring the same
     * batch in a loop, PyTorch's intra-op threads as the server set them (a setting of the whole process).
     */
    private static Window rawScorer(Model model, int rows, ScoringThreads threads) throws Exception {
        FeatureBatch batch = RandomFeatures.batch(model.spec().schema(), rows, 3);
        AtomicLong scored = new AtomicLong();
        AtomicBoolean stop = new AtomicBoolean();
        try (DjlScorer scorer = DjlScorer.of(model)) {
            List<Thread> workers = new ArrayList<>();
            for (int t = 0; t < threads.workers(); t++) {
                Thread worker = new Thread(
                        () -> {
                            float[] out = new float[rows * model.spec().heads().size()];
                            while (!stop.get()) {
                                scorer.score(batch, out);
                                scored.addAndGet(rows);
                            }
                        },
                        "raw-scorer-" + t);
                worker.start();
                workers.add(worker);
            }
            try {
                return window(() -> new long[] {scored.get(), scored.get() / rows});
            } finally {
                stop.set(true);
                for (Thread w : workers) {
                    w.join();
                }
            }
        }
    }

    private long[] scoredOnServer() {
        try {
            JsonNode stats = schedulerStats();
            return new long[] {
                stats.get("rowsScored").asLong(), stats.get("batches").asLong()
            };
        } catch (Exception e) {
            throw new IllegalStateException("scheduler stats unavailable", e);
        }
    }

    /** Waits out the warm-up, then counts {candidates, batches} and this process's CPU over {@link #RUN}. */
    private static Window window(Supplier<long[]> counts) throws InterruptedException {
        Thread.sleep(WARMUP.toMillis());
        long[] c0 = counts.get();
        long cpu0 = CPU.getProcessCpuTime();
        long scoring0 = scoringWorkersCpuNanos();
        long t0 = System.nanoTime();
        Thread.sleep(RUN.toMillis());
        long[] c1 = counts.get();
        long cpu1 = CPU.getProcessCpuTime();
        long scoring1 = scoringWorkersCpuNanos();
        long t1 = System.nanoTime();
        return new Window(
                c1[0] - c0[0], c1[1] - c0[1], (cpu1 - cpu0) / 1e9, (scoring1 - scoring0) / 1e9, (t1 - t0) / 1e9);
    }

    /**
     * CPU time of the scheduler's CPU workers (they outlive every window) plus the raw scorer's threads, which share
     * the name.
     */
    private static long scoringWorkersCpuNanos() {
        long sum = 0;
        for (ThreadInfo t : THREADS.getThreadInfo(THREADS.getAllThreadIds())) {
            if (t != null && SCORING_THREAD.matcher(t.getThreadName()).matches()) {
                sum += Math.max(0, THREADS.getThreadCpuTime(t.getThreadId()));
            }
        }
        return sum;
    }

    // ---- batching ------------------------------------------------------------------------

    private void batching() throws Exception {
        line("## Dynamic batching against one request per batch (closed loop, 1000 candidates per request)");
        line(
                "Greedy: a batch leaves as soon as a worker is free (maxQueueDelay 0), taking what queued meanwhile, up to 4096 rows;");
        line("2 ms window: it also waits up to 2 ms to fill; one per batch: maxBatchRows 1000.");
        line("");
        line("QPS counts 200s only; shed (503) requests are counted apart.");
        line("");
        line(
                "| clients | greedy QPS | p99 ms | shed | 2 ms window QPS | p99 ms | shed | one per batch QPS | p99 ms | shed | greedy / one per batch |");
        line("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |");
        for (int clients : new int[] {1, 8, 32}) {
            setScheduler(4096, 0.0);
            LoadReport greedy = load(clients, 0);
            setScheduler(4096, 2.0);
            LoadReport window = load(clients, 0);
            setScheduler(1000, 0.0);
            LoadReport single = load(clients, 0);
            line(
                    "| %d | %.1f | %.1f | %d | %.1f | %.1f | %d | %.1f | %.1f | %d | %.2f |",
                    clients,
                    goodput(greedy),
                    greedy.p99Ms(),
                    shed(greedy),
                    goodput(window),
                    window.p99Ms(),
                    shed(window),
                    goodput(single),
                    single.p99Ms(),
                    shed(single),
                    goodput(greedy) / goodput(single));
        }
        setScheduler(DEFAULT_BATCH_ROWS, DEFAULT_DELAY_MS);
        line("");
    }

    private double maxQpsAtP99(double p99LimitMs) throws Exception {
        line("## Highest open-loop QPS with p99 <= %.0f ms (1000 candidates per request)", p99LimitMs);
        line("| target QPS | achieved | p50 ms | p99 ms | non-2xx | dropped |");
        line("| --- | --- | --- | --- | --- | --- |");
        double best = 0;
        for (double qps = 25; qps <= 400; qps += 25) {
            LoadReport r = load(16, qps);
            long bad = r.requests() - r.status(200);
            line("| %.0f | %.1f | %.1f | %.1f | %d | %d |", qps, r.qps(), r.p50Ms(), r.p99Ms(), bad, r.dropped());
            if (r.p99Ms() > p99LimitMs || bad > 0 || r.dropped() > 0) {
                break;
            }
            best = qps;
        }
        line("");
        line("Highest QPS with p99 <= %.0f ms and no errors: **%.0f**", p99LimitMs, best);
        line("");
        return best;
    }

    // ---- swaps ---------------------------------------------------------------------------

    private void swaps(Path models, int base, double qps) throws Exception {
        // Ten swaps: eight good copies of the newest version and two broken ones.
        List<Integer> versions = new ArrayList<>();
        for (int i = 1; i <= 10; i++) {
            int v = base + i;
            copyVersion(models.resolve(Integer.toString(base)), models.resolve(Integer.toString(v)));
            if (i == 4) {
                Files.writeString(models.resolve(v + "/model.json"), "{\"format\": 1, \"name\": ");
            } else if (i == 8) {
                byte[] weights = Files.readAllBytes(models.resolve(v + "/weights.safetensors"));
                Files.write(
                        models.resolve(v + "/weights.safetensors"),
                        java.util.Arrays.copyOf(weights, weights.length / 2));
            }
            versions.add(v);
        }
        ConcurrentLinkedQueue<long[]> samples = new ConcurrentLinkedQueue<>();
        List<long[]> windows = new ArrayList<>();
        CountDownLatch finished = new CountDownLatch(1);
        Thread client = started(() -> openLoop(qps, Duration.ofSeconds(60), samples, finished));
        int refused = 0;
        Thread.sleep(5_000);
        for (int v : versions) {
            long start = System.nanoTime();
            int load = adminPost("/admin/api/models/ctr/" + v + "/load");
            int activate = load == 200 ? adminPost("/admin/api/models/ctr/" + v + "/activate") : -1;
            windows.add(new long[] {start, System.nanoTime() + 1_000_000_000L});
            if (load != 200 || activate != 200) {
                refused++;
            }
            Thread.sleep(4_000);
        }
        finished.await();
        client.join();
        Histogram inside = new Histogram(3);
        Histogram outside = new Histogram(3);
        long non2xx = 0;
        for (long[] s : samples) {
            if (s[2] != 200) {
                non2xx++;
                continue;
            }
            boolean inWindow = windows.stream().anyMatch(w -> s[0] >= w[0] && s[0] <= w[1]);
            (inWindow ? inside : outside).recordValue(Math.max(1, s[1] / 1000));
        }
        line("## 10 swaps under load (2 of them broken), open loop at %.0f QPS for 60 s", qps);
        line("| requests | non-2xx | versions refused | p99 in swap windows ms | steady p99 ms | ratio |");
        line("| --- | --- | --- | --- | --- | --- |");
        double in99 = inside.getValueAtPercentile(99) / 1000.0;
        double out99 = outside.getValueAtPercentile(99) / 1000.0;
        line("| %d | %d | %d of 10 | %.1f | %.1f | %.2f |", samples.size(), non2xx, refused, in99, out99, in99 / out99);
        line("");
        line("A swap window runs from the load request to 1 s after the activation answered.");
    }

    /** Fixed-rate rank requests, each recorded as {start nanos, latency nanos from the intended start, status}. */
    private void openLoop(
            double qps, Duration duration, ConcurrentLinkedQueue<long[]> samples, CountDownLatch finished) {
        ScheduledExecutorService timer = Executors.newScheduledThreadPool(1);
        java.util.concurrent.ExecutorService senders = Executors.newFixedThreadPool(32);
        long period = (long) (1e9 / qps);
        long start = System.nanoTime();
        long count = duration.toNanos() / period;
        SplittableRandom random = new SplittableRandom(5);
        CountDownLatch all = new CountDownLatch((int) count);
        for (long i = 0; i < count; i++) {
            long due = start + i * period;
            String body = "{\"userId\":\"u" + random.nextInt(50_000)
                    + "\",\"context\":{\"surface\":\"home_feed\",\"device\":\"ios\"," + "\"country\":\"US\",\"hour\":"
                    + random.nextInt(24) + "},\"slots\":5,\"deadlineMs\":200}";
            timer.schedule(
                    () -> senders.execute(() -> {
                        int status;
                        try {
                            status = http.send(
                                            HttpRequest.newBuilder(api.resolve("/v1/rank"))
                                                    .timeout(Duration.ofSeconds(2))
                                                    .header("Content-Type", "application/json")
                                                    .POST(HttpRequest.BodyPublishers.ofString(body))
                                                    .build(),
                                            HttpResponse.BodyHandlers.discarding())
                                    .statusCode();
                        } catch (Exception e) {
                            status = -1;
                        }
                        samples.add(new long[] {due, System.nanoTime() - due, status});
                        all.countDown();
                    }),
                    due - System.nanoTime(),
                    TimeUnit.NANOSECONDS);
        }
        try {
            all.await(duration.toSeconds() + 30, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        timer.shutdownNow();
        senders.shutdownNow();
        finished.countDown();
    }

    // ---- helpers -------------------------------------------------------------------------

    /** Answered-200 requests per second: shed requests are fast, and must not count as throughput. */
    private static double goodput(LoadReport r) {
        return r.status(200) / r.durationS();
    }

    private static long shed(LoadReport r) {
        return r.requests() - r.status(200);
    }

    private static Thread started(Runnable body) {
        Thread t = new Thread(body);
        t.start();
        return t;
    }

    private LoadReport load(int clients, double qps) throws Exception {
        LoadSettings s = new LoadSettings(api, clients, qps, RUN, WARMUP, 50_000, 5, 200, 1, 4 * clients);
        return LoadGenerator.run(s);
    }

    private void setScheduler(int maxBatchRows, double maxQueueDelayMs) throws Exception {
        String body = "{\"maxBatchRows\":" + maxBatchRows + ",\"maxQueueDelayMs\":" + maxQueueDelayMs + "}";
        HttpResponse<String> r = http.send(
                adminRequest("/admin/api/scheduler")
                        .PUT(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("scheduler knobs refused: " + r.body());
        }
    }

    private long schedulerStat(String field) throws Exception {
        return schedulerStats().get(field).asLong();
    }

    private JsonNode schedulerStats() throws Exception {
        HttpResponse<String> r =
                http.send(adminRequest("/admin/api/scheduler").GET().build(), HttpResponse.BodyHandlers.ofString());
        return JSON.readTree(r.body()).get("stats");
    }

    private int adminPost(String path) throws Exception {
        return http.send(
                        adminRequest(path)
                                .POST(HttpRequest.BodyPublishers.noBody())
                                .build(),
                        HttpResponse.BodyHandlers.discarding())
                .statusCode();
    }

    private HttpRequest.Builder adminRequest(String path) {
        return HttpRequest.newBuilder(admin.resolve(path))
                .timeout(Duration.ofMinutes(5))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/json");
    }

    private void line(String format, Object... args) {
        report.append(String.format(format, args)).append('\n');
        System.err.println(String.format(format, args));
    }

    /** A copy of a version folder as the next version: model.json names the folder it is in. */
    private static void copyVersion(Path from, Path to) throws Exception {
        Files.createDirectories(to);
        try (Stream<Path> files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
        Path json = to.resolve(ModelFolder.MODEL_JSON);
        ModelJson.write(ModelJson.read(json).withVersion(to.getFileName().toString()), json);
    }

    private static void removeSwapVersions(Path models, int base) throws Exception {
        for (int v = base + 1; v <= base + 10; v++) {
            Path dir = models.resolve(Integer.toString(v));
            if (Files.exists(dir)) {
                try (Stream<Path> files = Files.walk(dir)) {
                    for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                        Files.delete(p);
                    }
                }
            }
        }
    }
}
