package adsml.http;

import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * How many rank requests may be in progress at once, learned from how they end. It starts at its maximum, so a server
 * that is not overloaded refuses nothing. Each answer's latency as a fraction of its deadline (1 for a failure for lack
 * of capacity) feeds a moving mean over about the last 20 answers; while that mean is above {@code latencyTarget}, the
 * limit is cut to the requests then in progress times {@code latencyTarget / mean} (kept within 0.5 and 0.9), at most
 * once per the latest answer's latency, so that one queue's late answers count once. While the mean is below the
 * target, each answer adds one per limit's worth of answers (additive increase, as TCP's congestion window). A single
 * late answer (a collection pause) moves the mean little and cuts nothing.
 *
 * <p>Why: a fixed limit is either too low for a GPU or far too high for two CPU cores. Above capacity, every request
 * admitted beyond what the devices finish by their deadlines spends retrieval and features, then waits in the scoring
 * queue until it is late, and makes the requests behind it late too: goodput collapses. With the limit near capacity
 * times the target latency, the excess is refused at the door in microseconds and the admitted requests finish in time.
 * Cutting from the requests in progress rather than from the limit means a limit that grew while nothing pressed on it
 * falls to what the load needs at the first late answer.
 *
 * <p>A request that finds every place taken waits for one, first come first served, for at most the time it was given
 * (its share of the deadline that the latency target leaves for waiting), and at most as many wait as there are places;
 * beyond that, the refusal is immediate. Why: a refusal in microseconds invites the client to try again in
 * microseconds. Clients that send their next request as soon as one is answered then turn a cut of the limit into a
 * stream of refusals that takes the CPU from the admitted requests, which keeps their latency high and the limit cut:
 * on two cores, one stall (a compilation, a file written) at 8 such clients became seconds of thousands of 503s a
 * second. Waiting costs no CPU, and a wait no longer than one round of places keeps the waiter's answer in time.
 *
 * <p>Thread-safe; each call holds a lock for a few arithmetic operations, and completes waiters outside it.
 */
final class AdaptiveLimit {
    private static final double GENTLEST_CUT = 0.9;
    private static final double STEEPEST_CUT = 0.5;
    /** The moving mean's weight of each answer: about the last 20 answers count. */
    private static final double ALPHA = 0.05;

    private static final CompletionStage<Boolean> ADMITTED = CompletableFuture.completedFuture(true);
    private static final CompletionStage<Boolean> REFUSED = CompletableFuture.completedFuture(false);

    private final int min;
    private final int max;
    private final double latencyTarget;
    private final long minDeadlineNanos;
    private double limit;
    private int inFlight;
    private double lateness;
    private long lastCut = Long.MIN_VALUE / 2;
    /** Completed true when handed a place, false when their wait ran out; done ones are dropped as they are met. */
    private final ArrayDeque<CompletableFuture<Boolean>> waiting = new ArrayDeque<>();

    /**
     * @param min the limit never goes below this
     * @param max the limit never goes above this (the configured hard bound), and starts here
     * @param latencyTarget the fraction of a request's deadline beyond which its answer counts as late
     * @param minDeadlineNanos latency is measured against a request's deadline, or this if the deadline is shorter
     */
    AdaptiveLimit(int min, int max, double latencyTarget, long minDeadlineNanos) {
        if (min < 1 || max < min || !(latencyTarget > 0 && latencyTarget <= 1)) {
            throw new IllegalArgumentException(
                    "min " + min + ", max " + max + ", latency target " + latencyTarget + " out of range");
        }
        this.min = min;
        this.max = max;
        this.latencyTarget = latencyTarget;
        this.minDeadlineNanos = minDeadlineNanos;
        this.limit = max;
    }

    /**
     * Takes a place if the limit allows, or waits for one for at most {@code maxWaitNanos}. The stage completes true
     * with a place, which must be followed by one {@link #release}, or false when refused; it is already complete
     * unless the request waits.
     */
    CompletionStage<Boolean> acquire(long maxWaitNanos) {
        CompletableFuture<Boolean> waiter;
        synchronized (this) {
            // Not past a live waiter: a place freed between a release and its hand-over belongs to the queue's head.
            if (inFlight < (int) limit && noLiveWaiter()) {
                inFlight++;
                return ADMITTED;
            }
            if (maxWaitNanos <= 0) {
                return REFUSED;
            }
            if (waiting.size() >= (int) limit) {
                waiting.removeIf(CompletableFuture::isDone);
                if (waiting.size() >= (int) limit) {
                    return REFUSED;
                }
            }
            waiter = new CompletableFuture<>();
            waiting.addLast(waiter);
        }
        // Outside the lock: the timer could complete it at once, and completing runs the request's next steps.
        waiter.completeOnTimeout(false, maxWaitNanos, TimeUnit.NANOSECONDS);
        handOver(); // a place may be free already, held back for the waiters ahead of this one
        return waiter;
    }

    /** Drops the waiters at the head whose wait ran out; true when none is left waiting. */
    private boolean noLiveWaiter() {
        while (!waiting.isEmpty() && waiting.peekFirst().isDone()) {
            waiting.pollFirst();
        }
        return waiting.isEmpty();
    }

    /**
     * Gives a place back and learns from how its request ended.
     *
     * @param now the ticker's nanos at the answer
     * @param latencyNanos from the request's arrival to its answer
     * @param deadlineNanos the request's own time budget
     * @param lackedCapacity whether it failed for lack of capacity (a deadline missed or judged unreachable, a full
     *     queue): it counts as taking its whole deadline at least; other failures (no model yet, bad input) teach
     *     nothing
     * @param failed whether it failed at all
     */
    void release(long now, long latencyNanos, long deadlineNanos, boolean lackedCapacity, boolean failed) {
        synchronized (this) {
            int wasInFlight = inFlight--;
            if (!failed || lackedCapacity) {
                learn(now, latencyNanos, deadlineNanos, lackedCapacity, wasInFlight);
            }
        }
        handOver();
    }

    private void learn(long now, long latencyNanos, long deadlineNanos, boolean lackedCapacity, int wasInFlight) {
        // Measured against the deadline, but never a shorter one than minDeadlineNanos: a client that asks for 1 ms and
        // fails at once cannot pass its impossible deadline off as overload and cut the limit for everyone.
        long budget = Math.max(deadlineNanos, minDeadlineNanos);
        long took = lackedCapacity ? Math.max(latencyNanos, deadlineNanos) : latencyNanos;
        double fraction = Math.min(1, (double) took / budget);
        lateness += ALPHA * (fraction - lateness);
        if (lateness > latencyTarget) {
            // Once per round trip: the latest answer's latency, or the target's for a refusal that came at once.
            if (now - lastCut >= Math.max(latencyNanos, (long) (latencyTarget * budget))) {
                double cut = Math.max(STEEPEST_CUT, Math.min(GENTLEST_CUT, latencyTarget / lateness));
                limit = Math.max(min, Math.min(limit, wasInFlight) * cut);
                lastCut = now;
            }
        } else {
            limit = Math.min(max, limit + 1 / limit);
        }
    }

    /** Gives the places the limit now allows to the longest waiters, one at a time, outside the lock. */
    private void handOver() {
        while (true) {
            CompletableFuture<Boolean> next = null;
            synchronized (this) {
                while (next == null && inFlight < (int) limit && !waiting.isEmpty()) {
                    CompletableFuture<Boolean> waiter = waiting.pollFirst();
                    if (!waiter.isDone()) {
                        inFlight++;
                        next = waiter;
                    }
                }
            }
            if (next == null) {
                return;
            }
            if (!next.complete(true)) {
                synchronized (this) {
                    inFlight--; // its timer won the race: the place is free again
                }
            }
        }
    }

    synchronized int limit() {
        return (int) limit;
    }

    synchronized int inFlight() {
        return inFlight;
    }

    /** Requests waiting for a place; some may have given up and not been dropped yet. */
    synchronized int waiting() {
        return waiting.size();
    }
}
