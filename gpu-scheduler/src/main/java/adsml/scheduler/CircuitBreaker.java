package adsml.scheduler;

import java.time.Duration;

/**
 * One device's circuit breaker, a pure policy driven by the caller's clock (the scheduler calls it under its lock).
 * CLOSED, the device takes work. A failure opens it: the device is quarantined for a backoff, after which the scheduler
 * probes it (HALF_OPEN); a probe that passes closes it, one that fails opens it again for twice the backoff, up to the
 * maximum. The backoff returns to its initial length only once the device scores a batch of real work, so a device that
 * passes its probes but keeps failing batches is tried less and less often.
 */
final class CircuitBreaker {
    enum State {
        CLOSED,
        OPEN,
        HALF_OPEN
    }

    private final long initialNanos;
    private final long maxNanos;
    private State state = State.CLOSED;
    // 0 while the device has not failed since it last scored work.
    private long backoffNanos;
    private long probeAtNanos;

    CircuitBreaker(Duration initialBackoff, Duration maxBackoff) {
        this.initialNanos = initialBackoff.toNanos();
        this.maxNanos = maxBackoff.toNanos();
    }

    State state() {
        return state;
    }

    boolean isClosed() {
        return state == State.CLOSED;
    }

    /**
     * A batch or a probe failed at {@code now}: open until the backoff is up. Failures of batches that were in flight
     * when it opened change nothing.
     */
    void fail(long now) {
        if (state == State.OPEN) {
            return;
        }
        backoffNanos = backoffNanos == 0 ? initialNanos : Math.min(maxNanos, 2 * backoffNanos);
        state = State.OPEN;
        probeAtNanos = now + backoffNanos;
    }

    /** The length of the quarantine that the last failure began. */
    Duration backoff() {
        return Duration.ofNanos(backoffNanos);
    }

    boolean probeDue(long now) {
        return state == State.OPEN && now - probeAtNanos >= 0;
    }

    /** When the next probe is due; meaningful while OPEN. */
    long probeAtNanos() {
        return probeAtNanos;
    }

    /** Nanos until the device may take work again: 0 unless OPEN. */
    long nanosUntilProbe(long now) {
        return state == State.OPEN ? Math.max(0, probeAtNanos - now) : 0;
    }

    void probing() {
        if (state != State.OPEN) {
            throw new IllegalStateException("only an open breaker is probed, this one is " + state);
        }
        state = State.HALF_OPEN;
    }

    /** The probe passed (or there was nothing to probe with): back in service. */
    void close() {
        state = State.CLOSED;
    }

    /** The device scored a batch of work. */
    void scored() {
        if (state == State.CLOSED) {
            backoffNanos = 0;
        }
    }
}
