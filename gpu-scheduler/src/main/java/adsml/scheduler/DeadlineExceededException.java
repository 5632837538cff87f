package adsml.scheduler;

import java.time.Duration;

/** The job's deadline passed while it waited for a batch: it was dropped and none of its rows were scored. */
public final class DeadlineExceededException extends UnavailableException {
    public DeadlineExceededException(String message) {
        super(message, Duration.ofSeconds(1));
    }
}
