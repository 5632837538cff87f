package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.actors.events.Event;
import adsml.actors.models.ActiveModel;
import adsml.actors.ranking.RankResult;
import adsml.platform.testing.FakeClock;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.CpuDevice;
import adsml.scheduler.SchedulerSettings;
import adsml.scheduler.Ticker;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class OverviewSamplerTest {
    private static final Instant START = Instant.ofEpochMilli(1_764_000_000_000L);
    private static final RankResult OK = new RankResult(
            "ctr/1",
            null,
            List.of(),
            100,
            100,
            new RankResult.Timings(1.0, 0, 2.0, 3.0, 0.5, 6.5),
            List.of(),
            Map.of());

    private CpuDevice device;
    private BatchingScheduler scheduler;
    private ServingMetrics metrics;
    private EventCounters events;
    private FakeClock clock;
    private OverviewSampler sampler;

    @BeforeEach
    void start() {
        device = new CpuDevice("cpu0", 1, 1L << 28);
        scheduler = new BatchingScheduler(SchedulerSettings.defaults(), List.of(device), Ticker.SYSTEM);
        clock = new FakeClock(START);
        metrics = new ServingMetrics(
                scheduler, new VersionFigures(1024, Duration.ofMinutes(15), clock), new ActiveModel());
        events = new EventCounters();
        sampler = new OverviewSampler(metrics, scheduler::stats, events, clock);
    }

    @AfterEach
    void stop() {
        metrics.close(); // its GC listener would hold the scheduler to the end of the run
        scheduler.close();
        device.close();
    }

    private void ranks(int count, int status, long millis) {
        for (int i = 0; i < count; i++) {
            metrics.rank(status, TimeUnit.MILLISECONDS.toNanos(millis), status == 200 ? OK : null);
        }
    }

    private void event(Event.Type type, int adId, double cost) {
        events.record(new Event(type, "e1", "r1", "u1", adId, 0, cost));
    }

    private List<OverviewSampler.Point> series() {
        return sampler.overview().series();
    }

    @Test
    void eachPoint_isWhatHappenedInItsInterval_percentilesFromTheHistogramBuckets() {
        sampler.sample();
        ranks(90, 200, 5);
        ranks(10, 200, 500);
        clock.advance(Duration.ofSeconds(1));
        sampler.sample();
        ranks(10, 200, 50);
        ranks(1, 503, 1);
        ranks(1, 500, 1);
        clock.advance(Duration.ofSeconds(1));
        sampler.sample();

        List<OverviewSampler.Point> series = series();
        assertEquals(2, series.size());
        OverviewSampler.Point first = series.get(0);
        assertEquals(100, first.requestsPerSec(), 1e-9);
        assertEquals(5, first.p50Ms(), 1.0, () -> "p50 " + first);
        assertEquals(500, first.p99Ms(), 100, () -> "p99 " + first);
        assertEquals(0, first.shedRate());
        assertEquals(0, first.errorRate());
        assertEquals(new OverviewSampler.StageMs(1.0, null, 2.0, 3.0, 0.5), first.stageMs());

        OverviewSampler.Point second = series.get(1);
        assertEquals(12, second.requestsPerSec(), 1e-9);
        // Only this interval's requests: 10 at 50 ms and 2 failures at 1 ms, nothing of the 500 ms ones.
        assertEquals(50, second.p50Ms(), 10, () -> "p50 " + second);
        assertTrue(second.p99Ms() < 100, () -> "p99 " + second);
        assertEquals(1.0 / 12, second.shedRate(), 1e-9);
        assertEquals(1.0 / 12, second.errorRate(), 1e-9);
        assertEquals(START.toEpochMilli() + 2000, second.t());
    }

    @Test
    void ctrAndRevenue_comeFromTheEventsOfTheInterval() {
        sampler.sample();
        ranks(40, 200, 5);
        for (int i = 0; i < 10; i++) {
            event(Event.Type.IMPRESSION, 7, 0);
        }
        event(Event.Type.CLICK, 7, 0.5);
        event(Event.Type.CLICK, 8, 1.5);
        clock.advance(Duration.ofSeconds(2));
        sampler.sample();

        OverviewSampler.Point point = series().get(0);
        assertEquals(20, point.requestsPerSec(), 1e-9);
        assertEquals(0.2, point.ctr(), 1e-9);
        assertEquals(2.0 / 40 * 1000, point.revenuePerMilleRequests(), 1e-9);
        assertEquals(5, point.impressionsPerSec(), 1e-9);
    }

    @Test
    void anIdleInterval_hasNoRatesToShow() {
        sampler.sample();
        clock.advance(Duration.ofSeconds(1));
        sampler.sample();
        OverviewSampler.Point point = series().get(0);
        assertEquals(0, point.requestsPerSec());
        assertNull(point.p50Ms());
        assertNull(point.errorRate());
        assertNull(point.ctr());
        assertNull(point.revenuePerMilleRequests());
        assertNull(point.stageMs().scoring());
    }

    @Test
    void history_keepsTwoMinutes_andTheHeadlineCoversTheLastTenSeconds() {
        for (int i = 0; i < 200; i++) {
            ranks(i < 190 ? 1 : 3, 200, 5);
            clock.advance(Duration.ofSeconds(1));
            sampler.sample();
        }
        assertEquals(OverviewSampler.POINTS, series().size());
        OverviewSampler.Point now = sampler.overview().now();
        assertEquals(3, now.requestsPerSec(), 1e-9, () -> "the last 10 s had 3 requests a second: " + now);
    }
}
