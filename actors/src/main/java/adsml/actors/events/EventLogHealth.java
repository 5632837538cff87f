package adsml.actors.events;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;

/**
 * Whether the event log can write now, as its actor last found, for readiness and for a fast 503 at the HTTP edge
 * without asking the actor. Thread-safe.
 */
public final class EventLogHealth {
    private final CompletableFuture<Void> settled = new CompletableFuture<>();
    private volatile String problem = "event log: reading the log to rebuild event ids and today's spend";

    /** Why the log cannot write now; empty when it can. */
    public Optional<String> problem() {
        return Optional.ofNullable(problem);
    }

    /**
     * Completes once the log has been read at start (the event ids known and today's spend handed on), or has failed to
     * open at its first try; {@link #problem} then says which.
     */
    public CompletableFuture<Void> settled() {
        return settled;
    }

    void writable() {
        problem = null;
        settled.complete(null);
    }

    void failed(String reason) {
        problem = reason;
        settled.complete(null);
    }
}
