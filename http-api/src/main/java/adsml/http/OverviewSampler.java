package adsml.http;

import adsml.scheduler.SchedulerStats;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.distribution.CountAtBucket;
import io.micrometer.core.instrument.distribution.HistogramSnapshot;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The admin overview as time series: every {@link #INTERVAL} it snapshots the serving metrics' cumulative counters
 * (rank requests by status, the latency histogram, stage timers), the scheduler's counters and the
 * {@link EventCounters}; {@link #overview()} turns the differences of consecutive snapshots into one point per
 * interval, so every figure is what happened in that interval, not since start. Percentiles come from the latency
 * histogram's buckets, as Prometheus' {@code histogram_quantile} over a rate would compute them: linear within the
 * bucket that holds the rank, so they are as fine as the buckets.
 *
 * <p>What the figures mean: requests are rank requests answered (any status); the shed rate is the share answered 503
 * (overloaded, deadline unreachable, no model); the error rate the share answered any other 4xx or 5xx; stage timings
 * are means over the interval's successful requests; CTR is clicks per impression and revenue the events' costs per
 * 1000 rank requests, both from the events acknowledged in the interval. The scheduler reports its queue delay as a
 * mean since start, so that one figure is shown as such.
 *
 * <p>Thread-safe: {@link #sample()} runs on a timer, {@link #overview()} on HTTP threads.
 */
public final class OverviewSampler {
    private static final Logger LOG = LoggerFactory.getLogger(OverviewSampler.class);
    /** One point per second: the UI refreshes every 1 to 2 s. */
    public static final Duration INTERVAL = Duration.ofSeconds(1);
    /** Two minutes of history. */
    static final int POINTS = 120;
    /** The headline figures cover the last 10 points: one second alone is too noisy to read. */
    static final int HEADLINE_POINTS = 10;
    /** The batch-size histogram covers the last minute. */
    static final int HISTOGRAM_POINTS = 60;
    /** The stages timed, in {@link StageMs}' order. */
    static final String[] STAGES = {"retrieval", "light", "features", "scoring", "auction"};

    /**
     * The body of {@code GET /admin/api/overview}.
     *
     * @param now the last {@link #HEADLINE_POINTS} intervals as one point; null before two samples exist
     * @param series one point per interval, oldest first
     * @param batchSizes batches scored over the last {@link #HISTOGRAM_POINTS} intervals, by size
     * @param queueDelayMeanMs the scheduler's mean queue delay since start
     * @param totals counts since start
     */
    public record Overview(
            long intervalMs,
            Point now,
            List<Point> series,
            List<BatchSizes> batchSizes,
            double queueDelayMeanMs,
            Totals totals) {}

    /**
     * What happened in one interval (or, for {@link Overview#now()}, in the headline's span). A figure with nothing to
     * divide by is null.
     *
     * @param t the interval's end, epoch ms
     * @param queueDelayMeanMs the mean queue delay of the jobs that reached a batch in the interval
     */
    public record Point(
            long t,
            double requestsPerSec,
            Double p50Ms,
            Double p90Ms,
            Double p99Ms,
            Double errorRate,
            Double shedRate,
            StageMs stageMs,
            double batchesPerSec,
            Double meanBatchRows,
            Double queueDelayMeanMs,
            double impressionsPerSec,
            Double ctr,
            Double revenuePerMilleRequests) {}

    /** Mean ms of each stage ({@link #STAGES}) over the interval's successful requests; null with none. */
    public record StageMs(Double retrieval, Double light, Double features, Double scoring, Double auction) {}

    /** Batches of {@code rowsFrom} to {@code rowsTo} rows. */
    public record BatchSizes(long rowsFrom, long rowsTo, long batches) {}

    /** Since start: rank requests answered, acknowledged events and their spend, and the scheduler's counters. */
    public record Totals(
            long requests,
            long impressions,
            long clicks,
            long conversions,
            double spend,
            long batches,
            long rowsScored,
            long schedulerShed,
            long schedulerExpired) {}

    private record Snapshot(
            long epochMs,
            double[] latencyBoundsMs,
            long[] latencyAtOrBelow,
            long latencyCount,
            long requests,
            long shed,
            long errors,
            long[] stageCount,
            double[] stageTotalMs,
            SchedulerStats scheduler,
            EventCounters.Counts events) {}

    private final MeterRegistry registry;
    private final Supplier<SchedulerStats> scheduler;
    private final EventCounters events;
    private final Clock clock;
    private final Snapshot[] ring = new Snapshot[POINTS + 1];
    private int next;
    private int size;

    public OverviewSampler(
            ServingMetrics metrics, Supplier<SchedulerStats> scheduler, EventCounters events, Clock clock) {
        this(metrics.registry(), scheduler, events, clock);
    }

    OverviewSampler(MeterRegistry registry, Supplier<SchedulerStats> scheduler, EventCounters events, Clock clock) {
        this.registry = registry;
        this.scheduler = scheduler;
        this.events = events;
        this.clock = clock;
    }

    /** Takes one snapshot; called every {@link #INTERVAL}. */
    public void sample() {
        Snapshot s;
        try {
            s = snapshot();
        } catch (RuntimeException e) {
            // A fixed-rate task that throws is never run again: skip this point, keep sampling.
            LOG.warn("overview sample skipped: {}", e.toString());
            return;
        }
        synchronized (ring) {
            ring[next] = s;
            next = (next + 1) % ring.length;
            size = Math.min(size + 1, ring.length);
        }
    }

    /** The headline figures now (the last few intervals), or empty before two samples exist. */
    public Optional<Point> headline() {
        return Optional.ofNullable(overview().now());
    }

    /**
     * The {@link Overview}: {@code {"intervalMs", "now": point over the last 10 s, "series": [point per interval,
     * oldest first], "batchSizes": [{"rowsFrom", "rowsTo", "batches"}] over the last minute, "queueDelayMeanMs": since
     * start, "totals": since start}}; a point's queueDelayMeanMs is over its interval. A figure with nothing to divide
     * by (no request, no impression in the interval) is null.
     */
    Overview overview() {
        List<Snapshot> snapshots = snapshots();
        int n = snapshots.size();
        List<Point> series = new ArrayList<>(Math.max(0, n - 1));
        for (int i = 1; i < n; i++) {
            series.add(point(snapshots.get(i - 1), snapshots.get(i)));
        }
        Point now = n < 2 ? null : point(snapshots.get(Math.max(0, n - 1 - HEADLINE_POINTS)), snapshots.get(n - 1));
        List<BatchSizes> batchSizes = n < 2
                ? List.of()
                : batchSizes(snapshots.get(Math.max(0, n - 1 - HISTOGRAM_POINTS)), snapshots.get(n - 1));
        Snapshot last = n == 0 ? snapshot() : snapshots.get(n - 1);
        Totals totals = new Totals(
                last.requests(),
                last.events().impressions(),
                last.events().clicks(),
                last.events().conversions(),
                last.events().spend(),
                last.scheduler().batches(),
                last.scheduler().rowsScored(),
                last.scheduler().shed(),
                last.scheduler().expired());
        return new Overview(
                INTERVAL.toMillis(), now, series, batchSizes, last.scheduler().meanQueueDelayNanos() / 1e6, totals);
    }

    private List<Snapshot> snapshots() {
        synchronized (ring) {
            List<Snapshot> list = new ArrayList<>(size);
            for (int i = 0; i < size; i++) {
                list.add(ring[Math.floorMod(next - size + i, ring.length)]);
            }
            return list;
        }
    }

    private Snapshot snapshot() {
        long epochMs = clock.millis();
        double[] bounds = new double[0];
        long[] atOrBelow = new long[0];
        long latencyCount = 0;
        Timer latency = registry.find("adsml.rank.latency").timer();
        if (latency != null) {
            HistogramSnapshot h = latency.takeSnapshot();
            CountAtBucket[] buckets = h.histogramCounts();
            bounds = new double[buckets.length];
            atOrBelow = new long[buckets.length];
            for (int i = 0; i < buckets.length; i++) {
                bounds[i] = buckets[i].bucket(TimeUnit.MILLISECONDS);
                atOrBelow[i] = (long) buckets[i].count();
            }
            latencyCount = h.count();
        }
        long requests = 0;
        long shed = 0;
        long errors = 0;
        for (Counter c : registry.find("adsml.rank.requests").counters()) {
            long count = (long) c.count();
            int status = Integer.parseInt(c.getId().getTag("status"));
            requests += count;
            if (status == 503) {
                shed += count;
            } else if (status >= 400) {
                errors += count;
            }
        }
        long[] stageCount = new long[STAGES.length];
        double[] stageTotalMs = new double[STAGES.length];
        for (int i = 0; i < STAGES.length; i++) {
            Timer t = registry.find("adsml.rank.stage").tag("stage", STAGES[i]).timer();
            if (t != null) {
                stageCount[i] = t.count();
                stageTotalMs[i] = t.totalTime(TimeUnit.MILLISECONDS);
            }
        }
        return new Snapshot(
                epochMs,
                bounds,
                atOrBelow,
                latencyCount,
                requests,
                shed,
                errors,
                stageCount,
                stageTotalMs,
                scheduler.get(),
                events.total());
    }

    private static Point point(Snapshot from, Snapshot to) {
        double seconds = Math.max(1e-3, (to.epochMs() - from.epochMs()) / 1000.0);
        long requests = to.requests() - from.requests();
        long batches = to.scheduler().batches() - from.scheduler().batches();
        long delayed = to.scheduler().queueDelayCount() - from.scheduler().queueDelayCount();
        long impressions = to.events().impressions() - from.events().impressions();
        Double revenue = ratio(to.events().spend() - from.events().spend(), requests);
        return new Point(
                to.epochMs(),
                requests / seconds,
                percentile(from, to, 0.50),
                percentile(from, to, 0.90),
                percentile(from, to, 0.99),
                ratio(to.errors() - from.errors(), requests),
                ratio(to.shed() - from.shed(), requests),
                new StageMs(
                        stageMs(from, to, 0),
                        stageMs(from, to, 1),
                        stageMs(from, to, 2),
                        stageMs(from, to, 3),
                        stageMs(from, to, 4)),
                batches / seconds,
                batches == 0
                        ? null
                        : (double) (to.scheduler().rowsScored()
                                        - from.scheduler().rowsScored())
                                / batches,
                delayed == 0
                        ? null
                        : (to.scheduler().queueDelayNanos() - from.scheduler().queueDelayNanos()) / 1e6 / delayed,
                impressions / seconds,
                ratio(to.events().clicks() - from.events().clicks(), impressions),
                revenue == null ? null : revenue * 1000);
    }

    /** The mean ms of stage {@code i} of {@link #STAGES} between the snapshots; null when no request reached it. */
    private static Double stageMs(Snapshot from, Snapshot to, int i) {
        long count = to.stageCount()[i] - from.stageCount()[i];
        return count == 0 ? null : (to.stageTotalMs()[i] - from.stageTotalMs()[i]) / count;
    }

    private static Double ratio(double part, long whole) {
        return whole <= 0 ? null : part / whole;
    }

    /**
     * The {@code q} quantile of the latencies recorded between the two snapshots, in ms: the bucket whose count reaches
     * the rank, interpolated linearly inside it. Null with no request; a rank beyond the last finite bucket reads as
     * that bucket's bound.
     */
    private static Double percentile(Snapshot from, Snapshot to, double q) {
        long total = to.latencyCount() - from.latencyCount();
        double[] bounds = to.latencyBoundsMs();
        if (total <= 0 || bounds.length == 0) {
            return null;
        }
        // The timer's buckets never change; a first snapshot taken before it existed counts as zeros.
        long[] before =
                from.latencyAtOrBelow().length == bounds.length ? from.latencyAtOrBelow() : new long[bounds.length];
        double rank = q * total;
        long below = 0;
        double lower = 0;
        for (int i = 0; i < bounds.length; i++) {
            long atOrBelow = to.latencyAtOrBelow()[i] - before[i];
            if (atOrBelow >= rank && atOrBelow > below) {
                return lower + (bounds[i] - lower) * (rank - below) / (atOrBelow - below);
            }
            below = atOrBelow;
            lower = bounds[i];
        }
        return bounds[bounds.length - 1];
    }

    private static List<BatchSizes> batchSizes(Snapshot from, Snapshot to) {
        long[] a = from.scheduler().batchSizeHistogram();
        long[] b = to.scheduler().batchSizeHistogram();
        int highest = 10; // at least up to 1024 rows, so the axis does not jump while traffic starts
        for (int i = 0; i < b.length; i++) {
            if (b[i] - a[i] > 0) {
                highest = Math.max(highest, i);
            }
        }
        List<BatchSizes> buckets = new ArrayList<>();
        for (int i = 0; i <= highest && i < b.length; i++) {
            buckets.add(new BatchSizes(1L << i, (1L << (i + 1)) - 1, b[i] - a[i]));
        }
        return buckets;
    }
}
