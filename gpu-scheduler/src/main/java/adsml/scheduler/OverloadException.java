package adsml.scheduler;

import java.time.Duration;
import java.util.Objects;

/**
 * The base of every refusal for lack of capacity, so that the edge maps all of them to a 503 with
 * {@code Retry-After}. Thrown on the hot path under overload, so it carries no stack trace.
 */
public class OverloadException extends RuntimeException {
    private final Duration retryAfter;

    public OverloadException(String message, Duration retryAfter) {
        super(message, null, false, false);
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    /** When a retry has a fair chance: the estimated time for the queue to drain. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
