package adsml.scheduler;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Objects;

/**
 * The scheduler's pure core: admission, queues and batch forming, driven by the caller's clock. Single-threaded (the
 * scheduler calls it under its lock); every method takes {@code now} from a {@link Ticker} so tests move time instead
 * of sleeping.
 *
 * <p>Policy:
 *
 * <ul>
 *   <li>Jobs queue per version, live and shadow apart. A version's queue is ready when it holds {@code maxBatchRows}
 *       rows or its oldest job has waited {@code maxQueueDelay}. Among ready versions, one with live jobs goes first
 *       (oldest live job first), then shadow-only ones.
 *   <li>A batch holds one version only; it takes that version's live jobs, then its shadow jobs, in arrival order, up
 *       to {@code maxBatchRows}. The job at the boundary is split: its first rows fill the batch and the rest stays at
 *       the head of its queue, so a job larger than {@code maxBatchRows} spans several batches and completes when its
 *       last rows are scored.
 *   <li>Jobs whose deadline has passed are removed and failed with {@link DeadlineExceededException}, never batched;
 *       jobs already done (cancelled) are dropped silently.
 *   <li>Admission refuses a job with {@link QueueFullException} when its rows would take the queue past
 *       {@code maxQueuedRows} (a shadow job: past half of it, so shadow work never crowds out live work), and with
 *       {@link DeadlineUnreachableException} when the estimated wait plus service time exceeds what is left of its
 *       deadline. A job larger than {@code maxQueuedRows} can never be admitted and is refused with
 *       {@link IllegalArgumentException}.
 * </ul>
 *
 * <p>The service estimate fits {@code nanos = perBatch + perRow x rows} to exponentially weighted means of the recorded
 * batches; until the first {@link #recordService} it is zero, so nothing is refused for its deadline except by the
 * batching delay itself.
 */
public final class BatchFormer {
    private static final double EWMA_ALPHA = 0.2;
    private static final long MIN_RETRY_AFTER_NANOS = 1_000_000;

    private final int parallelism;
    private SchedulerSettings settings;
    private final List<Group> groups = new ArrayList<>();
    private long liveRows;
    private long shadowRows;
    private int queuedJobs;

    private long samples;
    private double meanRows;
    private double meanNanos;
    private double meanRowsSq;
    private double meanRowsNanos;
    private double perRowNanos;
    private double perBatchNanos;

    private long expired;
    private long delayedSlices;
    private long delaySumNanos;

    /** @param parallelism batches that run at once (the scheduler's worker slots), for the wait estimate */
    public BatchFormer(SchedulerSettings settings, int parallelism) {
        this.settings = Objects.requireNonNull(settings, "settings");
        if (parallelism < 1) {
            throw new IllegalArgumentException("parallelism must be >= 1, was " + parallelism);
        }
        this.parallelism = parallelism;
    }

    public SchedulerSettings settings() {
        return settings;
    }

    /** Applies from the next offer or poll; jobs already queued stay queued even above a lowered bound. */
    public void updateSettings(SchedulerSettings newSettings) {
        this.settings = Objects.requireNonNull(newSettings, "settings");
    }

    /**
     * Admits {@code job} or refuses it. A refused job's future is failed with the same exception, which is also thrown;
     * a job of zero rows completes at once with no scores.
     *
     * @throws QueueFullException when the queue bound would be passed
     * @throws DeadlineUnreachableException when the deadline cannot be met by the estimate
     * @throws IllegalArgumentException when the job is larger than {@code maxQueuedRows}
     */
    public void offer(Job job, long now) {
        Objects.requireNonNull(job, "job");
        if (job.offered) {
            throw new IllegalStateException("job was already offered");
        }
        job.offered = true;
        if (job.rows() == 0) {
            job.completeEmpty();
            return;
        }
        try {
            admit(job, now);
        } catch (RuntimeException e) {
            job.fail(e);
            throw e;
        }
        job.enqueuedNanos = now;
        Group group = group(job.version());
        if (group == null) {
            group = new Group(job.version());
            groups.add(group);
        }
        group.queue(job.priority()).addLast(job);
        group.rows += job.rows();
        addRows(job.priority(), job.rows());
        queuedJobs++;
    }

    private void admit(Job job, long now) {
        int rows = job.rows();
        SchedulerSettings s = settings;
        if (rows > s.maxQueuedRows()) {
            throw new IllegalArgumentException(
                    "a job of " + rows + " rows can never be queued: maxQueuedRows is " + s.maxQueuedRows());
        }
        long queued = queuedRows();
        long bound = job.priority() == Priority.LIVE ? s.maxQueuedRows() : s.maxQueuedRows() / 2;
        if (queued + rows > bound) {
            throw new QueueFullException(
                    "queue full: " + queued + " rows queued, a " + job.priority() + " job of " + rows
                            + " rows would pass the bound of " + bound,
                    retryAfter(queued));
        }
        long left = job.deadlineNanos() - now;
        if (left <= 0) {
            throw new DeadlineUnreachableException(
                    "deadline already passed " + millis(-left) + " ago", retryAfter(queued));
        }
        long needed = estimateWaitNanos(job, now);
        // With nothing queued ahead there is no queue to protect: the job runs next whatever the
        // estimate says, and its batch corrects an estimate that a slow first batch inflated.
        if (needed > left && rowsAhead(job.priority()) > 0) {
            throw new DeadlineUnreachableException(
                    "deadline unreachable: " + millis(left) + " left, about "
                            + millis(needed) + " needed to batch and score " + rows + " rows behind "
                            + rowsAhead(job.priority())
                            + " queued",
                    retryAfter(queued));
        }
    }

    /** The estimated time from {@code now} until {@code job}'s scores are ready, safety factor included. */
    long estimateWaitNanos(Job job, long now) {
        SchedulerSettings s = settings;
        int max = s.maxBatchRows();
        long total = rowsAhead(job.priority()) + job.rows();
        long forming = 0;
        Group group = group(job.version());
        long groupRows = (group == null ? 0 : group.rows) + job.rows();
        if (groupRows < max) {
            long delay = s.maxQueueDelayNanos();
            forming = group == null ? delay : Math.max(0, group.oldestNanos() + delay - now);
        }
        long batches = ceilDiv(total, max);
        long rounds = ceilDiv(batches, parallelism);
        double service = rounds * serviceNanos(Math.min(total, max));
        return forming + (long) (service * s.serviceTimeSafety());
    }

    private long rowsAhead(Priority priority) {
        return priority == Priority.LIVE ? liveRows : liveRows + shadowRows;
    }

    private Duration retryAfter(long queued) {
        long batches = ceilDiv(Math.max(queued, 1), settings.maxBatchRows());
        double drain = ceilDiv(batches, parallelism) * serviceNanos((int) Math.min(queued, settings.maxBatchRows()));
        return Duration.ofNanos(Math.max(MIN_RETRY_AFTER_NANOS, (long) (drain * settings.serviceTimeSafety())));
    }

    /**
     * The next device batch, or null when none is ready at {@code now}. Expired jobs are removed first. The batch holds
     * a reference to its version; the caller calls {@link Batch#release()} once it is scored or failed.
     */
    public Batch poll(long now) {
        expire(now);
        Group group = readyGroup(now);
        if (group == null) {
            return null;
        }
        int max = settings.maxBatchRows();
        List<Batch.Slice> slices = new ArrayList<>();
        int rows = take(group, group.live, max, now, slices);
        rows += take(group, group.shadow, max - rows, now, slices);
        if (group.isEmpty()) {
            groups.remove(group);
        }
        group.version.retain();
        return new Batch(group.version, slices, rows, now);
    }

    private Group readyGroup(long now) {
        Group best = null;
        boolean bestLive = false;
        long bestKey = 0;
        for (Group g : groups) {
            if (!isReady(g, now)) {
                continue;
            }
            boolean live = !g.live.isEmpty();
            long key = live ? g.live.peekFirst().enqueuedNanos : g.oldestNanos();
            if (best == null || (live && !bestLive) || (live == bestLive && key < bestKey)) {
                best = g;
                bestLive = live;
                bestKey = key;
            }
        }
        return best;
    }

    private boolean isReady(Group g, long now) {
        return g.rows >= settings.maxBatchRows() || g.oldestNanos() + settings.maxQueueDelayNanos() <= now;
    }

    private int take(Group group, ArrayDeque<Job> queue, int room, long now, List<Batch.Slice> slices) {
        int took = 0;
        while (room > 0 && !queue.isEmpty()) {
            Job job = queue.peekFirst();
            int n = Math.min(job.rows() - job.taken, room);
            if (job.taken == 0) {
                job.out = new float[job.rows() * job.version().spec().heads().size()];
                delaySumNanos += now - job.enqueuedNanos;
                delayedSlices++;
            }
            slices.add(new Batch.Slice(job, job.taken, n));
            job.taken += n;
            room -= n;
            took += n;
            group.rows -= n;
            addRows(job.priority(), -n);
            if (job.taken == job.rows()) {
                queue.pollFirst();
                queuedJobs--;
            }
        }
        return took;
    }

    /** Removes jobs whose deadline has passed (failing them) and jobs already done; returns how many expired. */
    public int expire(long now) {
        int count = 0;
        for (Iterator<Group> groupIt = groups.iterator(); groupIt.hasNext(); ) {
            Group g = groupIt.next();
            count += expire(g, g.live, now);
            count += expire(g, g.shadow, now);
            if (g.isEmpty()) {
                groupIt.remove();
            }
        }
        expired += count;
        return count;
    }

    private int expire(Group group, ArrayDeque<Job> queue, long now) {
        int count = 0;
        for (Iterator<Job> it = queue.iterator(); it.hasNext(); ) {
            Job job = it.next();
            boolean done = job.isDone();
            if (!done && job.deadlineNanos() > now) {
                continue;
            }
            it.remove();
            int left = job.rows() - job.taken;
            group.rows -= left;
            addRows(job.priority(), -left);
            queuedJobs--;
            if (!done) {
                count++;
                job.fail(new DeadlineExceededException("deadline passed " + millis(now - job.deadlineNanos())
                        + " ago after " + millis(now - job.enqueuedNanos) + " queued; " + left + " of " + job.rows()
                        + " rows dropped unscored"));
            }
        }
        return count;
    }

    /**
     * When the caller should poll next: {@code now} when a batch is ready, else the earliest time a queue's delay is up
     * or a queued job expires; {@link Long#MAX_VALUE} when nothing is queued.
     */
    public long nextDeadline(long now) {
        long next = nextExpiry();
        for (Group g : groups) {
            if (g.rows >= settings.maxBatchRows()) {
                return now;
            }
            next = Math.min(next, g.oldestNanos() + settings.maxQueueDelayNanos());
        }
        return next == Long.MAX_VALUE ? next : Math.max(now, next);
    }

    /** The earliest deadline among queued jobs; {@link Long#MAX_VALUE} when nothing is queued. */
    public long nextExpiry() {
        long next = Long.MAX_VALUE;
        for (Group g : groups) {
            for (Job job : g.live) {
                next = Math.min(next, job.deadlineNanos());
            }
            for (Job job : g.shadow) {
                next = Math.min(next, job.deadlineNanos());
            }
        }
        return next;
    }

    /** Teaches the service estimate that a batch of {@code rows} took {@code nanos} on a device. */
    public void recordService(int rows, long nanos) {
        if (rows < 1 || nanos < 0) {
            throw new IllegalArgumentException("rows must be >= 1 and nanos >= 0, were " + rows + " and " + nanos);
        }
        double x = rows;
        double y = nanos;
        if (samples == 0) {
            meanRows = x;
            meanNanos = y;
            meanRowsSq = x * x;
            meanRowsNanos = x * y;
        } else {
            meanRows += EWMA_ALPHA * (x - meanRows);
            meanNanos += EWMA_ALPHA * (y - meanNanos);
            meanRowsSq += EWMA_ALPHA * (x * x - meanRowsSq);
            meanRowsNanos += EWMA_ALPHA * (x * y - meanRowsNanos);
        }
        samples++;
        double variance = meanRowsSq - meanRows * meanRows;
        if (variance > 1e-6 * meanRows * meanRows + 1e-9) {
            perRowNanos = (meanRowsNanos - meanRows * meanNanos) / variance;
            perBatchNanos = meanNanos - perRowNanos * meanRows;
            if (perRowNanos < 0) {
                perRowNanos = 0;
                perBatchNanos = meanNanos;
            } else if (perBatchNanos < 0) {
                perBatchNanos = 0;
                perRowNanos = meanNanos / meanRows;
            }
        } else {
            // One batch size seen so far: the fixed cost cannot be told apart, so charge it per row.
            perBatchNanos = 0;
            perRowNanos = meanNanos / meanRows;
        }
    }

    /** The estimated nanos to score one batch of {@code rows}, without the safety factor; 0 until learned. */
    long estimateServiceNanos(int rows) {
        return (long) serviceNanos(rows);
    }

    private double serviceNanos(long rows) {
        return rows <= 0 ? 0 : perBatchNanos + perRowNanos * rows;
    }

    public long queuedRows() {
        return liveRows + shadowRows;
    }

    public int queuedJobs() {
        return queuedJobs;
    }

    /** Jobs failed with {@link DeadlineExceededException} so far. */
    public long expiredCount() {
        return expired;
    }

    /** Summed nanos from each job's admission to its first batch (see {@link #queueDelayCount}). */
    public long queueDelayNanos() {
        return delaySumNanos;
    }

    /** Job parts that reached a batch: what {@link #queueDelayNanos} sums over. */
    public long queueDelayCount() {
        return delayedSlices;
    }

    /** Fails every queued job with {@code error} and empties the queues. */
    void drain(Throwable error) {
        for (Group g : groups) {
            for (Job job : g.live) {
                job.fail(error);
            }
            for (Job job : g.shadow) {
                job.fail(error);
            }
        }
        groups.clear();
        liveRows = 0;
        shadowRows = 0;
        queuedJobs = 0;
    }

    private void addRows(Priority priority, long rows) {
        if (priority == Priority.LIVE) {
            liveRows += rows;
        } else {
            shadowRows += rows;
        }
    }

    private Group group(LoadedVersion version) {
        for (Group g : groups) {
            if (g.version == version) {
                return g;
            }
        }
        return null;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }

    private static String millis(long nanos) {
        return String.format(java.util.Locale.ROOT, "%.2f ms", nanos / 1e6);
    }

    /** The queued jobs of one version. */
    private static final class Group {
        final LoadedVersion version;
        final ArrayDeque<Job> live = new ArrayDeque<>();
        final ArrayDeque<Job> shadow = new ArrayDeque<>();
        long rows;

        Group(LoadedVersion version) {
            this.version = version;
        }

        ArrayDeque<Job> queue(Priority priority) {
            return priority == Priority.LIVE ? live : shadow;
        }

        boolean isEmpty() {
            return live.isEmpty() && shadow.isEmpty();
        }

        long oldestNanos() {
            Job l = live.peekFirst();
            Job s = shadow.peekFirst();
            if (l == null) {
                return s.enqueuedNanos;
            }
            return s == null ? l.enqueuedNanos : Math.min(l.enqueuedNanos, s.enqueuedNanos);
        }
    }
}
