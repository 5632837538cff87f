package adsml.scheduler;

import static adsml.scheduler.Fixtures.tinyRows;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.features.FeatureBatch;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class BatchFormerTest {
    private static final long MS = 1_000_000L;
    private static final long FAR = 10_000 * MS;

    private final SchedulerSettings settings = new SchedulerSettings(100, Duration.ofMillis(2), 1000, 1.2);
    private LoadedVersion v1;
    private LoadedVersion v2;
    private BatchFormer former;

    @BeforeEach
    void setUp() {
        Fixtures.FakeDevice device = new Fixtures.FakeDevice("fake0", 1);
        v1 = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(device));
        v2 = LoadedVersion.load(Fixtures.tinyModel("2"), List.of(device));
        former = new BatchFormer(settings, 1);
    }

    private Job job(LoadedVersion version, int rows, Priority priority) {
        return new Job(version, tinyRows(rows, rows), FAR, priority);
    }

    private static int[] sliceRows(Batch batch) {
        return batch.slices().stream().mapToInt(Batch.Slice::rows).toArray();
    }

    @Test
    void poll_waitsForQueueDelayBeforeBatching() {
        former.offer(job(v1, 10, Priority.LIVE), 0);
        former.offer(job(v1, 5, Priority.LIVE), MS);

        assertNull(former.poll(2 * MS - 1));
        assertEquals(2 * MS, former.nextDeadline(0));
        Batch batch = former.poll(2 * MS);
        assertNotNull(batch);
        assertEquals(15, batch.rows());
        assertEquals(0, former.queuedRows());
        assertNull(former.poll(100 * MS));
    }

    @Test
    void poll_batchesAtOnceWhenFull() {
        Job a = job(v1, 60, Priority.LIVE);
        Job b = job(v1, 60, Priority.LIVE);
        former.offer(a, 0);
        assertNull(former.poll(0));
        former.offer(b, 0);

        assertEquals(0, former.nextDeadline(0));
        Batch batch = former.poll(0);
        assertEquals(100, batch.rows());
        assertArrayEquals(new int[] {60, 40}, sliceRows(batch));
        assertEquals(20, former.queuedRows());
        assertNull(former.poll(0), "the 20 rows left wait for the delay");
        Batch rest = former.poll(2 * MS);
        assertEquals(b, rest.slices().get(0).job());
        assertEquals(40, rest.slices().get(0).from());
    }

    @Test
    void poll_takesLiveBeforeShadow() {
        Job shadow = job(v1, 80, Priority.SHADOW);
        Job live = job(v1, 30, Priority.LIVE);
        former.offer(shadow, 0);
        former.offer(live, MS);

        Batch batch = former.poll(0);
        assertEquals(live, batch.slices().get(0).job(), "live rows lead even though the shadow job came first");
        assertEquals(shadow, batch.slices().get(1).job());
        assertArrayEquals(new int[] {30, 70}, sliceRows(batch));
    }

    @Test
    void poll_prefersAVersionWithLiveWorkOverShadowOnlyVersion() {
        former.offer(job(v2, 10, Priority.SHADOW), 0);
        former.offer(job(v1, 10, Priority.LIVE), MS);

        Batch first = former.poll(5 * MS);
        assertEquals(v1, first.version());
        assertEquals(v2, former.poll(5 * MS).version());
    }

    @Test
    void poll_neverMixesVersionsInABatch() {
        Job a = job(v1, 10, Priority.LIVE);
        Job b = job(v2, 10, Priority.LIVE);
        Job c = job(v1, 10, Priority.LIVE);
        former.offer(a, 0);
        former.offer(b, 0);
        former.offer(c, 0);

        Batch first = former.poll(2 * MS);
        Batch second = former.poll(2 * MS);
        assertEquals(v1, first.version());
        assertEquals(
                List.of(a, c), first.slices().stream().map(Batch.Slice::job).toList());
        assertEquals(v2, second.version());
        assertEquals(List.of(b), second.slices().stream().map(Batch.Slice::job).toList());
        assertNull(former.poll(2 * MS));
    }

    @Test
    void poll_dropsExpiredJobsUnscored() {
        Job expiring = new Job(v1, tinyRows(10, 1), 3 * MS, Priority.LIVE);
        Job fine = job(v1, 10, Priority.LIVE);
        former.offer(expiring, 0);
        former.offer(fine, 0);

        Batch batch = former.poll(3 * MS);
        assertEquals(
                List.of(fine), batch.slices().stream().map(Batch.Slice::job).toList());
        assertTrue(expiring.result().isCompletedExceptionally());
        CompletionException e =
                assertThrows(CompletionException.class, () -> expiring.result().join());
        assertInstanceOf(DeadlineExceededException.class, e.getCause());
        assertEquals(1, former.expiredCount());
        assertEquals(0, former.queuedRows());
    }

    @Test
    void poll_splitsJobLargerThanMaxBatchRowsAndAssemblesItsScores() {
        FeatureBatch rows = tinyRows(250, 3);
        Job big = new Job(v1, rows, FAR, Priority.LIVE);
        former.offer(big, 0);

        Batch first = former.poll(0);
        Batch second = former.poll(0);
        assertNull(former.poll(0), "the last 50 rows are not a full batch");
        Batch third = former.poll(2 * MS);
        assertEquals(List.of(100, 100, 50), List.of(first.rows(), second.rows(), third.rows()));

        // Deliver out of order, as two workers might.
        for (Batch batch : List.of(third, first, second)) {
            assertFalse(big.isDone());
            float[] scores = new float[batch.rows() * 2];
            Batch.Slice slice = batch.slices().get(0);
            for (int r = 0; r < slice.rows(); r++) {
                for (int h = 0; h < 2; h++) {
                    scores[r * 2 + h] = Fixtures.fakeScore(rows, slice.from() + r, h);
                }
            }
            batch.deliver(scores);
        }
        float[] out = big.result().join();
        assertEquals(500, out.length);
        for (int r = 0; r < 250; r++) {
            assertEquals(Fixtures.fakeScore(rows, r, 1), out[r * 2 + 1]);
        }
    }

    @Test
    void offer_refusesWhenQueueFull() {
        former.offer(job(v1, 900, Priority.LIVE), 0);
        Job refused = job(v1, 101, Priority.LIVE);

        QueueFullException e = assertThrows(QueueFullException.class, () -> former.offer(refused, 0));
        assertInstanceOf(OverloadException.class, e);
        assertTrue(e.retryAfter().toNanos() > 0);
        assertTrue(refused.result().isCompletedExceptionally());
        former.offer(job(v1, 100, Priority.LIVE), 0);
        assertEquals(1000, former.queuedRows());
    }

    @Test
    void offer_capsShadowWorkAtHalfTheQueue() {
        former.offer(job(v1, 400, Priority.LIVE), 0);
        assertThrows(QueueFullException.class, () -> former.offer(job(v1, 101, Priority.SHADOW), 0));
        former.offer(job(v1, 100, Priority.SHADOW), 0);
        former.offer(job(v1, 500, Priority.LIVE), 0);
    }

    @Test
    void offer_refusesJobLargerThanTheQueue() {
        assertThrows(IllegalArgumentException.class, () -> former.offer(job(v1, 1001, Priority.LIVE), 0));
    }

    @Test
    void offer_refusesUnreachableDeadlineOnceEstimateIsLearned() {
        // 100 rows, 10 ms left: without an estimate only the 2 ms batching delay counts.
        former.offer(new Job(v1, tinyRows(100, 1), 10 * MS, Priority.LIVE), 0);
        former.poll(0);

        for (int i = 0; i < 5; i++) {
            former.recordService(100, 20 * MS);
        }
        former.offer(new Job(v1, tinyRows(10, 1), 1000 * MS, Priority.LIVE), 0);
        Job late = new Job(v1, tinyRows(100, 1), 10 * MS, Priority.LIVE);
        DeadlineUnreachableException e = assertThrows(DeadlineUnreachableException.class, () -> former.offer(late, 0));
        assertInstanceOf(OverloadException.class, e);
        assertTrue(late.result().isCompletedExceptionally());
        // The same job with time to spare is admitted behind the queued one.
        former.offer(new Job(v1, tinyRows(100, 1), 100 * MS, Priority.LIVE), 0);
    }

    @Test
    void offer_admitsWhenNothingIsAhead_evenIfTheEstimateSaysLate() {
        // A slow first batch must not shed every later request: with an empty queue the job runs
        // next anyway, and its batch corrects the estimate.
        for (int i = 0; i < 5; i++) {
            former.recordService(100, 1000 * MS);
        }
        Job job = new Job(v1, tinyRows(100, 1), 10 * MS, Priority.LIVE);
        former.offer(job, 0);
        assertFalse(job.result().isDone());
    }

    @Test
    void offer_refusesDeadlineAlreadyPassed() {
        assertThrows(
                DeadlineUnreachableException.class,
                () -> former.offer(new Job(v1, tinyRows(1, 1), 5 * MS, Priority.LIVE), 5 * MS));
    }

    @Test
    void recordService_learnsPerBatchAndPerRowCost() {
        assertEquals(0, former.estimateServiceNanos(100));
        for (int i = 0; i < 20; i++) {
            former.recordService(100, 1 * MS + 100 * 10_000L);
            former.recordService(400, 1 * MS + 400 * 10_000L);
        }
        assertEquals(1 * MS + 200 * 10_000L, former.estimateServiceNanos(200), 0.02 * MS);
    }

    @Test
    void updateSettings_changesBatchSizeAndDelay() {
        former.offer(job(v1, 60, Priority.LIVE), 0);
        assertNull(former.poll(0));

        former.updateSettings(settings.withMaxBatchRows(50));
        Batch full = former.poll(0);
        assertEquals(50, full.rows());

        former.updateSettings(settings.withMaxQueueDelay(Duration.ofMillis(10)));
        assertNull(former.poll(5 * MS));
        assertEquals(10, former.poll(10 * MS).rows());
    }

    @Test
    void job_rejectsWrongShapeAndIdsOutsideTheirSlot() {
        assertThrows(IllegalArgumentException.class, () -> new Job(v1, new FeatureBatch(1, 3, 1), FAR, Priority.LIVE));
        FeatureBatch bad = tinyRows(2, 1);
        bad.sparse()[3] = 2; // row 1, slot b owns rows [10, 15)
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> new Job(v1, bad, FAR, Priority.LIVE));
        assertTrue(e.getMessage().contains("row 1, slot b"), e.getMessage());
        bad.sparse()[3] = 15; // one past the slot's last row
        e = assertThrows(IllegalArgumentException.class, () -> new Job(v1, bad, FAR, Priority.LIVE));
        assertTrue(e.getMessage().contains("row 1, slot b: id 15"), e.getMessage());
        bad.sparse()[3] = 14; // the slot's last row
        new Job(v1, bad, FAR, Priority.LIVE).fail(new IllegalStateException("not scored in this test"));
    }

    @Test
    void settings_nameTheInvalidField() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> SchedulerSettings.defaults().withMaxQueuedRows(0));
        assertTrue(e.getMessage().startsWith("maxQueuedRows"), e.getMessage());
        e = assertThrows(
                IllegalArgumentException.class,
                () -> SchedulerSettings.defaults().withServiceTimeSafety(0.5));
        assertTrue(e.getMessage().startsWith("serviceTimeSafety"), e.getMessage());
    }
}
