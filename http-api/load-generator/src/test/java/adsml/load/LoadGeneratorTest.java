package adsml.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Runs against an in-test server on loopback, or a fake clock and transport where timing must be exact. */
class LoadGeneratorTest {
    private static final URI FAKE = URI.create("http://127.0.0.1:9");

    static LoadSettings settings(
            URI url, int clients, double qps, Duration duration, Duration warmup, int deadlineMs, int maxInFlight) {
        return new LoadSettings(url, clients, qps, duration, warmup, 1000, 5, deadlineMs, 7, maxInFlight);
    }

    @Test
    void closedLoop_recordsEveryRequestAndItsStatus() throws Exception {
        try (RankServer server = RankServer.concurrent(Duration.ofMillis(5), 4)) {
            LoadReport report =
                    LoadGenerator.run(settings(server.url(), 4, 0, Duration.ofSeconds(1), Duration.ZERO, 200, 16));

            // Everything the server saw, less the probe (request 1, a 200), is in the report.
            assertEquals(server.received() - 1, report.requests(), report.toTable());
            assertEquals(server.answered(503), report.status(503), report.toTable());
            assertEquals(server.answered(200) - 1, report.status(200), report.toTable());
            assertEquals(0, report.errors());
            assertTrue(report.requests() > 100, report.toTable());
            assertTrue(report.p50Ms() >= 5, report.toTable());
            assertEquals(report.status(200) / report.durationS(), report.goodput(), 0.01, report.toTable());
            assertTrue(report.shedP99Ms() >= 5, "the 503s have their own latency: " + report.toTable());
            assertTrue(server.bodies().stream().allMatch(b -> b.startsWith("application/json {\"userId\":\"u")));
        }
    }

    @Test
    void answersLaterThanTheDeadline_areNotGoodput() throws Exception {
        try (RankServer server = RankServer.concurrent(Duration.ofMillis(20), 0)) {
            LoadReport report =
                    LoadGenerator.run(settings(server.url(), 2, 0, Duration.ofMillis(500), Duration.ZERO, 10, 8));

            assertTrue(report.status(200) > 0, report.toTable());
            assertEquals(0, report.goodput(), report.toTable());
        }
    }

    @Test
    void warmup_requestsAreSentButNotRecorded() throws Exception {
        try (RankServer server = RankServer.concurrent(Duration.ofMillis(10), 0)) {
            LoadReport report = LoadGenerator.run(
                    settings(server.url(), 2, 0, Duration.ofMillis(500), Duration.ofMillis(500), 200, 8));

            long warmup = server.received() - 1 - report.requests();
            assertTrue(
                    warmup >= report.requests() / 2,
                    "warm-up " + warmup + " of " + server.received() + "\n" + report.toTable());
        }
    }

    @Test
    void openLoop_sendsAboutQpsTimesDuration() throws Exception {
        try (RankServer server = RankServer.concurrent(Duration.ofMillis(5), 0)) {
            LoadReport report =
                    LoadGenerator.run(settings(server.url(), 4, 200, Duration.ofSeconds(1), Duration.ZERO, 200, 16));

            assertTrue(report.requests() >= 160 && report.requests() <= 240, report.toTable());
            assertEquals(report.requests(), report.status(200));
            assertEquals(0, report.dropped());
            assertEquals(0, report.errors());
            assertTrue(report.qps() > 160 && report.qps() < 240, report.toTable());
        }
    }

    @Test
    void openLoop_latencyIncludesQueueingBehindASlowServer() throws Exception {
        try (RankServer server = RankServer.serial(Duration.ofMillis(50))) {
            // One closed-loop client sees only the service time: it never sends faster than answers come.
            LoadReport closed =
                    LoadGenerator.run(settings(server.url(), 1, 0, Duration.ofSeconds(1), Duration.ZERO, 3000, 4));
            assertTrue(closed.p50Ms() >= 50 && closed.p50Ms() < 150, closed.toTable());

            // At 40 qps against a server that does 20 a second the queue grows all run long; an
            // honest open loop reports it (request k waits about 25k ms), a coordinated one would not.
            LoadReport open =
                    LoadGenerator.run(settings(server.url(), 16, 40, Duration.ofSeconds(1), Duration.ZERO, 3000, 64));
            assertEquals(0, open.errors(), open.toTable());
            assertEquals(0, open.dropped(), open.toTable());
            assertTrue(open.requests() >= 36, open.toTable());
            assertTrue(open.p50Ms() > 250, open.toTable());
            assertTrue(open.maxMs() > 600, open.toTable());
        }
    }

    @Test
    void openLoop_measuresFromTheIntendedStart_notFromTheLateSend() throws Exception {
        // 100 qps for 1 s; the scheduler wakes 300 ms late at 200 ms, then sends what fell due at once.
        FakeClock clock = new FakeClock(millis(200), millis(300));
        Transport instant = body -> CompletableFuture.completedFuture(200);
        LoadSettings s = settings(FAKE, 1, 100, Duration.ofSeconds(1), Duration.ZERO, 200, 4);

        LoadReport report = new LoadGenerator(s, instant, clock).run();

        // Requests due at 200, 210 .. 490 ms left at 500 ms: latencies 300, 290 .. 10 ms; the rest 0.
        assertEquals(100, report.requests(), report.toTable());
        assertEquals(0, report.dropped());
        assertEquals(300, report.maxMs(), 1, report.toTable());
        assertEquals(200, report.p90Ms(), 1, report.toTable());
        assertEquals(0, report.p50Ms(), 0.01, report.toTable());
    }

    @Test
    void openLoop_dropsWhatFallsDueAtTheInFlightLimit_andCountsTheUnansweredAsErrors() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        Transport stuck = body ->
                calls.getAndIncrement() == 0 ? CompletableFuture.completedFuture(200) : new CompletableFuture<>();
        LoadSettings s = settings(FAKE, 1, 100, Duration.ofSeconds(1), Duration.ZERO, 200, 5);

        LoadReport report = new LoadGenerator(s, stuck, new FakeClock(Long.MAX_VALUE, 0)).run();

        assertEquals(6, calls.get(), "the probe and five requests");
        assertEquals(95, report.dropped(), report.toTable());
        assertEquals(5, report.errors(), report.toTable());
        assertEquals(5, report.requests(), report.toTable());
        assertTrue(report.status().isEmpty());
    }

    @Test
    void nothingListening_isUnreachable() throws Exception {
        URI url = RankServer.nothingListening();
        LoadSettings s = settings(url, 2, 0, Duration.ofSeconds(1), Duration.ZERO, 200, 8);

        TargetUnreachableException e = assertThrows(TargetUnreachableException.class, () -> LoadGenerator.run(s));

        assertTrue(e.getMessage().contains(url + "/v1/rank"), e.getMessage());
        assertTrue(e.getMessage().contains("connection refused"), e.getMessage());
    }

    private static long millis(long ms) {
        return Duration.ofMillis(ms).toNanos();
    }

    /** Time moves only when the generator parks; one park at or after {@code stallAt} oversleeps by {@code stall}. */
    private static final class FakeClock implements LoadClock {
        private final long stallAt;
        private final long stall;
        private long now = millis(1000);
        private long start = -1;
        private boolean stalled;

        FakeClock(long stallAt, long stall) {
            this.stallAt = stallAt;
            this.stall = stall;
        }

        @Override
        public synchronized long nanoTime() {
            if (start < 0) {
                start = now;
            }
            return now;
        }

        @Override
        public synchronized void parkUntil(long deadline) {
            now = Math.max(now, deadline);
            if (!stalled && start >= 0 && stallAt != Long.MAX_VALUE && deadline - start >= stallAt) {
                stalled = true;
                now += stall;
            }
        }
    }
}
