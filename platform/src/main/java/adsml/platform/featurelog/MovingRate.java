package adsml.platform.featurelog;

/**
 * An events-per-second rate that forgets exponentially: each count decays with time constant {@code tau}, so under a
 * steady rate {@code r} the decayed sum tends to {@code r * tau}, and the rate reads as that sum over {@code tau}. It
 * starts from zero and reaches 63% of a new steady rate after one {@code tau}. Driven by the caller's clock;
 * thread-safe.
 */
final class MovingRate {
    private final double tauMs;
    private double decayedCount;
    private long atMs;
    private boolean started;

    MovingRate(long tauMs) {
        if (tauMs < 1) {
            throw new IllegalArgumentException("tauMs must be >= 1, was " + tauMs);
        }
        this.tauMs = tauMs;
    }

    synchronized void add(long count, long nowMs) {
        decayTo(nowMs);
        decayedCount += count;
    }

    synchronized double perSecond(long nowMs) {
        decayTo(nowMs);
        return decayedCount * 1000.0 / tauMs;
    }

    private void decayTo(long nowMs) {
        if (!started) {
            started = true;
            atMs = nowMs;
        } else if (nowMs > atMs) {
            decayedCount *= Math.exp(-(nowMs - atMs) / tauMs);
            atMs = nowMs;
        }
    }
}
