package adsml.http;

import adsml.actors.models.ActiveModel;
import adsml.actors.ranking.RankResult;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.LoadedVersion;
import adsml.scheduler.SchedulerStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.DistributionSummary;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.FunctionTimer;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.MultiGauge;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;

/**
 * What {@code GET /metrics} shows, in Prometheus text: every answer by route and status, rank latency and per-stage
 * timings as histograms, rank requests by status and model version, events by type (and duplicates), each model
 * version's live figures ({@link VersionFigures#registerNew}), the scheduler's queue, batch sizes, queue delay, shed
 * and expired counts, each device's health, and which version takes each role (active, canary, shadow).
 *
 * <p>Closed with the server: the GC binder listens on the JVM's collector beans, which outlive a server started and
 * stopped in a process that goes on (every e2e test), and through this registry it held all of that server's memory.
 */
public final class ServingMetrics implements AutoCloseable {
    private static final String[] STAGES = {"retrieval", "light", "features", "scoring", "auction"};
    private static final int LIGHT_STAGE = 1;
    /** One description for both stages: Prometheus has one HELP line per metric family. */
    private static final String CANDIDATES = "candidates per rank request: retrieved (eligible ads retrieval found, the"
            + " funnel's wide stage) and scored (those the heavy model scored)";

    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final JvmGcMetrics gc = new JvmGcMetrics();
    private final Timer latency;
    private final Timer[] stages = new Timer[STAGES.length];
    private final DistributionSummary retrieved;
    private final DistributionSummary scored;
    private final Map<String, Counter> lightCuts = new ConcurrentHashMap<>();
    private final Map<RequestKey, Counter> requests = new ConcurrentHashMap<>();
    private final Map<String, Counter> events = new ConcurrentHashMap<>();
    private final RouteLabels routes = RouteLabels.fromOpenApi();
    private final Map<Answer, Counter> answers = new ConcurrentHashMap<>();
    private final Counter duplicateEvents;
    private final VersionFigures versions;
    private final ActiveModel model;
    private final MultiGauge roles;
    private volatile SchedulerStats lastStats;
    private volatile long lastStatsNanos;

    /**
     * @param versions the live figures of each model version, which a scrape shows as counters per version
     * @param model the versions serving, which a scrape shows by role (active, canary, shadow) with the canary's share
     */
    public ServingMetrics(BatchingScheduler scheduler, VersionFigures versions, ActiveModel model) {
        this.versions = versions;
        this.model = model;
        new JvmMemoryMetrics().bindTo(registry);
        gc.bindTo(registry);
        latency = histogram(Timer.builder("adsml.rank.latency").description("POST /v1/rank, received to answered"));
        retrieved = DistributionSummary.builder("adsml.rank.candidates")
                .tag("stage", "retrieved")
                .description(CANDIDATES)
                .register(registry);
        scored = DistributionSummary.builder("adsml.rank.candidates")
                .tag("stage", "scored")
                .description(CANDIDATES)
                .register(registry);
        duplicateEvents = Counter.builder("adsml.events.duplicates")
                .description("events whose id the log already held: retries (not counted or charged again), or a"
                        + " client reusing an id for another event, which is lost")
                .register(registry);
        FunctionCounter.builder("adsml.version.unattributed.events", versions, VersionFigures::unattributed)
                .description("events that named no ad a version of this server is known to have shown (forgotten,"
                        + " another node's, or never shown); charged all the same")
                .register(registry);
        roles = MultiGauge.builder("adsml.model.role")
                .description("1 for each version in a role now: active, canary, shadow")
                .register(registry);
        Gauge.builder(
                        "adsml.model.canary.share",
                        model,
                        m -> m.canary().map(ActiveModel.Canary::share).orElse(0.0))
                .description("the share of users the canary version scores; 0 without a canary")
                .register(registry);
        for (int i = 0; i < STAGES.length; i++) {
            stages[i] = histogram(Timer.builder("adsml.rank.stage")
                    .tag("stage", STAGES[i])
                    .description("time in one pipeline stage"));
        }
        Gauge.builder(
                        "adsml.scheduler.queued.rows",
                        this,
                        m -> m.stats(scheduler).queuedRows())
                .description("candidate rows waiting for a scoring worker")
                .register(registry);
        FunctionCounter.builder(
                        "adsml.scheduler.batches", this, m -> m.stats(scheduler).batches())
                .description("batches scored, the start-up warm-up's included")
                .register(registry);
        FunctionCounter.builder(
                        "adsml.scheduler.rows.scored",
                        this,
                        m -> m.stats(scheduler).rowsScored())
                .description("candidate rows scored, the start-up warm-up's included")
                .register(registry);
        FunctionCounter.builder(
                        "adsml.scheduler.shed", this, m -> m.stats(scheduler).shed())
                .description("jobs refused at admission: queue full or deadline unreachable")
                .register(registry);
        FunctionCounter.builder(
                        "adsml.scheduler.expired", this, m -> m.stats(scheduler).expired())
                .description("jobs dropped unscored because their deadline passed")
                .register(registry);
        FunctionTimer.builder(
                        "adsml.scheduler.queue.delay",
                        this,
                        m -> m.stats(scheduler).queueDelayCount(),
                        m -> m.stats(scheduler).queueDelayNanos(),
                        TimeUnit.NANOSECONDS)
                .description("admission to first batch, per job: rate(_sum) / rate(_count) is the mean over a window")
                .register(registry);
        for (String device : scheduler.stats().deviceHealth().keySet()) {
            Gauge.builder(
                            "adsml.scheduler.device.healthy",
                            this,
                            m -> Boolean.TRUE.equals(
                                            m.stats(scheduler).deviceHealth().get(device))
                                    ? 1
                                    : 0)
                    .tag("device", device)
                    .description("1 while the device takes batches, 0 once an error took it out")
                    .register(registry);
        }
        for (int bucket = 0; bucket <= 16; bucket++) {
            int b = bucket;
            FunctionCounter.builder(
                            "adsml.scheduler.batch.size",
                            this,
                            m -> m.stats(scheduler).batchSizeHistogram()[b])
                    .tag("rows_from", Integer.toString(1 << b))
                    .description("batches by size, power-of-two buckets")
                    .register(registry);
        }
    }

    /**
     * One scrape reads about twenty scheduler figures; each {@code stats()} takes the scheduler's lock and copies its
     * histogram, so a scrape shares one snapshot (at most 200 ms old).
     */
    private SchedulerStats stats(BatchingScheduler scheduler) {
        long now = System.nanoTime();
        SchedulerStats s = lastStats;
        if (s == null || now - lastStatsNanos > 200_000_000L) {
            s = scheduler.stats();
            lastStats = s;
            lastStatsNanos = now;
        }
        return s;
    }

    private Timer histogram(Timer.Builder builder) {
        return builder.publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofMillis(1))
                .maximumExpectedValue(Duration.ofSeconds(2))
                .register(registry);
    }

    /** The rank admission's learned limit, the rank requests in progress and those waiting for a place, as gauges. */
    void rankAdmission(IntSupplier limit, IntSupplier inFlight, IntSupplier waiting) {
        // Held strongly: Micrometer keeps a gauge's object weakly, and nothing else holds these method references.
        Gauge.builder("adsml.rank.in.flight.limit", limit, IntSupplier::getAsInt)
                .strongReference(true)
                .description(
                        "rank requests admitted at once, as learned from how they end; beyond it a short wait, then 503")
                .register(registry);
        Gauge.builder("adsml.rank.in.flight", inFlight, IntSupplier::getAsInt)
                .strongReference(true)
                .description("rank requests in progress")
                .register(registry);
        Gauge.builder("adsml.rank.waiting", waiting, IntSupplier::getAsInt)
                .strongReference(true)
                .description("rank requests waiting for a place, each for at most what the latency target leaves")
                .register(registry);
    }

    /** Records one rank request; {@code result} is null when it failed. */
    void rank(int status, long nanos, RankResult result) {
        latency.record(nanos, TimeUnit.NANOSECONDS);
        String version = result == null ? "none" : result.modelVersion();
        // Looked up, not registered, per request: statuses and versions are few, requests are many.
        // The key hashes the version's cached hash: a key string built per request was hashed anew each time.
        requests.computeIfAbsent(
                        new RequestKey(status, version),
                        key -> Counter.builder("adsml.rank.requests")
                                .tag("status", Integer.toString(status))
                                .tag("model_version", version)
                                .description(
                                        "POST /v1/rank answers by status and the version that ranked (none: failed)")
                                .register(registry))
                .increment();
        if (result != null) {
            RankResult.Timings t = result.timings();
            double[] ms = {t.retrievalMs(), t.lightRankMs(), t.featuresMs(), t.scoringMs(), t.auctionMs()};
            retrieved.record(result.retrieved());
            scored.record(result.scored());
            if (result.lightModelVersion() != null) {
                lightCuts
                        .computeIfAbsent(
                                result.lightModelVersion(),
                                v -> Counter.builder("adsml.rank.light.cuts")
                                        .tag("light_model_version", v)
                                        .description("rank requests whose retrieval this light model version cut")
                                        .register(registry))
                        .increment();
            }
            for (int i = 0; i < ms.length; i++) {
                if (i == LIGHT_STAGE && result.lightModelVersion() == null) {
                    continue; // no light model cut this request: the stage did not run
                }
                stages[i].record((long) (ms[i] * 1e6), TimeUnit.NANOSECONDS);
            }
        }
    }

    private record RequestKey(int status, String version) {}

    void events(String type, int count) {
        events.computeIfAbsent(
                        type,
                        t -> Counter.builder("adsml.events")
                                .tag("type", t)
                                .description("events the log appended as new (retries not counted again)")
                                .register(registry))
                .increment(count);
    }

    void duplicateEvents(int count) {
        duplicateEvents.increment(count);
    }

    /**
     * Counts an answer of the listeners by its route ({@link RouteLabels}) and status: every status, so that errors
     * over all is a ratio of one family's series.
     */
    void answered(String path, int status) {
        answers.computeIfAbsent(
                        new Answer(routes.of(path), status),
                        a -> Counter.builder("adsml.http.requests")
                                .tag("route", a.route())
                                .tag("status", Integer.toString(a.status()))
                                .description("answers of both listeners by route (documented paths' first segments,"
                                        + " other) and status")
                                .register(registry))
                .increment();
    }

    private record Answer(String route, int status) {}

    String scrape() {
        versions.registerNew(registry);
        List<MultiGauge.Row<?>> rows = new ArrayList<>(3);
        model.current().ifPresent(v -> rows.add(role(v, "active")));
        model.canary().ifPresent(c -> rows.add(role(c.version(), "canary")));
        model.shadow().ifPresent(v -> rows.add(role(v, "shadow")));
        roles.register(rows, true);
        return registry.scrape();
    }

    private static MultiGauge.Row<?> role(LoadedVersion version, String role) {
        return MultiGauge.Row.of(Tags.of("model_version", version.id(), "role", role), 1);
    }

    @Override
    public void close() {
        gc.close();
        registry.close();
    }

    /** The meters themselves, which {@link OverviewSampler} reads as time series for the admin UI. */
    MeterRegistry registry() {
        return registry;
    }
}
