package adsml.load;

import java.util.Collections;
import java.util.SortedMap;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * What one run observed: latencies of answered requests, statuses, transport errors and drops, and the requests still
 * in flight. One monitor guards it all, so that a request is counted exactly once even when it answers just as the run
 * closes; at the rates a single generator reaches the uncontended lock costs far less than the HTTP call it records.
 */
final class Recording {
    private final long deadlineNanos;
    private final Histogram micros = new Histogram(3);
    private final Histogram goodMicros = new Histogram(3);
    private final Histogram shedMicros = new Histogram(3);
    private final SortedMap<Integer, Long> statuses = new TreeMap<>();
    private long errors;
    private long dropped;
    private int inFlight;
    private int measuredInFlight;
    private boolean closed;

    /** @param deadlineNanos a 2xx within this long of its intended start is goodput */
    Recording(long deadlineNanos) {
        this.deadlineNanos = deadlineNanos;
    }

    /** Claims a slot for a request, or returns false when {@code limit} are already in flight. */
    synchronized boolean tryStart(int limit, boolean measured) {
        if (inFlight >= limit) {
            if (measured && !closed) {
                dropped++;
            }
            return false;
        }
        inFlight++;
        if (measured) {
            measuredInFlight++;
        }
        return true;
    }

    /** An HTTP answer; its latency is from the request's intended start to the answer. */
    synchronized void answered(boolean measured, long latencyNanos, int status) {
        release(measured);
        if (measured && !closed) {
            long us = Math.max(0, TimeUnit.NANOSECONDS.toMicros(latencyNanos));
            micros.recordValue(us);
            if (status / 100 == 2 && latencyNanos <= deadlineNanos) {
                goodMicros.recordValue(us);
            } else if (status == 503) {
                shedMicros.recordValue(us);
            }
            statuses.merge(status, 1L, Long::sum);
        }
    }

    /** A transport failure: refused, reset, timed out. Not a latency sample. */
    synchronized void failed(boolean measured) {
        release(measured);
        if (measured && !closed) {
            errors++;
        }
    }

    synchronized int inFlight() {
        return inFlight;
    }

    /** Stops recording; recorded requests still unanswered count as errors. */
    synchronized Snapshot close() {
        if (!closed) {
            closed = true;
            errors += measuredInFlight;
        }
        return new Snapshot(
                micros.copy(),
                goodMicros.copy(),
                shedMicros.copy(),
                Collections.unmodifiableSortedMap(new TreeMap<>(statuses)),
                errors,
                dropped);
    }

    private void release(boolean measured) {
        inFlight--;
        if (measured) {
            measuredInFlight--;
        }
    }

    /**
     * The closed recording. {@code latencyMicros} holds answered requests only; {@code goodMicros} the 2xx answered
     * within the deadline, {@code shedMicros} the 503s.
     */
    record Snapshot(
            Histogram latencyMicros,
            Histogram goodMicros,
            Histogram shedMicros,
            SortedMap<Integer, Long> statuses,
            long errors,
            long dropped) {
        long answered() {
            return latencyMicros.getTotalCount();
        }
    }
}
