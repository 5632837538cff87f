package adsml.scheduler;

import java.time.Duration;
import java.util.Objects;

/**
 * The base of every "cannot serve this now": overload, a deadline that passed, no active or no longer served model
 * version, no healthy device. None of them is the request's fault, and a retry after {@link #retryAfter()} has a fair
 * chance, so the HTTP edge answers every one of them 503 with {@code Retry-After}, never 500. Routine under load, so
 * they carry no stack trace.
 */
public abstract class UnavailableException extends RuntimeException {
    private final Duration retryAfter;

    protected UnavailableException(String message, Duration retryAfter) {
        this(message, retryAfter, null);
    }

    /** @param cause what made the service unavailable, for the log; never shown to a client */
    protected UnavailableException(String message, Duration retryAfter, Throwable cause) {
        super(message, cause, false, false);
        this.retryAfter = Objects.requireNonNull(retryAfter, "retryAfter");
    }

    /** When a retry has a fair chance. */
    public Duration retryAfter() {
        return retryAfter;
    }
}
