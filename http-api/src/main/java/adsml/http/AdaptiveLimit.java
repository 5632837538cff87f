package adsml.http;

/**
 * How many rank requests may be in progress at once, learned from how they end (additive increase, multiplicative
 * decrease, as TCP's congestion window). A request that is answered within {@code latencyTarget} of its deadline grows
 * the limit by one per limit's worth of such answers (by one per answer until the first late one: a slow start, which
 * doubles the limit per round, so that a GPU's hundreds are reached in seconds); one that takes longer, or fails for
 * lack of capacity, shrinks it by a tenth, at most once per that request's latency, so that a burst of late answers
 * from one queue counts once.
 *
 * <p>Why: a fixed limit is either too low for a GPU or far too high for two CPU cores. Above capacity, every request
 * admitted beyond what the devices finish by their deadlines spends retrieval and features, then waits in the scoring
 * queue until it is late, and makes the requests behind it late too: goodput collapses. With the limit near capacity
 * times the target latency, the excess is refused at the door in microseconds and the admitted requests finish in time.
 *
 * <p>Thread-safe; each call holds a lock for a few arithmetic operations.
 */
final class AdaptiveLimit {
    private static final double BACKOFF = 0.9;

    private final int min;
    private final int max;
    private final double latencyTarget;
    private double limit;
    private int inFlight;
    private boolean slowStart = true;
    private long lastDecrease = Long.MIN_VALUE / 2;

    /**
     * @param min the limit never goes below this
     * @param max the limit never goes above this (the configured hard bound)
     * @param latencyTarget the fraction of a request's deadline beyond which its answer counts as late
     */
    AdaptiveLimit(int min, int max, double latencyTarget) {
        if (min < 1 || max < min || !(latencyTarget > 0 && latencyTarget <= 1)) {
            throw new IllegalArgumentException(
                    "min " + min + ", max " + max + ", latency target " + latencyTarget + " out of range");
        }
        this.min = min;
        this.max = max;
        this.latencyTarget = latencyTarget;
        this.limit = min;
    }

    /** Takes a place if the limit allows; every true must be followed by one {@link #release}. */
    synchronized boolean tryAcquire() {
        if (inFlight >= (int) limit) {
            return false;
        }
        inFlight++;
        return true;
    }

    /**
     * Gives a place back and learns from how its request ended.
     *
     * @param now the ticker's nanos at the answer
     * @param latencyNanos from the request's arrival to its answer
     * @param deadlineNanos the request's own time budget
     * @param lackedCapacity whether it failed for lack of capacity (a deadline missed or judged unreachable, a full
     *     queue); other failures (no model yet, bad input) teach nothing
     * @param failed whether it failed at all
     */
    synchronized void release(long now, long latencyNanos, long deadlineNanos, boolean lackedCapacity, boolean failed) {
        int wasInFlight = inFlight--;
        boolean late = lackedCapacity || (!failed && latencyNanos > latencyTarget * deadlineNanos);
        if (late) {
            slowStart = false;
            if (now - lastDecrease >= latencyNanos) {
                limit = Math.max(min, limit * BACKOFF);
                lastDecrease = now;
            }
        } else if (!failed && wasInFlight * 2 >= limit) {
            // Only a limit that was used grows: an idle server must not drift to the maximum.
            limit = Math.min(max, limit + (slowStart ? 1 : 1 / limit));
        }
    }

    synchronized int limit() {
        return (int) limit;
    }

    synchronized int inFlight() {
        return inFlight;
    }
}
