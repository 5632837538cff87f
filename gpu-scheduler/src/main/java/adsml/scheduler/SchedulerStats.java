package adsml.scheduler;

import java.util.Map;

/**
 * A snapshot of a scheduler's counters, cumulative since it started (except {@code queuedRows}).
 *
 * @param queuedRows rows waiting for a batch now
 * @param submitted jobs admitted
 * @param batches device batches scored
 * @param rowsScored rows in those batches
 * @param shed jobs refused with an {@link OverloadException}
 * @param expired jobs dropped with {@link DeadlineExceededException}
 * @param failed jobs failed by a device error that no other device could take over
 * @param batchSizeHistogram scored batches by size: bucket {@code i} counts batches of {@code [2^i, 2^(i+1))} rows
 * @param queueDelayNanos summed time from each job's admission to its first batch (with {@code queueDelayCount}, a mean
 *     over any interval: difference both)
 * @param queueDelayCount jobs (or job parts) that reached a batch
 * @param deviceHealth each device's name and whether it takes work
 */
public record SchedulerStats(
        long queuedRows,
        long submitted,
        long batches,
        long rowsScored,
        long shed,
        long expired,
        long failed,
        long[] batchSizeHistogram,
        long queueDelayNanos,
        long queueDelayCount,
        Map<String, Boolean> deviceHealth) {

    public static final int HISTOGRAM_BUCKETS = 32;

    public SchedulerStats {
        batchSizeHistogram = batchSizeHistogram.clone();
        deviceHealth = Map.copyOf(deviceHealth);
    }

    /** The histogram bucket of a batch of {@code rows} (at least 1). */
    public static int bucket(int rows) {
        return 31 - Integer.numberOfLeadingZeros(rows);
    }

    /** Mean nanos from a job's admission to its first batch, since the scheduler started. */
    public long meanQueueDelayNanos() {
        return queueDelayCount == 0 ? 0 : queueDelayNanos / queueDelayCount;
    }

    @Override
    public long[] batchSizeHistogram() {
        return batchSizeHistogram.clone();
    }
}
