package adsml.scheduler;

import adsml.platform.features.FeatureBatch;
import adsml.platform.scoring.Scorer;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Merges the rows of concurrent scoring jobs into device batches, scores them on the devices' worker threads and hands
 * each job its own scores.
 *
 * <p>Batches are formed with a {@link BatchFormer} and handed to idle workers (one thread per worker slot of each
 * device, named {@code adsml-<device>-w<i>}) by a dispatcher thread, or by a worker that just finished one, which
 * spares two thread wake-ups per batch under load. Batches are formed only when a worker is free, so work waits in the
 * former's queues, where priorities, merging and deadlines still apply, never in a device's backlog. Each worker reuses
 * its input FeatureBatch and output array from batch to batch.
 *
 * <p>When a scorer throws, its device is marked unhealthy (for the scheduler's lifetime) and the batch is retried on
 * another healthy device; when none is left, its jobs fail with the error. A {@linkplain Device#fallbackOnly()
 * fallback-only} device (the CPU behind GPUs) takes only such retries, and the work of versions that no other healthy
 * device can score.
 *
 * <p>The scheduler does not own its devices or versions: close it first, then the versions, then the devices.
 */
public final class BatchingScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchingScheduler.class);
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
    private static final long AWAKE = Long.MIN_VALUE;
    private static final Work STOP = new Work(null);

    private final Ticker ticker;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final BatchFormer former;
    private final List<DeviceSlot> slots = new ArrayList<>();
    private final List<Worker> workers = new ArrayList<>();
    private final ArrayDeque<Work> retries = new ArrayDeque<>();
    private final Thread dispatcher;
    private volatile SchedulerSettings settings;
    private boolean running = true;
    private long wakeAt = AWAKE;

    private long submitted;
    private long batches;
    private long rowsScored;
    private long shed;
    private long retryExpired;
    private long failed;
    private final long[] histogram = new long[SchedulerStats.HISTOGRAM_BUCKETS];

    public BatchingScheduler(SchedulerSettings settings, List<Device> devices, Ticker ticker) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.ticker = Objects.requireNonNull(ticker, "ticker");
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("devices must not be empty");
        }
        Set<String> names = new HashSet<>();
        int parallelism = 0;
        for (Device device : devices) {
            if (!names.add(device.name())) {
                throw new IllegalArgumentException("device names must be unique; '" + device.name() + "' repeats");
            }
            if (device.workers() < 1) {
                throw new IllegalArgumentException(device.name() + ": workers must be >= 1, was " + device.workers());
            }
            DeviceSlot slot = new DeviceSlot(device);
            slots.add(slot);
            for (int i = 0; i < device.workers(); i++) {
                Worker worker = new Worker(slot, "adsml-" + device.name() + "-w" + i);
                workers.add(worker);
                slot.idle.addLast(worker);
            }
            parallelism += device.workers();
        }
        this.former = new BatchFormer(settings, parallelism);
        this.dispatcher = new Thread(this::dispatchLoop, "adsml-scheduler-dispatcher");
        dispatcher.setDaemon(true);
        for (Worker worker : workers) {
            worker.thread.start();
        }
        dispatcher.start();
    }

    /**
     * Queues {@code rows} for scoring with {@code version}, to be done by {@code deadlineNanos} (on the ticker's
     * clock). The future completes with row-major {@code [rows, heads]} calibrated probabilities for exactly these
     * rows, or exceptionally with {@link QueueFullException} or {@link DeadlineUnreachableException} (refused at once,
     * both {@link OverloadException}s), {@link DeadlineExceededException} (expired while queued, never scored),
     * {@link VersionRetiredException}, {@link NoHealthyDeviceException} (no healthy device holds the version, or the
     * batch failed on each that does; the last device's error is its cause), all {@link UnavailableException}s;
     * {@link IllegalArgumentException} (bad shape or ids), or {@link RejectedExecutionException} once the scheduler is
     * closed. Nothing is thrown.
     *
     * <p>The rows are copied into a device batch when the batch is formed, so the caller must not change or reuse
     * {@code rows} until the future is done.
     */
    public CompletableFuture<float[]> submit(
            LoadedVersion version, FeatureBatch rows, long deadlineNanos, Priority priority) {
        Job job;
        try {
            job = new Job(version, rows, deadlineNanos, priority);
        } catch (RuntimeException e) {
            return CompletableFuture.failedFuture(e);
        }
        lock.lock();
        try {
            if (!running) {
                job.fail(new RejectedExecutionException("the scheduler is closed"));
                return job.result();
            }
            if (!anyHealthyDeviceFor(version, List.of())) {
                failed++;
                job.fail(noDevice(version, null));
                return job.result();
            }
            long now = ticker.nanos();
            try {
                former.offer(job, now);
                submitted++;
            } catch (OverloadException e) {
                shed++;
                return job.result();
            } catch (RuntimeException e) {
                return job.result();
            }
            if (dispatcherWaitsPast(now)) {
                wake.signal();
            }
        } finally {
            lock.unlock();
        }
        return job.result();
    }

    /** Applies new settings from the next admission and the next batch. */
    public void updateSettings(SchedulerSettings newSettings) {
        Objects.requireNonNull(newSettings, "settings");
        lock.lock();
        try {
            settings = newSettings;
            former.updateSettings(newSettings);
            wake.signal();
        } finally {
            lock.unlock();
        }
    }

    public SchedulerSettings settings() {
        return settings;
    }

    public SchedulerStats stats() {
        lock.lock();
        try {
            Map<String, Boolean> health = new LinkedHashMap<>();
            for (DeviceSlot slot : slots) {
                health.put(slot.device.name(), slot.healthy());
            }
            return new SchedulerStats(
                    former.queuedRows(),
                    submitted,
                    batches,
                    rowsScored,
                    shed,
                    former.expiredCount() + retryExpired,
                    failed,
                    histogram,
                    former.queueDelayNanos(),
                    former.queueDelayCount(),
                    health);
        } finally {
            lock.unlock();
        }
    }

    /**
     * Stops taking work: queued jobs fail with {@link RejectedExecutionException}, batches in flight finish, then the
     * threads end.
     */
    @Override
    public void close() {
        lock.lock();
        try {
            if (!running) {
                return;
            }
            running = false;
            RejectedExecutionException closed = new RejectedExecutionException("the scheduler is closed");
            former.drain(closed);
            for (Work work : retries) {
                work.batch.fail(closed);
                work.batch.release();
            }
            retries.clear();
            wake.signalAll();
        } finally {
            lock.unlock();
        }
        join(dispatcher);
        for (Worker worker : workers) {
            worker.inbox.offer(STOP);
        }
        for (Worker worker : workers) {
            join(worker.thread);
        }
    }

    private static void join(Thread thread) {
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    // ---- dispatcher (runs holding the lock, except while parked) ----

    private void dispatchLoop() {
        lock.lock();
        try {
            while (running) {
                long now = ticker.nanos();
                boolean canRun = dispatchDue(now);
                park(now, canRun ? former.nextDeadline(now) : former.nextExpiry());
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fails what expired, hands out retries, then every batch that is due while a worker is idle; returns whether a
     * worker is still idle and no retry waits (then the next batch is due at {@code former.nextDeadline}, else nothing
     * can start before a worker finishes).
     */
    private boolean dispatchDue(long now) {
        former.expire(now);
        dispatchRetries(now);
        // Retries go first: new batches would take the workers they wait for.
        while (retries.isEmpty() && hasIdleHealthyWorker()) {
            Batch batch = former.poll(now);
            if (batch == null) {
                return true;
            }
            dispatch(new Work(batch));
        }
        return false;
    }

    private void park(long now, long until) {
        long nanos = until == Long.MAX_VALUE ? MAX_PARK_NANOS : Math.min(MAX_PARK_NANOS, until - now);
        nanos = Math.max(nanos, MIN_PARK_NANOS);
        wakeAt = now + nanos;
        try {
            wake.awaitNanos(nanos);
        } catch (InterruptedException e) {
            running = false;
            Thread.currentThread().interrupt();
        } finally {
            wakeAt = AWAKE;
        }
    }

    /** Whether the parked dispatcher would sleep past something that a submission or a finished batch just made due. */
    private boolean dispatcherWaitsPast(long now) {
        if (wakeAt == AWAKE) {
            return false;
        }
        long due = retries.isEmpty() && hasIdleHealthyWorker() ? former.nextDeadline(now) : former.nextExpiry();
        return due < wakeAt;
    }

    private void dispatchRetries(long now) {
        for (int n = retries.size(); n > 0; n--) {
            Work work = retries.pollFirst();
            for (Batch.Slice slice : work.batch.slices()) {
                Job job = slice.job();
                if (!job.isDone() && job.deadlineNanos() <= now) {
                    retryExpired++;
                    job.fail(new DeadlineExceededException("deadline passed while the batch awaited a retry after "
                            + "a device error; " + job.rows() + " rows unscored"));
                }
            }
            if (work.batch.allJobsDone()) {
                work.batch.release();
                continue;
            }
            dispatch(work);
        }
    }

    /** Hands {@code work} to an idle worker that may take it, queues it for a busy one, or fails it. */
    private void dispatch(Work work) {
        LoadedVersion version = work.batch.version();
        boolean fallbackMayTake = !work.tried.isEmpty() || !anyHealthyPrimaryFor(version);
        for (DeviceSlot slot : slots) {
            if (!slot.idle.isEmpty()
                    && slot.healthy()
                    && !work.tried.contains(slot)
                    && version.isLoadedOn(slot.device)
                    && (fallbackMayTake || !slot.device.fallbackOnly())) {
                slot.idle.pollFirst().inbox.add(work);
                return;
            }
        }
        if (anyHealthyDeviceFor(version, work.tried)) {
            retries.addLast(work);
            return;
        }
        Throwable error = noDevice(version, work.lastError);
        for (Batch.Slice slice : work.batch.slices()) {
            if (!slice.job().isDone()) {
                failed++;
            }
        }
        work.batch.fail(error);
        work.batch.release();
    }

    /**
     * Whether a worker could take a new batch now; an idle fallback-only device counts only when no other device is
     * healthy.
     */
    private boolean hasIdleHealthyWorker() {
        boolean primaryHealthy = false;
        for (DeviceSlot slot : slots) {
            primaryHealthy |= slot.healthy() && !slot.device.fallbackOnly();
        }
        for (DeviceSlot slot : slots) {
            if (!slot.idle.isEmpty() && slot.healthy() && (!primaryHealthy || !slot.device.fallbackOnly())) {
                return true;
            }
        }
        return false;
    }

    private boolean anyHealthyPrimaryFor(LoadedVersion version) {
        for (DeviceSlot slot : slots) {
            if (slot.healthy() && !slot.device.fallbackOnly() && version.isLoadedOn(slot.device)) {
                return true;
            }
        }
        return false;
    }

    private boolean anyHealthyDeviceFor(LoadedVersion version, List<DeviceSlot> excluded) {
        for (DeviceSlot slot : slots) {
            if (slot.healthy() && !excluded.contains(slot) && version.isLoadedOn(slot.device)) {
                return true;
            }
        }
        return false;
    }

    private static NoHealthyDeviceException noDevice(LoadedVersion version, Throwable lastError) {
        return new NoHealthyDeviceException(version.id(), lastError);
    }

    // ---- workers ----

    /** Counts a batch a worker scored in {@code nanos}, holding no lock. */
    private void scored(Batch batch, long nanos) {
        lock.lock();
        try {
            batches++;
            rowsScored += batch.rows();
            histogram[SchedulerStats.bucket(batch.rows())]++;
            former.recordService(batch.rows(), nanos);
        } finally {
            lock.unlock();
        }
    }

    /** Called by a worker after its batch (scored, skipped or failed with {@code error}), holding no lock. */
    private void finished(Worker worker, Work work, Throwable error) {
        Batch batch = work.batch;
        boolean releaseNow = false;
        lock.lock();
        try {
            if (error == null) {
                releaseNow = true;
            } else {
                worker.slot.failure = error;
                work.tried.add(worker.slot);
                work.lastError = error;
                if (running) {
                    retries.addLast(work);
                } else {
                    batch.fail(error);
                    releaseNow = true;
                }
            }
            // First in line: an idle worker that was just busy has warm caches and is not parked.
            worker.slot.idle.addFirst(worker);
            if (running) {
                // The next batch, if one is due, goes out from here; with one device (or the first
                // device that may take it being this worker's) to this worker, which then finds it in
                // its inbox without parking. Under load, waking the dispatcher for it, which then woke
                // this worker, was two thread switches per batch.
                long now = ticker.nanos();
                dispatchDue(now);
                if (dispatcherWaitsPast(now)) {
                    wake.signal();
                }
            } else {
                wake.signal();
            }
        } finally {
            lock.unlock();
        }
        if (error != null) {
            // Once per failed batch, here where it happens: every request of the batch then fails or is retried
            // elsewhere, and the HTTP edge answers them without the device's error.
            LOG.warn(
                    "{} failed a batch of {} rows and takes no more batches",
                    worker.slot.device.name(),
                    batch.rows(),
                    error);
        }
        if (releaseNow) {
            batch.release();
        }
    }

    private static final class DeviceSlot {
        final Device device;
        final ArrayDeque<Worker> idle = new ArrayDeque<>();
        volatile Throwable failure;

        DeviceSlot(Device device) {
            this.device = device;
        }

        boolean healthy() {
            return failure == null && device.healthy();
        }
    }

    /** A batch on its way to a device, with the devices that already failed it. */
    private static final class Work {
        final Batch batch;
        final List<DeviceSlot> tried = new ArrayList<>(2);
        Throwable lastError;

        Work(Batch batch) {
            this.batch = batch;
        }
    }

    private final class Worker implements Runnable {
        final DeviceSlot slot;
        final Thread thread;
        final BlockingQueue<Work> inbox = new ArrayBlockingQueue<>(1);
        private FeatureBatch input;
        private float[] output = new float[0];

        Worker(DeviceSlot slot, String name) {
            this.slot = slot;
            this.thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            while (true) {
                Work work;
                try {
                    work = inbox.take();
                } catch (InterruptedException e) {
                    return;
                }
                if (work == STOP) {
                    return;
                }
                score(work);
            }
        }

        private void score(Work work) {
            Batch batch = work.batch;
            if (batch.allJobsDone()) {
                // Every job expired or was cancelled since the batch formed: nothing worth scoring.
                finished(this, work, null);
                return;
            }
            Throwable error = null;
            long start = ticker.nanos();
            try {
                Scorer scorer = batch.version().scorer(slot.device);
                FeatureBatch in = inputFor(batch);
                batch.copyInto(in);
                scorer.score(in, outputFor(batch));
            } catch (Throwable t) {
                error = t;
            }
            long nanos = ticker.nanos() - start;
            try {
                if (error == null) {
                    // Counted before the callers hear of it: a caller that then reads stats() sees its batch.
                    scored(batch, Math.max(0, nanos));
                    batch.deliver(output);
                }
            } finally {
                // Even if delivering threw: the worker goes back to idle and the batch is released.
                finished(this, work, error);
            }
        }

        /** The worker's input buffer, reallocated only when a batch needs another shape or more rows. */
        private FeatureBatch inputFor(Batch batch) {
            var schema = batch.version().spec().schema();
            if (input == null
                    || input.sparseSlots() != schema.sparseSlots()
                    || input.denseDims() != schema.denseDims()
                    || input.capacity() < batch.rows()) {
                input = FeatureBatch.forSchema(schema, Math.max(batch.rows(), settings.maxBatchRows()));
            }
            return input;
        }

        private float[] outputFor(Batch batch) {
            int needed = batch.rows() * batch.version().spec().heads().size();
            if (output.length < needed) {
                int heads = batch.version().spec().heads().size();
                output = new float[Math.max(needed, settings.maxBatchRows() * heads)];
            }
            return output;
        }
    }
}
