package adsml.scheduler;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Objects;

/**
 * How the scheduler forms batches and sheds load.
 *
 * @param maxBatchRows rows in one device batch at most; a fuller queue forms a batch at once
 * @param maxQueueDelay how long the oldest queued job may wait for its batch to fill; zero batches whatever is queued
 *     as soon as a worker is free
 * @param maxQueuedRows rows waiting for a batch at most; beyond it new jobs are refused with {@link QueueFullException}
 *     (shadow jobs already at half of it)
 * @param serviceTimeSafety factor (at least 1) on the estimated service time when admission checks whether a deadline
 *     is reachable
 */
public record SchedulerSettings(int maxBatchRows, Duration maxQueueDelay, int maxQueuedRows, double serviceTimeSafety) {

    /** The largest batch any device is asked to take, whatever is configured. */
    public static final int MAX_BATCH_ROWS_LIMIT = 65_536;
    /** The most rows that may wait at once, whatever is configured. */
    public static final int MAX_QUEUED_ROWS_LIMIT = 1 << 22;
    /** The longest a batch may wait to fill. */
    public static final Duration MAX_QUEUE_DELAY_LIMIT = Duration.ofSeconds(1);
    /** The largest safety factor on the estimated service time. */
    public static final double SERVICE_TIME_SAFETY_LIMIT = 10;

    /** Reads {@code adsml.scheduler.batching}. */
    public static SchedulerSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.scheduler.batching");
        return new SchedulerSettings(
                r.intIn("max-batch-rows", 1, MAX_BATCH_ROWS_LIMIT),
                Duration.ofMillis(r.longIn("max-queue-delay-ms", 0, MAX_QUEUE_DELAY_LIMIT.toMillis())),
                r.intIn("max-queued-rows", 1, MAX_QUEUED_ROWS_LIMIT),
                r.doubleIn("service-time-safety", 1, SERVICE_TIME_SAFETY_LIMIT));
    }

    /**
     * @throws IllegalArgumentException naming the knob when one is outside its bounds (the admin API answers it with a
     *     400)
     */
    public SchedulerSettings {
        if (maxBatchRows < 1 || maxBatchRows > MAX_BATCH_ROWS_LIMIT) {
            throw new IllegalArgumentException(
                    "maxBatchRows must be between 1 and " + MAX_BATCH_ROWS_LIMIT + ", was " + maxBatchRows);
        }
        Objects.requireNonNull(maxQueueDelay, "maxQueueDelay");
        if (maxQueueDelay.isNegative() || maxQueueDelay.compareTo(MAX_QUEUE_DELAY_LIMIT) > 0) {
            throw new IllegalArgumentException("maxQueueDelay must be between 0 and " + MAX_QUEUE_DELAY_LIMIT.toMillis()
                    + " ms, was " + maxQueueDelay);
        }
        if (maxQueuedRows < 1 || maxQueuedRows > MAX_QUEUED_ROWS_LIMIT) {
            throw new IllegalArgumentException(
                    "maxQueuedRows must be between 1 and " + MAX_QUEUED_ROWS_LIMIT + ", was " + maxQueuedRows);
        }
        if (!(serviceTimeSafety >= 1.0 && serviceTimeSafety <= SERVICE_TIME_SAFETY_LIMIT)) {
            throw new IllegalArgumentException("serviceTimeSafety must be a number between 1 and "
                    + SERVICE_TIME_SAFETY_LIMIT + ", was " + serviceTimeSafety);
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
