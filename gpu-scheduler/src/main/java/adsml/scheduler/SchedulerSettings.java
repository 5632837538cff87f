package adsml.scheduler;

import java.time.Duration;
import java.util.Objects;

/**
 * How the scheduler forms batches and sheds load.
 *
 * @param maxBatchRows      rows in one device batch at most; a fuller queue forms a batch at once
 * @param maxQueueDelay     how long the oldest queued job may wait for its batch to fill; zero batches
 *                          whatever is queued as soon as a worker is free
 * @param maxQueuedRows     rows waiting for a batch at most; beyond it new jobs are refused with
 *                          {@link QueueFullException} (shadow jobs already at half of it)
 * @param serviceTimeSafety factor (at least 1) on the estimated service time when admission checks
 *                          whether a deadline is reachable
 */
public record SchedulerSettings(int maxBatchRows, Duration maxQueueDelay, int maxQueuedRows, double serviceTimeSafety) {

    public SchedulerSettings {
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("maxBatchRows must be >= 1, was " + maxBatchRows);
        }
        Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
        if (maxQueueDelay.isNegative()) {
            throw new IllegalArgumentException("maxQueueDelay must be >= 0, was " + maxQueueDelay);
        }
        if (maxQueuedRows < 1) {
            throw new IllegalArgumentException("maxQueuedRows must be >= 1, was " + maxQueuedRows);
        }
        if (!(serviceTimeSafety >= 1.0) || Double.isInfinite(serviceTimeSafety)) {
            throw new IllegalArgumentException("serviceTimeSafety must be a finite number >= 1, was " + serviceTimeSafety);
        }
    }

    /** 4096 rows per batch, 2 ms queue delay, 32768 queued rows, 1.2 x the estimated service time. */
    public static SchedulerSettings defaults() {
        return new SchedulerSettings(4096, Duration.ofMillis(2), 32768, 1.2);
    }

    public SchedulerSettings withMaxBatchRows(int rows) {
        return new SchedulerSettings(rows, maxQueueDelay, maxQueuedRows, serviceTimeSafety);
    }

    public SchedulerSettings withMaxQueueDelay(Duration delay) {
        return new SchedulerSettings(maxBatchRows, delay, maxQueuedRows, serviceTimeSafety);
    }

    public SchedulerSettings withMaxQueuedRows(int rows) {
        return new SchedulerSettings(maxBatchRows, maxQueueDelay, rows, serviceTimeSafety);
    }

    public SchedulerSettings withServiceTimeSafety(double safety) {
        return new SchedulerSettings(maxBatchRows, maxQueueDelay, maxQueuedRows, safety);
    }

    long maxQueueDelayNanos() {
        return maxQueueDelay.toNanos();
    }
}
