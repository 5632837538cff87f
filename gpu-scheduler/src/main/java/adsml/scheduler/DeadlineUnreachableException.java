package adsml.scheduler;

import java.time.Duration;

/**
 * Admission refused: the estimated wait for a batch plus the estimated service time (times
 * {@link SchedulerSettings#serviceTimeSafety()}) exceeds what is left of the job's deadline.
 */
public final class DeadlineUnreachableException extends OverloadException {
    public DeadlineUnreachableException(String message, Duration retryAfter) {
        super(message, retryAfter);
    }
}
