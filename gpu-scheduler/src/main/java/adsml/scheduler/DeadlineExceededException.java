package adsml.scheduler;

/**
 * The job's deadline passed while it waited for a batch: it was dropped and none of its rows
 * were scored. Carries no stack trace (it is routine under load).
 */
public final class DeadlineExceededException extends RuntimeException {
    public DeadlineExceededException(String message) {
        super(message, null, false, false);
    }
}
