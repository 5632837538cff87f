package adsml.scheduler;

import static adsml.scheduler.Fixtures.tinyRows;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.RandomFeatures;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.platform.scoring.ReferenceScorer;
import adsml.platform.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BatchingSchedulerTest {
    private static final long SECOND = 1_000_000_000L;

    private static float[] await(CompletableFuture<float[]> future) throws Exception {
        return future.get(20, TimeUnit.SECONDS);
    }

    private static Throwable failureOf(CompletableFuture<float[]> future) {
        ExecutionException e = assertThrows(ExecutionException.class, () -> future.get(20, TimeUnit.SECONDS));
        return e.getCause();
    }

    private static void awaitTrue(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long until = System.nanoTime() + 5 * SECOND;
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < until, "condition not met in 5 s");
            Thread.sleep(2);
        }
    }

    /**
     * Moves the clock a second at a time until {@code done}: a failed probe is stamped with the clock when it ends,
     * which may be after the test moved it, so one long step could land before the next probe is due.
     */
    private static void advanceUntil(FakeClock clock, java.util.function.BooleanSupplier done)
            throws InterruptedException {
        long until = System.nanoTime() + 10 * SECOND;
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < until, "condition not met in 10 s");
            clock.advance(Duration.ofSeconds(1));
            Thread.sleep(5);
        }
    }

    @Test
    void submit_concurrentJobsGetTheirOwnReferenceScoresFromMergedBatches() throws Exception {
        ModelSpec spec = ModelPreset.DEMO.spec("demo", "1");
        Model model = new Model.Dcn(spec, DcnWeights.random(spec, 11));
        ReferenceScorer reference = ReferenceScorer.of(model);
        SchedulerSettings settings =
                SchedulerSettings.defaults().withMaxBatchRows(1024).withMaxQueueDelay(Duration.ofMillis(5));
        int threads = 6;
        int jobsPerThread = 5;
        try (CpuDevice cpu = new CpuDevice("cpu0", 2, 256L << 20);
                LoadedVersion version = LoadedVersion.load(model, List.of(cpu));
                BatchingScheduler scheduler = new BatchingScheduler(settings, List.of(cpu), Ticker.SYSTEM)) {
            ExecutorService pool = Executors.newFixedThreadPool(threads);
            CountDownLatch start = new CountDownLatch(1);
            List<Future<?>> done = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int thread = t;
                done.add(pool.submit(() -> {
                    start.await();
                    for (int j = 0; j < jobsPerThread; j++) {
                        int rows = 20 + 37 * ((thread * jobsPerThread + j) % 7);
                        FeatureBatch batch = RandomFeatures.batch(spec.schema(), rows, thread * 100L + j);
                        float[] scores =
                                await(scheduler.submit(version, batch, System.nanoTime() + 30 * SECOND, Priority.LIVE));
                        float[] expected = new float[rows * 2];
                        reference.score(batch, expected);
                        assertEquals(expected.length, scores.length);
                        for (int i = 0; i < expected.length; i++) {
                            assertEquals(
                                    expected[i], scores[i], 1e-5, "thread " + thread + " job " + j + " value " + i);
                        }
                    }
                    return null;
                }));
            }
            start.countDown();
            for (Future<?> f : done) {
                f.get(60, TimeUnit.SECONDS);
            }
            pool.shutdown();
            SchedulerStats stats = scheduler.stats();
            assertEquals(threads * jobsPerThread, stats.submitted());
            assertTrue(stats.batches() < stats.submitted(), "jobs were merged: " + stats.batches() + " batches");
            assertEquals(sumRows(threads, jobsPerThread), stats.rowsScored());
            assertEquals(
                    stats.batches(), Arrays.stream(stats.batchSizeHistogram()).sum());
            assertEquals(0, stats.queuedRows());
        }
    }

    private static long sumRows(int threads, int jobsPerThread) {
        long sum = 0;
        for (int i = 0; i < threads * jobsPerThread; i++) {
            sum += 20 + 37 * (i % 7);
        }
        return sum;
    }

    @Test
    void retire_inFlightAndQueuedJobsFinishOnTheOldVersionThenItsScorersClose() throws Exception {
        Fixtures.FakeDevice device = new Fixtures.FakeDevice("fake0", 1);
        SchedulerSettings settings = SchedulerSettings.defaults().withMaxQueueDelay(Duration.ZERO);
        LoadedVersion old = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(device));
        try (BatchingScheduler scheduler = new BatchingScheduler(settings, List.of(device), Ticker.SYSTEM)) {
            device.gate = new CountDownLatch(1);
            FeatureBatch first = tinyRows(10, 1);
            FeatureBatch second = tinyRows(5, 2);
            CompletableFuture<float[]> inFlight =
                    scheduler.submit(old, first, System.nanoTime() + 20 * SECOND, Priority.LIVE);
            assertTrue(device.awaitEntered());
            CompletableFuture<float[]> queued =
                    scheduler.submit(old, second, System.nanoTime() + 20 * SECOND, Priority.LIVE);

            old.close();
            Fixtures.FakeScorer scorer = device.scorers.get(0);
            assertFalse(scorer.closed.get(), "retired while a batch is in flight");
            assertInstanceOf(
                    VersionRetiredException.class,
                    failureOf(scheduler.submit(old, tinyRows(3, 3), System.nanoTime() + 20 * SECOND, Priority.LIVE)));

            device.gate.countDown();
            float[] a = await(inFlight);
            float[] b = await(queued);
            assertEquals(Fixtures.fakeScore(first, 9, 1), a[9 * 2 + 1]);
            assertEquals(Fixtures.fakeScore(second, 4, 0), b[4 * 2]);
            awaitTrue(scorer.closed::get);
            assertTrue(old.isReleased());
            assertEquals(2, device.calls.get());
            assertTrue(device.threads.get(0).startsWith("adsml-fake0-w0"), device.threads.get(0));
        }
    }

    /** Batches leave at once: with a fake clock, no batching delay would ever pass. */
    private static final SchedulerSettings GREEDY = SchedulerSettings.defaults().withMaxQueueDelay(Duration.ZERO);

    private static FakeClock clock() {
        return new FakeClock(Instant.parse("2025-03-01T12:00:00Z"));
    }

    /** Submits a live job that must be refused for want of a healthy device; returns the Retry-After it names. */
    private static Duration refusedFor(BatchingScheduler scheduler, LoadedVersion version, FakeClock clock) {
        NoHealthyDeviceException refused = assertInstanceOf(
                NoHealthyDeviceException.class,
                failureOf(scheduler.submit(version, tinyRows(2, 9), clock.nanos() + 100 * SECOND, Priority.LIVE)));
        return refused.retryAfter();
    }

    @Test
    void deviceError_quarantinesTheDevice_retriesOnAnother_andAProbeAfterTheBackoffReturnsIt() throws Exception {
        FakeClock clock = clock();
        Fixtures.FakeDevice flaky = new Fixtures.FakeDevice("flaky", 1);
        Fixtures.FakeDevice good = new Fixtures.FakeDevice("good", 1);
        flaky.transientFailures.set(1);
        LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(flaky, good));
        try (BatchingScheduler scheduler = new BatchingScheduler(GREEDY, List.of(flaky, good), clock::nanos)) {
            FeatureBatch rows = tinyRows(7, 5);
            float[] scores = await(scheduler.submit(version, rows, clock.nanos() + 100 * SECOND, Priority.LIVE));
            assertEquals(Fixtures.fakeScore(rows, 6, 1), scores[6 * 2 + 1], "retried on the good device");
            assertEquals(1, flaky.calls.get());
            assertEquals(false, scheduler.stats().deviceHealth().get("flaky"));
            assertEquals(true, scheduler.stats().deviceHealth().get("good"));
            await(scheduler.submit(version, tinyRows(3, 6), clock.nanos() + 100 * SECOND, Priority.LIVE));
            assertEquals(1, flaky.calls.get(), "a quarantined device gets no batches");

            clock.advance(Duration.ofSeconds(1));
            awaitTrue(() -> scheduler.stats().deviceHealth().get("flaky"));
            assertEquals(2, flaky.calls.get(), "one probe batch, then back in service");
        }
    }

    @Test
    void deviceError_onTheOnlyDevice_failsFastUntilAProbePasses_andEachFailedProbeDoublesTheBackoff() throws Exception {
        FakeClock clock = clock();
        Fixtures.FakeDevice cpu = new Fixtures.FakeDevice("cpu0", 2);
        cpu.transientFailures.set(3);
        LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(cpu));
        try (BatchingScheduler scheduler = new BatchingScheduler(GREEDY, List.of(cpu), clock::nanos)) {
            Throwable tried =
                    failureOf(scheduler.submit(version, tinyRows(4, 1), clock.nanos() + 100 * SECOND, Priority.LIVE));
            assertInstanceOf(NoHealthyDeviceException.class, tried);
            assertTrue(tried.getCause().getMessage().contains("transient fault"), "the device's error, for the log");
            assertEquals(false, scheduler.stats().deviceHealth().get("cpu0"));
            assertEquals(Duration.ofSeconds(1), refusedFor(scheduler, version, clock), "Retry-After: the next probe");

            clock.advance(Duration.ofMillis(400));
            assertEquals(Duration.ofMillis(600), refusedFor(scheduler, version, clock));
            clock.advance(Duration.ofMillis(600));
            awaitTrue(() ->
                    cpu.calls.get() == 2 && scheduler.stats().deviceHealth().isEmpty() == false);
            awaitTrue(() -> refusedFor(scheduler, version, clock).equals(Duration.ofSeconds(2)));

            clock.advance(Duration.ofSeconds(2));
            awaitTrue(() -> cpu.calls.get() == 3);
            awaitTrue(() -> refusedFor(scheduler, version, clock).equals(Duration.ofSeconds(4)));
            assertEquals(false, scheduler.stats().deviceHealth().get("cpu0"));

            clock.advance(Duration.ofSeconds(4));
            awaitTrue(() -> scheduler.stats().deviceHealth().get("cpu0"));
            FeatureBatch rows = tinyRows(5, 2);
            float[] scores = await(scheduler.submit(version, rows, clock.nanos() + 100 * SECOND, Priority.LIVE));
            assertEquals(Fixtures.fakeScore(rows, 4, 1), scores[4 * 2 + 1], "serving again");
            assertEquals(5, cpu.calls.get(), "the failed batch, three probes, the batch that scored");
        }
    }

    @Test
    void deviceError_thatOutlastsTheMaxBackoff_isProbedAtTheMaxBackoff() throws Exception {
        FakeClock clock = clock();
        Fixtures.FakeDevice cpu = new Fixtures.FakeDevice("cpu0", 1);
        cpu.failure = new IllegalStateException("still broken");
        FaultSettings faults = new FaultSettings(Duration.ofSeconds(1), Duration.ofSeconds(3), 10_000, 0.01);
        LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(cpu));
        try (BatchingScheduler scheduler = new BatchingScheduler(GREEDY, faults, List.of(cpu), clock::nanos)) {
            failureOf(scheduler.submit(version, tinyRows(4, 1), clock.nanos() + 100 * SECOND, Priority.LIVE));
            for (long seconds : new long[] {1, 2, 3}) {
                clock.advance(Duration.ofSeconds(seconds));
                long next = Math.min(2 * seconds, 3);
                awaitTrue(() -> refusedFor(scheduler, version, clock).equals(Duration.ofSeconds(next)));
            }
        }
    }

    /**
     * The clock moves a second at a time until the next probe came ({@link #advanceUntil}): one step of the longest
     * backoff (30 s) failed on CI when the failed probe was stamped after the step, its next one due past it.
     */
    @Test
    void unhealthyDevice_takesNoWork_untilItRecoversAndPassesItsProbe() throws Exception {
        FakeClock clock = clock();
        Fixtures.FakeDevice gpu = new Fixtures.FakeDevice("gpu0", 1);
        Fixtures.FakeDevice cpu = new Fixtures.FakeDevice("cpu0", 1);
        cpu.fallbackOnly = true;
        gpu.failure = new IllegalStateException("CUDA_ERROR_ILLEGAL_ADDRESS");
        LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(gpu, cpu));
        try (BatchingScheduler scheduler = new BatchingScheduler(GREEDY, List.of(gpu, cpu), clock::nanos)) {
            await(scheduler.submit(version, tinyRows(3, 1), clock.nanos() + 100 * SECOND, Priority.LIVE));
            gpu.healthy = false; // as a GPU whose context saw a sticky error says until it is rebuilt
            gpu.failure = null;
            advanceUntil(clock, () -> gpu.recoveries.get() == 1);
            advanceUntil(clock, () -> gpu.recoveries.get() == 2);
            for (int i = 0; i < 3; i++) {
                await(scheduler.submit(version, tinyRows(3, i), clock.nanos() + 100 * SECOND, Priority.LIVE));
            }
            assertEquals(1, gpu.calls.get(), "no probe batch and no work while it does not recover");
            assertEquals(4, cpu.calls.get(), "the failed batch and three more, on the fallback");
            assertEquals(false, scheduler.stats().deviceHealth().get("gpu0"));

            gpu.recovers = true;
            advanceUntil(clock, () -> scheduler.stats().deviceHealth().get("gpu0"));
            assertEquals(3, gpu.recoveries.get());
            assertEquals(2, gpu.calls.get(), "recovered, then one probe batch");
            await(scheduler.submit(version, tinyRows(3, 9), clock.nanos() + 100 * SECOND, Priority.LIVE));
            assertEquals(3, gpu.calls.get(), "back in service");
            assertEquals(4, cpu.calls.get());
        }
    }

    @Test
    void versionThatThrows_isFaulty_andTheDeviceKeepsScoringOtherVersions() throws Exception {
        FakeClock clock = clock();
        Fixtures.FakeDevice cpu = new Fixtures.FakeDevice("cpu0", 1);
        cpu.throwingVersions.add("2");
        LoadedVersion v1 = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(cpu));
        LoadedVersion v2 = LoadedVersion.load(Fixtures.tinyModel("2"), List.of(cpu));
        try (BatchingScheduler scheduler = new BatchingScheduler(GREEDY, List.of(cpu), clock::nanos)) {
            await(scheduler.submit(v1, tinyRows(3, 1), clock.nanos() + 100 * SECOND, Priority.LIVE));
            CompletableFuture<String> faulty = v2.whenFaulty().toCompletableFuture();

            Throwable failed =
                    failureOf(scheduler.submit(v2, tinyRows(3, 2), clock.nanos() + 100 * SECOND, Priority.LIVE));

            assertInstanceOf(VersionFaultException.class, failed);
            assertTrue(faulty.get(5, TimeUnit.SECONDS).contains("2 cannot score"), faulty::join);
            assertTrue(v1.fault().isEmpty());
            assertEquals(true, scheduler.stats().deviceHealth().get("cpu0"));
            FeatureBatch rows = tinyRows(4, 3);
            float[] scores = await(scheduler.submit(v1, rows, clock.nanos() + 100 * SECOND, Priority.LIVE));
            assertEquals(Fixtures.fakeScore(rows, 3, 0), scores[3 * 2]);
        }
    }

    @Test
    void goldenBatchThatThrows_isTheVersionsFault_evenWithNoOtherVersionOnTheDevice() throws Exception {
        FakeClock clock = clock();
        Fixtures.FakeDevice cpu = new Fixtures.FakeDevice("cpu0", 1);
        cpu.throwingVersions.add("1");
        LoadedVersion loading = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(cpu));
        try (BatchingScheduler scheduler = new BatchingScheduler(GREEDY, List.of(cpu), clock::nanos)) {
            assertInstanceOf(
                    VersionFaultException.class,
                    failureOf(
                            scheduler.submit(loading, tinyRows(8, 1), clock.nanos() + 100 * SECOND, Priority.SHADOW)));
            assertTrue(loading.fault().isPresent());
            assertEquals(true, scheduler.stats().deviceHealth().get("cpu0"));
        }
    }

    @Test
    void versionWhoseScoresAreNotProbabilities_isFaulty_butItsScoresStillArrive() throws Exception {
        FakeClock clock = clock();
        Fixtures.FakeDevice cpu = new Fixtures.FakeDevice("cpu0", 1);
        cpu.constantScores.put("1", Float.NaN);
        LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(cpu));
        try (BatchingScheduler scheduler = new BatchingScheduler(GREEDY, List.of(cpu), clock::nanos)) {
            float[] scores =
                    await(scheduler.submit(version, tinyRows(3, 1), clock.nanos() + 100 * SECOND, Priority.LIVE));
            assertTrue(Float.isNaN(scores[0]), "the auction, not the scheduler, keeps them out");
            assertTrue(version.fault().orElseThrow().contains("every row"), version.fault()::get);
            assertEquals(true, scheduler.stats().deviceHealth().get("cpu0"));
        }
    }

    @Test
    void deviceFault_quarantinesTheDevice_evenWhenAnotherVersionWouldScore() throws Exception {
        FakeClock clock = clock();
        Fixtures.FakeDevice cpu = new Fixtures.FakeDevice("cpu0", 1);
        LoadedVersion v1 = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(cpu));
        LoadedVersion v2 = LoadedVersion.load(Fixtures.tinyModel("2"), List.of(cpu));
        try (BatchingScheduler scheduler = new BatchingScheduler(GREEDY, List.of(cpu), clock::nanos)) {
            await(scheduler.submit(v1, tinyRows(3, 1), clock.nanos() + 100 * SECOND, Priority.LIVE));
            cpu.failure = new DeviceFaultException("launch failed", null) {};
            assertInstanceOf(
                    NoHealthyDeviceException.class,
                    failureOf(scheduler.submit(v2, tinyRows(3, 2), clock.nanos() + 100 * SECOND, Priority.LIVE)));
            assertEquals(false, scheduler.stats().deviceHealth().get("cpu0"));
            assertTrue(v2.fault().isEmpty(), "not the version's");
            assertEquals(2, cpu.calls.get(), "no probe with v1: a device fault needs none");
        }
    }

    @Test
    void fallbackDevice_takesNoBatchWhileAPrimaryDeviceIsHealthy() throws Exception {
        Fixtures.FakeDevice gpu = new Fixtures.FakeDevice("gpu0", 1);
        Fixtures.FakeDevice cpu = new Fixtures.FakeDevice("cpu0", 2);
        cpu.fallbackOnly = true;
        LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(gpu, cpu));
        try (BatchingScheduler scheduler = new BatchingScheduler(
                SchedulerSettings.defaults().withMaxQueueDelay(Duration.ZERO), List.of(gpu, cpu), Ticker.SYSTEM)) {
            List<CompletableFuture<float[]>> futures = new ArrayList<>();
            for (int i = 0; i < 20; i++) {
                futures.add(scheduler.submit(version, tinyRows(3, i), System.nanoTime() + 20 * SECOND, Priority.LIVE));
            }
            for (CompletableFuture<float[]> future : futures) {
                await(future);
            }
            assertTrue(gpu.calls.get() > 0);
            assertEquals(0, cpu.calls.get(), "the fallback CPU scored batches that the healthy GPU could take");
        }
    }

    @Test
    void deviceError_onThePrimaryDevice_retriesOnTheFallbackAndSendsItLaterWhileQuarantined() throws Exception {
        Fixtures.FakeDevice gpu = new Fixtures.FakeDevice("gpu0", 2);
        Fixtures.FakeDevice cpu = new Fixtures.FakeDevice("cpu0", 1);
        cpu.fallbackOnly = true;
        gpu.failure = new IllegalStateException("CUDA_ERROR_LAUNCH_FAILED");
        LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(gpu, cpu));
        FakeClock clock = clock();
        try (BatchingScheduler scheduler = new BatchingScheduler(GREEDY, List.of(gpu, cpu), clock::nanos)) {
            FeatureBatch rows = tinyRows(5, 3);
            float[] scores = await(scheduler.submit(version, rows, clock.nanos() + 20 * SECOND, Priority.LIVE));
            assertEquals(Fixtures.fakeScore(rows, 4, 1), scores[4 * 2 + 1]);
            assertEquals(1, gpu.calls.get());
            assertEquals(1, cpu.calls.get());
            assertEquals(false, scheduler.stats().deviceHealth().get("gpu0"));

            await(scheduler.submit(version, tinyRows(2, 4), clock.nanos() + 20 * SECOND, Priority.LIVE));
            assertEquals(1, gpu.calls.get(), "a quarantined GPU gets no more batches");
            assertEquals(2, cpu.calls.get(), "with no healthy GPU left the fallback takes new work");
        }
    }

    @Test
    void fallbackDevice_scoresVersionsThatOnlyItRuns() throws Exception {
        Fixtures.FakeDevice gpu = new Fixtures.FakeDevice("gpu0", 1);
        gpu.runs = model -> false;
        Fixtures.FakeDevice cpu = new Fixtures.FakeDevice("cpu0", 1);
        cpu.fallbackOnly = true;
        LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(gpu, cpu));
        try (BatchingScheduler scheduler =
                new BatchingScheduler(SchedulerSettings.defaults(), List.of(gpu, cpu), Ticker.SYSTEM)) {
            await(scheduler.submit(version, tinyRows(2, 1), System.nanoTime() + 20 * SECOND, Priority.LIVE));
            assertEquals(0, gpu.calls.get());
            assertEquals(1, cpu.calls.get());
        }
    }

    @Test
    void submit_shedsWithOverloadWhenTheQueueIsFull() throws Exception {
        Fixtures.FakeDevice device = new Fixtures.FakeDevice("fake0", 1);
        device.gate = new CountDownLatch(1);
        SchedulerSettings settings = new SchedulerSettings(100, Duration.ZERO, 50, 1.2);
        LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(device));
        try (BatchingScheduler scheduler = new BatchingScheduler(settings, List.of(device), Ticker.SYSTEM)) {
            long deadline = System.nanoTime() + 20 * SECOND;
            CompletableFuture<float[]> running = scheduler.submit(version, tinyRows(50, 1), deadline, Priority.LIVE);
            assertTrue(device.awaitEntered());
            CompletableFuture<float[]> queued = scheduler.submit(version, tinyRows(40, 2), deadline, Priority.LIVE);
            CompletableFuture<float[]> refused = scheduler.submit(version, tinyRows(11, 3), deadline, Priority.LIVE);

            assertTrue(refused.isCompletedExceptionally(), "refused at once, not after queueing");
            QueueFullException e = assertInstanceOf(QueueFullException.class, failureOf(refused));
            assertTrue(e.retryAfter().compareTo(Duration.ZERO) > 0);
            device.gate.countDown();
            await(running);
            await(queued);
            assertEquals(1, scheduler.stats().shed());
        }
    }

    @Test
    void submit_jobWhoseDeadlinePassesWhileQueuedIsNeverScored() throws Exception {
        FakeClock clock = new FakeClock(Instant.parse("2025-03-01T12:00:00Z"));
        Fixtures.FakeDevice device = new Fixtures.FakeDevice("fake0", 1);
        device.gate = new CountDownLatch(1);
        SchedulerSettings settings = SchedulerSettings.defaults().withMaxQueueDelay(Duration.ZERO);
        LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(device));
        try (BatchingScheduler scheduler = new BatchingScheduler(settings, List.of(device), clock::nanos)) {
            CompletableFuture<float[]> running =
                    scheduler.submit(version, tinyRows(5, 1), clock.nanos() + 100 * SECOND, Priority.LIVE);
            assertTrue(device.awaitEntered());
            CompletableFuture<float[]> doomed =
                    scheduler.submit(version, tinyRows(5, 2), clock.nanos() + 1_000_000, Priority.LIVE);
            clock.advance(Duration.ofNanos(2_000_000));

            assertInstanceOf(DeadlineExceededException.class, failureOf(doomed));
            device.gate.countDown();
            await(running);
            assertEquals(1, device.calls.get(), "the expired job was never scored");
            assertEquals(1, scheduler.stats().expired());
        }
    }

    @Test
    void updateSettings_appliesToTheNextBatch() throws Exception {
        Fixtures.FakeDevice device = new Fixtures.FakeDevice("fake0", 1);
        SchedulerSettings slow =
                SchedulerSettings.defaults().withMaxQueueDelay(SchedulerSettings.MAX_QUEUE_DELAY_LIMIT);
        LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(device));
        try (BatchingScheduler scheduler = new BatchingScheduler(slow, List.of(device), Ticker.SYSTEM)) {
            CompletableFuture<float[]> waiting =
                    scheduler.submit(version, tinyRows(5, 1), System.nanoTime() + 100 * SECOND, Priority.LIVE);
            Thread.sleep(50);
            assertFalse(waiting.isDone(), "a 5-row job waits for its batch to fill");
            scheduler.updateSettings(slow.withMaxQueueDelay(Duration.ZERO));
            await(waiting);
        }
    }
}
