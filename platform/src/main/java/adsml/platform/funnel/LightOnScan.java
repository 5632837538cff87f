package adsml.platform.funnel;

import adsml.platform.counters.CounterStore;
import adsml.platform.domain.AdColumns;
import adsml.platform.features.RequestRow;
import adsml.platform.index.LightVector;
import adsml.platform.index.ScanAdIndex;
import adsml.platform.index.ann.AdFilter;
import java.util.Arrays;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps an inventory scan ({@link ScanAdIndex}) light-ranking by the active light model, so that a request's light
 * ranking reads every eligible ad on the scan's device: once a second a thread of its own checks the active version; a
 * new one is put in the scan's form ({@link LightScan}, checked) and its priors written, every ad's, and they are
 * computed again every {@link #REFRESH_NANOS} (an ad's own click rates of the day move); with no active version, or one
 * the scan cannot carry (served by the CPU cut, with a warning), the scan's priors are zero and retrieval is the
 * tower's. A request asks {@link #retrieveLater}: an answer when the scan holds the active version's priors, none
 * otherwise (until they are written: a second or two after an activation, a few more at a million ads), and then
 * retrieval and the cut are the CPU's, as they were. A round that fails (a scan refusing the priors) is tried again
 * after 1 s, then 2, 4, up to a minute, and logged once a minute at most.
 */
public final class LightOnScan implements AutoCloseable {
    /** How often every ad's prior is computed again while the version stays. */
    static final long REFRESH_NANOS = 10_000_000_000L;

    private static final Logger LOG = LoggerFactory.getLogger(LightOnScan.class);
    private static final int CHECK_ADS = 256;
    private static final long FAILURE_LOG_NANOS = 60_000_000_000L;
    private static final long FIRST_BACKOFF_NANOS = 1_000_000_000L;
    private static final long LONGEST_BACKOFF_NANOS = 60_000_000_000L;

    private final LightRanker light;
    private final ScanAdIndex index;
    private final CounterStore counters;
    private final LongSupplier wallClockMs;
    private final ScheduledExecutorService thread;
    /** The active version in the scan's form, once the scan holds its priors. */
    private volatile LightScan live;

    private volatile long queryFailureLoggedNanos;
    // The keeping thread's own.
    private String refused;
    private long refreshedNanos;
    private long failureLoggedNanos;
    private long backoffNanos;
    private long nextRoundNanos = System.nanoTime();

    private LightOnScan(LightRanker light, ScanAdIndex index, CounterStore counters, LongSupplier wallClockMs) {
        this.light = light;
        this.index = index;
        this.counters = counters;
        this.wallClockMs = wallClockMs;
        this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "adsml-light-on-scan");
            t.setDaemon(true);
            return t;
        });
    }

    /**
     * Keeps {@code index} light-ranking by {@code light}'s active version, reading ad counters from {@code counters} at
     * {@code wallClockMs}; close it before the index.
     */
    public static LightOnScan start(
            LightRanker light, ScanAdIndex index, CounterStore counters, LongSupplier wallClockMs) {
        LightOnScan keeper = new LightOnScan(light, index, counters, wallClockMs);
        keeper.thread.scheduleWithFixedDelay(keeper::keepLogged, 0, 1, TimeUnit.SECONDS);
        return keeper;
    }

    /** A keeper that keeps only when told ({@link #keep}): for tests. */
    static LightOnScan manual(LightRanker light, ScanAdIndex index, CounterStore counters, LongSupplier wallClockMs) {
        return new LightOnScan(light, index, counters, wallClockMs);
    }

    /**
     * Light-ranks every eligible ad for {@code row} by {@code active} on the scan and completes with how many of the
     * best it wrote into {@code outAdIds} (at most the scan's 1,024), best first, or exceptionally when the scan or the
     * request's query fails; empty when the scan does not rank by {@code active} now.
     */
    public Optional<CompletionStage<Integer>> retrieveLater(
            LightRanker.Version active, RequestRow row, AdFilter filter, int max, int[] outAdIds) {
        LightScan scan = live;
        if (scan == null || scan.version() != active || !index.ranksBy(scan.id())) {
            return Optional.empty();
        }
        try {
            float[] query = new float[LightVector.DIM];
            scan.query(row, counters, wallClockMs.getAsLong(), query, 0);
            return Optional.of(index.lightRetrieveLater(scan.id(), query, filter, max, outAdIds));
        } catch (RuntimeException e) {
            long now = System.nanoTime();
            long last = queryFailureLoggedNanos;
            if (last == 0 || now - last >= FAILURE_LOG_NANOS) {
                queryFailureLoggedNanos = now;
                LOG.warn(
                        "a request's light query failed, served by the CPU path (logged once a minute): {}",
                        e.toString());
            }
            return Optional.of(CompletableFuture.failedFuture(e));
        }
    }

    /** The version the scan light-ranks by now, if any. */
    public Optional<String> live() {
        return Optional.ofNullable(live).map(LightScan::id);
    }

    /** A round unless a failed one's backoff runs; whatever it throws is logged, or the schedule would end. */
    private void keepLogged() {
        long now = System.nanoTime();
        if (now - nextRoundNanos < 0) {
            return;
        }
        try {
            keep();
            backoffNanos = 0;
        } catch (Throwable e) {
            // A scan that refuses the priors (a device in trouble) fails each round the same way: each round reads
            // every ad, so rounds grow rarer.
            backoffNanos = backoffNanos == 0 ? FIRST_BACKOFF_NANOS : Math.min(LONGEST_BACKOFF_NANOS, 2 * backoffNanos);
            nextRoundNanos = now + backoffNanos;
            if (failureLoggedNanos == 0 || now - failureLoggedNanos >= FAILURE_LOG_NANOS) {
                failureLoggedNanos = now;
                LOG.warn(
                        "keeping the inventory scan's light ranking failed (again in {} s; logged once a minute): {}",
                        backoffNanos / 1_000_000_000L,
                        e.toString());
            }
        }
    }

    /** One round: follows the active version, refreshes its priors when due. */
    void keep() {
        Optional<LightRanker.Version> active = light.active();
        LightScan now = live;
        if (active.isEmpty()) {
            if (now != null || index.lightRanking().isPresent()) {
                live = null;
                index.endLight();
                LOG.info("the inventory scan no longer light-ranks: no light model is active");
            }
            return;
        }
        LightRanker.Version version = active.get();
        if (now != null && now.version() == version) {
            if (System.nanoTime() - refreshedNanos >= REFRESH_NANOS) {
                index.lightRank(priorsOf(now));
                refreshedNanos = System.nanoTime();
            }
            return;
        }
        if (version.id().equals(refused)) {
            return;
        }
        LightScan scan;
        try {
            scan = LightScan.of(version, sample(), counters, wallClockMs.getAsLong());
        } catch (IllegalArgumentException e) {
            refused = version.id();
            live = null;
            index.endLight();
            LOG.warn("{}", e.getMessage());
            return;
        }
        long start = System.nanoTime();
        index.lightRank(priorsOf(scan));
        refreshedNanos = System.nanoTime();
        live = scan;
        LOG.info(
                "the inventory scan light-ranks by {}: every ad's prior written in {} ms (logits recomposed within {})",
                version.id(),
                (refreshedNanos - start) / 1_000_000,
                scan.error());
    }

    /** Up to {@link #CHECK_ADS} ads spread over the index's ids, for the check. */
    private AdColumns sample() {
        int size = index.size();
        int[] ids = new int[CHECK_ADS];
        int n = 0;
        for (int i = 0; i < CHECK_ADS && size > 0; i++) {
            int id = (int) ((long) i * size / CHECK_ADS);
            if (index.get(id).isPresent() && (n == 0 || ids[n - 1] != id)) {
                ids[n++] = id;
            }
        }
        return index.resolve(Arrays.copyOf(ids, n), n);
    }

    private ScanAdIndex.LightPriors priorsOf(LightScan scan) {
        return new ScanAdIndex.LightPriors() {
            @Override
            public String id() {
                return scan.id();
            }

            @Override
            public void priors(AdColumns ads, float[] out) {
                scan.priors(ads, counters, wallClockMs.getAsLong(), out);
            }
        };
    }

    @Override
    public void close() {
        thread.shutdownNow();
        try {
            thread.awaitTermination(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
