package adsml.scheduler;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.RandomFeatures;
import adsml.platform.scoring.Scorer;
import java.time.Duration;
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
 * <p>A {@linkplain Device#fallbackOnly() fallback-only} device (the CPU behind GPUs) takes only batches that another
 * device failed, and the work of versions that no other healthy device can score.
 *
 * <p><b>Faults last no longer than their cause.</b> Each device has a {@link CircuitBreaker}. A batch that fails on a
 * device opens it: the device is quarantined (it takes no work) and the batch is retried on another healthy device that
 * holds its version, or, when none is left, its jobs fail at once with {@link NoHealthyDeviceException}, whose
 * {@code retryAfter} is the time until the next probe. When the backoff is up ({@link FaultSettings}), one of the
 * device's workers scores a small probe batch of random rows with a version loaded on it (the version whose batch
 * failed, while it is still served): finite probabilities close the breaker, and the device is back in service; a
 * failure opens it again for twice as long. Probes run on the quarantined device's own worker, never on a caller's
 * thread, and never hold back another device's batches. A device that reports itself unhealthy
 * ({@link Device#healthy()}: a GPU whose CUDA context saw a sticky error) is quarantined too, and when its backoff is
 * up its worker first asks it to {@linkplain Device#recover() recover} (a GPU rebuilds its context), then probes it: a
 * device that does not recover, or fails the probe, stays out for twice as long.
 *
 * <p><b>Device fault or version fault.</b> A failed batch is the device's fault unless it is shown to be its version's:
 *
 * <ul>
 *   <li>A {@link DeviceFaultException} (a CUDA error), an {@link Error}, or a device that reports itself unhealthy
 *       afterwards: the device's.
 *   <li>Any other exception from a version's scorer is the version's when the batch is shadow work only (its golden
 *       batch while it loads), when the version was already found faulty, or when the same worker, at once, scores the
 *       probe batch with another version loaded on the device and that passes. Otherwise (the other version fails too,
 *       or the device holds no other) it is the device's.
 *   <li>Scores outside [0, 1] or not finite are always the version's: a whole batch of them, or more than
 *       {@link FaultSettings#maxInvalidScoreFraction()} of a window of the version's rows. Those scores are still
 *       delivered (the auction ignores them).
 * </ul>
 *
 * A version's fault leaves the device in service for every other version: the batch's jobs fail with
 * {@link VersionFaultException} (a thrown error) and the version reports it through {@link LoadedVersion#whenFaulty()},
 * once, for the model registry to roll back from it.
 *
 * <p>The scheduler does not own its devices or versions: close it first, then the versions, then the devices.
 */
public final class BatchingScheduler implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(BatchingScheduler.class);
    private static final long MAX_PARK_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
    private static final long MIN_PARK_NANOS = TimeUnit.MICROSECONDS.toNanos(20);
    private static final long AWAKE = Long.MIN_VALUE;
    private static final int PROBE_ROWS = 8;
    private static final long PROBE_SEED = 20261126L;

    private final Ticker ticker;
    private final FaultSettings faults;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition wake = lock.newCondition();
    private final BatchFormer former;
    private final List<DeviceSlot> slots = new ArrayList<>();
    private final List<Worker> workers = new ArrayList<>();
    private final ArrayDeque<Work> retries = new ArrayDeque<>();
    // The versions batches were formed for, most recent last: what a device is probed with.
    private final List<LoadedVersion> versions = new ArrayList<>();
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

    /** A scheduler with the default {@link FaultSettings}. */
    public BatchingScheduler(SchedulerSettings settings, List<Device> devices, Ticker ticker) {
        this(settings, FaultSettings.defaults(), devices, ticker);
    }

    public BatchingScheduler(SchedulerSettings settings, FaultSettings faults, List<Device> devices, Ticker ticker) {
        this.settings = Objects.requireNonNull(settings, "settings");
        this.faults = Objects.requireNonNull(faults, "faults");
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
            DeviceSlot slot = new DeviceSlot(device, new CircuitBreaker(faults.initialBackoff(), faults.maxBackoff()));
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
     * batch failed on each that does; the last device's error is its cause), {@link VersionFaultException} (the
     * version's scorer failed the batch), all {@link UnavailableException}s; {@link IllegalArgumentException} (bad
     * shape or ids), or {@link RejectedExecutionException} once the scheduler is closed. Nothing is thrown.
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
            long now = ticker.nanos();
            if (!anyHealthyDeviceFor(version, List.of())) {
                failed++;
                job.fail(noDevice(version, null, now));
                return job.result();
            }
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
            worker.inbox.offer(Stop.INSTANCE);
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
                park(now, Math.min(canRun ? former.nextDeadline(now) : former.nextExpiry(), nextProbeAt()));
            }
        } finally {
            lock.unlock();
        }
    }

    /**
     * Fails what expired, starts the probes that are due, hands out retries, then every batch that is due while a
     * worker is idle; returns whether a worker is still idle and no retry waits (then the next batch is due at
     * {@code former.nextDeadline}, else nothing can start before a worker finishes).
     */
    private boolean dispatchDue(long now) {
        former.expire(now);
        startProbes(now);
        dispatchRetries(now);
        // Retries go first: new batches would take the workers they wait for.
        while (retries.isEmpty() && hasIdleHealthyWorker()) {
            Batch batch = former.poll(now);
            if (batch == null) {
                return true;
            }
            noteVersion(batch.version());
            dispatch(new Work(batch), now);
        }
        return false;
    }

    /** Hands a probe to an idle worker of each quarantined device whose backoff is up. */
    private void startProbes(long now) {
        for (DeviceSlot slot : slots) {
            if (slot.breaker.isClosed() && !slot.device.healthy()) {
                // Broken without a batch failing on it (a load that failed): quarantined, so that it is recovered.
                slot.breaker.fail(now);
            }
            if (slot.idle.isEmpty() || !slot.breaker.probeDue(now)) {
                continue;
            }
            LoadedVersion version = acquireProbeVersion(slot, slot.suspect, null);
            if (version == null && slot.device.healthy()) {
                // No version left on it to probe with: the next version loaded on it is checked by its golden batch.
                slot.breaker.close();
                slot.suspect = null;
                LOG.info("{} is back in service: no version is loaded on it to probe it with", slot.device.name());
                continue;
            }
            slot.breaker.probing();
            // With no version to probe with, an unhealthy device's probe is its recovery alone.
            slot.idle.pollFirst().inbox.add(new Probe(version));
        }
    }

    /** The earliest time a probe is due on a device with an idle worker; {@link Long#MAX_VALUE} when none is. */
    private long nextProbeAt() {
        long next = Long.MAX_VALUE;
        for (DeviceSlot slot : slots) {
            if (slot.breaker.state() == CircuitBreaker.State.OPEN && !slot.idle.isEmpty()) {
                next = Math.min(next, slot.breaker.probeAtNanos());
            }
        }
        return next;
    }

    /** Remembers {@code version} as the most recent one batched, for probes. */
    private void noteVersion(LoadedVersion version) {
        int last = versions.size() - 1;
        if (last >= 0 && versions.get(last) == version) {
            return;
        }
        if (!versions.remove(version)) {
            // Only when a new version arrives: the list stays as short as the versions loaded.
            versions.removeIf(LoadedVersion::isReleased);
        }
        versions.add(version);
    }

    /**
     * A version loaded on {@code slot}'s device to probe it with, a reference taken for the probe: {@code preferred}
     * when it is still served, else the one most recently batched; never {@code excluded} nor a faulty one. Null when
     * there is none.
     */
    private LoadedVersion acquireProbeVersion(DeviceSlot slot, LoadedVersion preferred, LoadedVersion excluded) {
        if (preferred != null && acquireForProbe(preferred, slot, excluded)) {
            return preferred;
        }
        for (int i = versions.size() - 1; i >= 0; i--) {
            LoadedVersion version = versions.get(i);
            if (version != preferred && acquireForProbe(version, slot, excluded)) {
                return version;
            }
        }
        return null;
    }

    private static boolean acquireForProbe(LoadedVersion version, DeviceSlot slot, LoadedVersion excluded) {
        if (version == excluded || version.fault().isPresent() || !version.isLoadedOn(slot.device)) {
            return false;
        }
        try {
            version.acquire();
            return true;
        } catch (VersionRetiredException e) {
            return false;
        }
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
        return Math.min(due, nextProbeAt()) < wakeAt;
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
            dispatch(work, now);
        }
    }

    /** Hands {@code work} to an idle worker that may take it, queues it for a busy one, or fails it. */
    private void dispatch(Work work, long now) {
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
        Throwable error = noDevice(version, work.lastError, now);
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

    private NoHealthyDeviceException noDevice(LoadedVersion version, Throwable lastError, long now) {
        return new NoHealthyDeviceException(version.id(), untilProbe(version, now), lastError);
    }

    /**
     * How long until a device that holds {@code version} may take work again: the soonest probe of a quarantined one;
     * the longest backoff when every such device is out for good.
     */
    private Duration untilProbe(LoadedVersion version, long now) {
        long soonest = Long.MAX_VALUE;
        for (DeviceSlot slot : slots) {
            if (version.isLoadedOn(slot.device) && slot.device.healthy()) {
                soonest = Math.min(soonest, slot.breaker.nanosUntilProbe(now));
            }
        }
        return soonest == Long.MAX_VALUE ? faults.maxBackoff() : Duration.ofNanos(soonest);
    }

    // ---- workers ----

    /**
     * Counts a batch a worker scored in {@code nanos}, {@code invalidRows} of whose rows scored invalid, holding no
     * lock.
     */
    private void scored(DeviceSlot slot, Batch batch, long nanos, int invalidRows) {
        String fault;
        lock.lock();
        try {
            batches++;
            rowsScored += batch.rows();
            histogram[SchedulerStats.bucket(batch.rows())]++;
            former.recordService(batch.rows(), nanos);
            slot.breaker.scored();
            fault = batch.version().invalidScores.record(batch.rows(), invalidRows, faults);
        } finally {
            lock.unlock();
        }
        if (fault != null && batch.version().reportFault(fault)) {
            LOG.warn("{} is faulty: {}", batch.version().id(), fault);
        }
    }

    /**
     * Called by a worker after its batch (scored, skipped, or failed with {@code error}, the version's fault or the
     * device's), holding no lock.
     */
    private void finished(Worker worker, Work work, Throwable error, boolean versionFault) {
        Batch batch = work.batch;
        DeviceSlot slot = worker.slot;
        boolean releaseNow = false;
        boolean firstFault = false;
        Duration quarantine = null;
        lock.lock();
        try {
            if (error == null) {
                releaseNow = true;
            } else if (versionFault) {
                for (Batch.Slice slice : batch.slices()) {
                    if (!slice.job().isDone()) {
                        failed++;
                    }
                }
                firstFault = batch.version()
                        .reportFault("its scorer failed a batch on " + slot.device.name() + ": " + error);
                batch.fail(new VersionFaultException(batch.version().id(), error));
                releaseNow = true;
            } else {
                slot.breaker.fail(ticker.nanos());
                quarantine = slot.breaker.backoff();
                slot.suspect = batch.version();
                work.tried.add(slot);
                work.lastError = error;
                if (running) {
                    retries.addLast(work);
                } else {
                    batch.fail(error);
                    releaseNow = true;
                }
            }
            backToIdle(worker);
        } finally {
            lock.unlock();
        }
        // Once per fault, here where it happens: every request of the batch then fails or is retried elsewhere, and
        // the HTTP edge answers them without the error.
        if (quarantine != null) {
            LOG.warn(
                    "{} failed a batch of {} rows of {} and is quarantined for {} ms",
                    slot.device.name(),
                    batch.rows(),
                    batch.version().id(),
                    quarantine.toMillis(),
                    error);
        } else if (firstFault) {
            LOG.warn(
                    "{} failed a batch of {} rows on {}, which scores other versions: the version is faulty",
                    batch.version().id(),
                    batch.rows(),
                    slot.device.name(),
                    error);
        }
        if (releaseNow) {
            batch.release();
        }
    }

    /** Called by a worker after probing its device with {@code probe}'s version, holding no lock. */
    private void probed(Worker worker, Probe probe, Throwable error) {
        DeviceSlot slot = worker.slot;
        Duration quarantine = null;
        lock.lock();
        try {
            if (error == null) {
                slot.breaker.close();
                slot.suspect = null;
            } else {
                slot.breaker.fail(ticker.nanos());
                quarantine = slot.breaker.backoff();
            }
            backToIdle(worker);
        } finally {
            lock.unlock();
        }
        String with =
                probe.version() == null ? "no version loaded" : probe.version().id();
        if (error == null) {
            LOG.info("{} passed its probe with {} and is back in service", slot.device.name(), with);
        } else {
            LOG.warn(
                    "{} failed its probe with {} and stays quarantined for {} ms: {}",
                    slot.device.name(),
                    with,
                    quarantine.toMillis(),
                    error.toString());
        }
    }

    /** Returns a worker to its device's idle ones and hands out whatever is due; under the lock. */
    private void backToIdle(Worker worker) {
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
    }

    private static final class DeviceSlot {
        final Device device;
        final ArrayDeque<Worker> idle = new ArrayDeque<>();
        // Guarded by the lock, as is suspect: the version whose batch opened the breaker, probed with first.
        final CircuitBreaker breaker;
        LoadedVersion suspect;

        DeviceSlot(Device device, CircuitBreaker breaker) {
            this.device = device;
            this.breaker = breaker;
        }

        boolean healthy() {
            return breaker.isClosed() && device.healthy();
        }
    }

    /** What a worker is handed. */
    private sealed interface Task permits Work, Probe, Stop {}

    private enum Stop implements Task {
        INSTANCE
    }

    /**
     * A check of a quarantined device with {@code version}, whose reference the probe holds until it is scored; null
     * when no version is loaded on the device (an unhealthy device is then only recovered).
     */
    private record Probe(LoadedVersion version) implements Task {}

    /** A batch on its way to a device, with the devices that already failed it. */
    private static final class Work implements Task {
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
        // Room for a task and the stop that may follow it.
        final BlockingQueue<Task> inbox = new ArrayBlockingQueue<>(2);
        private FeatureBatch input;
        private float[] output = new float[0];

        Worker(DeviceSlot slot, String name) {
            this.slot = slot;
            this.thread = new Thread(this, name);
            thread.setDaemon(true);
        }

        @Override
        public void run() {
            ThreadPriority.lowerCurrentThread(slot.device.workerNice());
            while (true) {
                Task task;
                try {
                    task = inbox.take();
                } catch (InterruptedException e) {
                    return;
                }
                if (task instanceof Work work) {
                    score(work);
                } else if (task instanceof Probe probe) {
                    probed(this, probe, recoverAndProbe(probe.version()));
                } else {
                    return;
                }
            }
        }

        private void score(Work work) {
            Batch batch = work.batch;
            if (batch.allJobsDone()) {
                // Every job expired or was cancelled since the batch formed: nothing worth scoring.
                finished(this, work, null, false);
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
            if (error != null) {
                finished(this, work, error, isVersionFault(batch, error));
                return;
            }
            try {
                int heads = batch.version().spec().heads().size();
                // Counted before the callers hear of it: a caller that then reads stats() sees its batch.
                scored(slot, batch, Math.max(0, nanos), InvalidScores.count(output, batch.rows(), heads));
                batch.deliver(output);
            } finally {
                // Even if delivering threw: the worker goes back to idle and the batch is released.
                finished(this, work, null, false);
            }
        }

        /**
         * Whether {@code error}, which {@code batch} failed with on this device, is its version's fault (see the class
         * comment).
         */
        private boolean isVersionFault(Batch batch, Throwable error) {
            if (error instanceof DeviceFaultException || error instanceof Error || !slot.device.healthy()) {
                return false;
            }
            LoadedVersion version = batch.version();
            if (batch.isShadowOnly() || version.fault().isPresent()) {
                return true;
            }
            LoadedVersion control;
            lock.lock();
            try {
                control = acquireProbeVersion(slot, null, version);
            } finally {
                lock.unlock();
            }
            return control != null && probe(control) == null;
        }

        /**
         * Recovers this worker's device if it is unhealthy, then probes it with {@code version} (when not null);
         * returns why either failed, or null. Releases the version's reference.
         */
        private Throwable recoverAndProbe(LoadedVersion version) {
            Throwable unrecovered = null;
            if (!slot.device.healthy()) {
                try {
                    if (!slot.device.recover()) {
                        unrecovered =
                                new IllegalStateException(slot.device.name() + " is unhealthy and did not recover");
                    }
                } catch (Throwable t) {
                    // Whatever it was, the probe ends and the worker lives on: probed() must run.
                    unrecovered = t;
                }
            }
            if (version == null) {
                return unrecovered;
            }
            if (unrecovered != null) {
                version.release();
                return unrecovered;
            }
            return probe(version);
        }

        /**
         * Scores the probe batch with {@code version} on this worker's device and releases the version's reference;
         * returns why it failed, or null when every score is a finite probability.
         */
        private Throwable probe(LoadedVersion version) {
            try {
                int heads = version.spec().heads().size();
                float[] out = new float[PROBE_ROWS * heads];
                version.scorer(slot.device)
                        .score(RandomFeatures.batch(version.spec().schema(), PROBE_ROWS, PROBE_SEED), out);
                int invalid = InvalidScores.count(out, PROBE_ROWS, heads);
                return invalid == 0
                        ? null
                        : new IllegalStateException(
                                invalid + " of " + PROBE_ROWS + " probe rows scored outside [0, 1] or not finite");
            } catch (Throwable t) {
                return t;
            } finally {
                version.release();
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
