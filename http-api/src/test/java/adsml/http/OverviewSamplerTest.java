package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.actors.events.Event;
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
    private static final RankResult OK = new RankResult("ctr/1", List.of(), 100, 100,
            new RankResult.Timings(1.0, 2.0, 3.0, 0.5, 6.5), List.of());

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
        metrics = new ServingMetrics(scheduler);
        events = new EventCounters();
        clock = new FakeClock(START);
        sampler = new OverviewSampler(metrics, scheduler::stats, events, clock);
    }

    @AfterEach
    void stop() {
        scheduler.close();
        device.close();
    }

    private void ranks(int count, int status, long millis) {
        for (int i = 0; i < count; i++) {
            metrics.rank(status, TimeUnit.MILLISECONDS.toNanos(millis), status == 200 ? OK : null);
        }
    }

    private void event(Event.Type type, int adId, double cost) {
        events.record(new Event(type, "r1", "u1", adId, 0, cost));
    }

    @SuppressWarnings("unchecked")
    private List<Map<String, Object>> series() {
        return (List<Map<String, Object>>) sampler.overview().get("series");
    }

    private static double number(Map<String, Object> point, String key) {
        return ((Number) point.get(key)).doubleValue();
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

        List<Map<String, Object>> series = series();
        assertEquals(2, series.size());
        Map<String, Object> first = series.get(0);
        assertEquals(100, number(first, "requestsPerSec"), 1e-9);
        assertEquals(5, number(first, "p50Ms"), 1.0, () -> "p50 " + first);
        assertEquals(500, number(first, "p99Ms"), 100, () -> "p99 " + first);
        assertEquals(0, number(first, "shedRate"));
        assertEquals(0, number(first, "errorRate"));
        assertEquals(Map.of("retrieval", 1.0, "features", 2.0, "scoring", 3.0, "auction", 0.5), first.get("stageMs"));

        Map<String, Object> second = series.get(1);
        assertEquals(12, number(second, "requestsPerSec"), 1e-9);
        // Only this interval's requests: 10 at 50 ms and 2 failures at 1 ms, nothing of the 500 ms ones.
        assertEquals(50, number(second, "p50Ms"), 10, () -> "p50 " + second);
        assertTrue(number(second, "p99Ms") < 100, () -> "p99 " + second);
        assertEquals(1.0 / 12, number(second, "shedRate"), 1e-9);
        assertEquals(1.0 / 12, number(second, "errorRate"), 1e-9);
        assertEquals(START.toEpochMilli() + 2000, ((Number) second.get("t")).longValue());
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

        Map<String, Object> point = series().get(0);
        assertEquals(20, number(point, "requestsPerSec"), 1e-9);
        assertEquals(0.2, number(point, "ctr"), 1e-9);
        assertEquals(2.0 / 40 * 1000, number(point, "revenuePerMilleRequests"), 1e-9);
        assertEquals(5, number(point, "impressionsPerSec"), 1e-9);
    }

    @Test
    void anIdleInterval_hasNoRatesToShow() {
        sampler.sample();
        clock.advance(Duration.ofSeconds(1));
        sampler.sample();
        Map<String, Object> point = series().get(0);
        assertEquals(0, number(point, "requestsPerSec"));
        assertNull(point.get("p50Ms"));
        assertNull(point.get("errorRate"));
        assertNull(point.get("ctr"));
        assertNull(point.get("revenuePerMilleRequests"));
        assertNull(((Map<?, ?>) point.get("stageMs")).get("scoring"));
    }

    @Test
    void history_keepsTwoMinutes_andTheHeadlineCoversTheLastTenSeconds() {
        for (int i = 0; i < 200; i++) {
            ranks(i < 190 ? 1 : 3, 200, 5);
            clock.advance(Duration.ofSeconds(1));
            sampler.sample();
        }
        assertEquals(OverviewSampler.POINTS, series().size());
        @SuppressWarnings("unchecked")
        Map<String, Object> now = (Map<String, Object>) sampler.overview().get("now");
        assertEquals(3, number(now, "requestsPerSec"), 1e-9, () -> "the last 10 s had 3 requests a second: " + now);
    }
}
