package adsml.simulate;

import adsml.actors.ranking.ServedLog;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.index.BudgetTracker;
import adsml.platform.offline.generator.GroundTruth;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.pacing.Pacer;
import adsml.platform.pacing.TrafficCurve;
import adsml.platform.world.World;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * Runs a simulated day (see the package) and reports it. The data folder is not written: the server runs on a temporary
 * folder holding links to its world and feature sets and a copy of its models, deleted at the end.
 *
 * <p>The day: {@code requests} rank requests from {@code users} active users drawn from the world, spread over the
 * hours by the pacer's traffic curve and uniformly within each hour; surfaces as in the world's logs. A user is never
 * in two requests at once (their counters, and so their frequency caps, see each response before the next). Campaign
 * budgets are the world's times {@code budgetScale}: the world's budgets are sized for far more traffic than a
 * simulated day carries.
 */
public final class Simulation {
    /** The simulated day: any date works, a fixed one keeps runs comparable. */
    static final long DAY_START_MS =
            LocalDate.of(2026, 1, 5).atStartOfDay(ZoneOffset.UTC).toInstant().toEpochMilli();

    private static final long HOUR_MS = 3_600_000L;

    /** How a day is simulated. */
    public record Settings(
            int hours,
            int requests,
            int users,
            int slots,
            int concurrency,
            double budgetScale,
            boolean billByImpression,
            int oracleEvery,
            long seed) {
        public Settings {
            if (hours < 1 || hours > 24) {
                throw new IllegalArgumentException("hours must be within [1, 24], was " + hours);
            }
            if (requests < 1 || users < 1 || slots < 1 || concurrency < 1 || oracleEvery < 1) {
                throw new IllegalArgumentException(
                        "requests, users, slots, concurrency and oracle sampling must be >= 1");
            }
            if (!(budgetScale > 0) || Double.isInfinite(budgetScale)) {
                throw new IllegalArgumentException("budget scale must be a finite number > 0, was " + budgetScale);
            }
        }
    }

    /** One rank request of the schedule; one of the warm-up hour before the day is not counted. */
    private record Request(long atMs, int hour, boolean counted, int user, int surface, long seed) {}

    /** What runs beside a simulated day (the learning loop): told when it starts and as each hour ends. */
    interface Companion {
        Companion NONE = new Companion() {};

        /** The serving configuration, with whatever the companion needs of the server. */
        default Config configure(Config serving) {
            return serving;
        }

        /** The day's server runs on {@code folder}, its clock at the day's start, its figures kept in these. */
        default void started(Path folder, AdsmlServer server, Clock clock, DayLedger ledger, OracleTap oracle) {}

        /** Every request of the day's {@code hour} has been sent (the last ones may still be in flight). */
        default void hourEnded(int hour) {}

        /** The day is over; the server still runs. */
        default void dayEnded() {}
    }

    private final Settings settings;
    private final PrintStream progress;
    private final Companion companion;

    private Simulation(Settings settings, PrintStream progress, Companion companion) {
        this.settings = settings;
        this.progress = progress;
        this.companion = companion;
    }

    /**
     * Simulates the day on {@code data} (a world and its models) with {@code config}, reporting progress as it goes.
     */
    public static ObjectNode run(Path data, Config config, Settings settings, PrintStream progress) throws Exception {
        return run(data, config, settings, progress, Companion.NONE);
    }

    static ObjectNode run(Path data, Config config, Settings settings, PrintStream progress, Companion companion)
            throws Exception {
        Path folder = Files.createTempDirectory("adsml-simulate");
        try {
            prepare(data, folder);
            return new Simulation(settings, progress, companion).day(folder, config);
        } finally {
            deleteTree(folder);
        }
    }

    private ObjectNode day(Path folder, Config config) throws Exception {
        long wallStart = System.nanoTime();
        SimClock clock = new SimClock(DAY_START_MS - HOUR_MS);
        String ingest = "simulate-ingest";
        Config serving = ConfigFactory.parseMap(Map.of(
                        "adsml.http.host",
                        "127.0.0.1",
                        "adsml.http.port",
                        0,
                        "adsml.http.admin-port",
                        0,
                        "adsml.http.ingest-token",
                        ingest,
                        "adsml.http.admin-token",
                        "simulate-admin",
                        "adsml.http.rank-token",
                        "",
                        "adsml.platform.auction.billing",
                        settings.billByImpression() ? "impression" : "action"))
                .withFallback(companion.configure(config));
        progress.println("starting a server on a copy of the data, at a simulated 2026-01-04T23:00Z");
        try (AdsmlServer server = start(folder, serving, clock)) {
            AdsmlServer.Marketplace market = server.marketplace();
            World world = market.world();
            GroundTruth truth = GroundTruth.create(
                    world.config().seed(), world.advertisers().size());
            OracleTap oracle = new OracleTap(
                    world, truth, market.auction(), billing(), settings.oracleEvery(), clock, DAY_START_MS);
            tap = oracle;
            double[] budgets = scaleBudgets(world, market.budget());
            TrafficCurve curve = market.pacer().settings().curve();
            List<Request> day = schedule(world, curve);
            DayLedger ledger = new DayLedger(settings.hours(), budgets);
            companion.started(folder, server, clock, ledger, oracle);
            long counted = day.stream().filter(Request::counted).count();
            progress.printf(
                    "simulating %d hours: %,d requests (and %,d in the hour before) from %,d users, budgets x %s%n",
                    settings.hours(), counted, day.size() - counted, settings.users(), settings.budgetScale());
            drive(day, world, truth, clock, server.started().api(), ingest, ledger);
            companion.dayEnded();
            boolean[] paced = pacedToday(market.pacer(), world.campaigns().size());
            double seconds = (System.nanoTime() - wallStart) / 1e9;
            return DayReport.of(
                    ledger,
                    budgets,
                    paced,
                    curve,
                    market.auction().settings(),
                    oracle.rpm(),
                    settings,
                    market.pacer().settings().enabled(),
                    seconds);
        }
    }

    /** The oracle's tap, once the server it watches has started. */
    private volatile OracleTap tap;

    /** A server on {@code clock} whose ranked requests go to the oracle's tap once there is one. */
    private AdsmlServer start(Path folder, Config config, SimClock clock) throws Exception {
        ServedLog deferred = (q, f, v, ctr, cvr, result) -> {
            OracleTap t = tap;
            if (t != null) {
                t.served(q, f, v, ctr, cvr, result);
            }
        };
        return AdsmlServer.start(folder, config, clock, deferred);
    }

    private SimulatedUsers.Billing billing() {
        return settings.billByImpression() ? SimulatedUsers.Billing.IMPRESSION : SimulatedUsers.Billing.ACTION;
    }

    /** Sets every campaign's budget to the world's times the scale; returns them by campaign id. */
    private double[] scaleBudgets(World world, BudgetTracker budget) {
        double[] budgets = new double[world.campaigns().size()];
        for (Campaign c : world.campaigns()) {
            budgets[c.id()] = c.dailyBudget() * settings.budgetScale();
            budget.setBudget(c.id(), budgets[c.id()]);
        }
        return budgets;
    }

    /**
     * The day's requests in time order, after an hour of the day before: a server that ran yesterday starts the day
     * with its pacing's demand estimates, and so does the simulated one. That hour is not counted.
     */
    private List<Request> schedule(World world, TrafficCurve curve) {
        SplittableRandom random = new SplittableRandom(settings.seed());
        int[] active = random.ints(0, world.users().size())
                .distinct()
                .limit(Math.min(settings.users(), world.users().size()))
                .toArray();
        double covered = 0;
        for (int h = 0; h < settings.hours(); h++) {
            covered += curve.share(h);
        }
        List<Request> day = new ArrayList<>(settings.requests());
        for (int h = -1; h < settings.hours(); h++) {
            int hour = Math.floorMod(h, TrafficCurve.HOURS);
            int n = (int) Math.round(settings.requests() * curve.share(hour) / covered);
            for (int i = 0; i < n; i++) {
                long at = DAY_START_MS + h * HOUR_MS + (long) (random.nextDouble() * HOUR_MS);
                day.add(new Request(
                        at,
                        hour,
                        h >= 0,
                        active[random.nextInt(active.length)],
                        pick(random, WorldGenerator.SURFACE_SHARE),
                        random.nextLong()));
            }
        }
        day.sort(Comparator.comparingLong(Request::atMs));
        return day;
    }

    /**
     * Sends the day's requests in time order, {@code concurrency} at a time, moving the clock to each one's time as it
     * is sent; a request waits while its user has one in flight.
     */
    private void drive(
            List<Request> day,
            World world,
            GroundTruth truth,
            SimClock clock,
            java.net.InetSocketAddress api,
            String ingest,
            DayLedger ledger)
            throws InterruptedException {
        HttpClient client = HttpClient.newBuilder()
                .connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1)
                .build();
        URI base = URI.create("http://127.0.0.1:" + api.getPort());
        SimulatedUsers users = new SimulatedUsers(
                world, truth, client, base, "Bearer " + ingest, settings.slots(), clock, billing(), DAY_START_MS);
        ExecutorService pool = Executors.newFixedThreadPool(settings.concurrency(), r -> {
            Thread t = new Thread(r, "adsml-simulate");
            t.setDaemon(true);
            return t;
        });
        Semaphore permits = new Semaphore(settings.concurrency());
        Set<Integer> busy = new HashSet<>();
        DayLedger yesterday = new DayLedger(TrafficCurve.HOURS, new double[ledger.campaignSpend.length]);
        int hour = -1;
        DayLedger hourLedger = ledger;
        long hourStarted = System.nanoTime();
        try {
            for (Request r : day) {
                if (r.hour() != hour) {
                    if (hour >= 0 && hourLedger == ledger) {
                        companion.hourEnded(hour);
                    }
                    if (hour >= 0) {
                        progress.printf(
                                "  %02d:00%s %,6d requests in %.1f s%n",
                                hour,
                                hourLedger == ledger ? "" : " (the day before, not counted)",
                                hourLedger.requests[hour],
                                (System.nanoTime() - hourStarted) / 1e9);
                    }
                    hour = r.hour();
                    hourLedger = r.counted() ? ledger : yesterday;
                    hourStarted = System.nanoTime();
                }
                DayLedger counted = hourLedger;
                permits.acquire();
                synchronized (busy) {
                    while (busy.contains(r.user())) {
                        busy.wait();
                    }
                    busy.add(r.user());
                }
                clock.advanceTo(r.atMs());
                counted.asked(r.hour());
                pool.execute(() -> {
                    try {
                        Context context = new Context(r.surface(), r.hour(), 0);
                        users.visit(world.user(r.user()), context, new SplittableRandom(r.seed()), counted);
                    } finally {
                        synchronized (busy) {
                            busy.remove(r.user());
                            busy.notifyAll();
                        }
                        permits.release();
                    }
                });
            }
            permits.acquire(settings.concurrency()); // every request answered and its events acknowledged
            if (hour >= 0) {
                companion.hourEnded(hour);
                progress.printf(
                        "  %02d:00 %,6d requests in %.1f s%n",
                        hour, hourLedger.requests[hour], (System.nanoTime() - hourStarted) / 1e9);
            }
        } finally {
            pool.shutdownNow();
            pool.awaitTermination(10, TimeUnit.SECONDS);
        }
    }

    /** Campaigns pacing held back: they sat out at least a tenth of the auctions they could have entered. */
    private static boolean[] pacedToday(Pacer pacer, int campaigns) {
        boolean[] paced = new boolean[campaigns];
        for (int c = 0; c < campaigns; c++) {
            paced[c] = pacer.meanRateToday(c) < 0.9;
        }
        return paced;
    }

    private static int pick(SplittableRandom r, double[] shares) {
        double u = r.nextDouble();
        for (int i = 0; i < shares.length; i++) {
            u -= shares[i];
            if (u < 0) {
                return i;
            }
        }
        return shares.length - 1;
    }

    /** Links the world and the feature sets, copies the models: the server may write beside its models. */
    private static void prepare(Path data, Path folder) throws IOException {
        Path world = data.resolve("world");
        Path models = data.resolve("models");
        if (!Files.isDirectory(world)) {
            throw new IllegalArgumentException(
                    "no world in " + world + ": run 'adsml world --out " + world + "' (or 'adsml demo')");
        }
        if (!Files.isDirectory(models)) {
            throw new IllegalArgumentException("no models in " + models + ": run 'adsml train --world " + world
                    + " --out " + models.resolve("ctr") + "'");
        }
        Files.createSymbolicLink(folder.resolve("world"), world.toAbsolutePath());
        if (Files.isDirectory(data.resolve("features"))) {
            Files.createSymbolicLink(
                    folder.resolve("features"), data.resolve("features").toAbsolutePath());
        }
        copyTree(models, folder.resolve("models"));
    }

    private static void copyTree(Path from, Path to) throws IOException {
        try (Stream<Path> paths = Files.walk(from)) {
            for (Path p : (Iterable<Path>) paths::iterator) {
                Path target = to.resolve(from.relativize(p).toString());
                if (Files.isDirectory(p)) {
                    Files.createDirectories(target);
                } else {
                    Files.copy(p, target);
                }
            }
        }
    }

    private static void deleteTree(Path folder) {
        try (Stream<Path> paths = Files.walk(folder)) {
            paths.sorted(Comparator.reverseOrder()).forEach(p -> {
                try {
                    Files.deleteIfExists(p);
                } catch (IOException e) {
                    throw new UncheckedIOException(e);
                }
            });
        } catch (IOException | UncheckedIOException e) {
            System.err.println("could not delete the simulation's folder " + folder + ": " + e.getMessage());
        }
    }
}
