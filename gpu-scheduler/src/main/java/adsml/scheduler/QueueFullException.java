package adsml.scheduler;

import java.time.Duration;

/** Admission refused: the job's rows would take the queue past {@link SchedulerSettings#maxQueuedRows()}. */
public final class QueueFullException extends OverloadException {
    public QueueFullException(String message, Duration retryAfter) {
        super(message, retryAfter);
    }
}
