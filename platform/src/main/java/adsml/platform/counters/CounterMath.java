package adsml.platform.counters;

import static adsml.platform.counters.Counters.CLICKS;
import static adsml.platform.counters.Counters.CONVERSIONS;
import static adsml.platform.counters.Counters.DAY_MS;
import static adsml.platform.counters.Counters.IMPRESSIONS;
import static adsml.platform.counters.Counters.MEASURES;
import static adsml.platform.counters.Counters.SPEND;
import static adsml.platform.counters.Counters.TODAY;
import static adsml.platform.counters.Counters.VALUES;

/**
 * The arithmetic of one key's state, shared by every store so that equal updates give equal reads whichever store holds
 * them. A key's state is its {@link Counters#VALUES} floats as of {@code lastMs}, the latest event time it has seen;
 * its {@code today} values count the UTC day of {@code lastMs}. {@code RedisCounterStore}'s script repeats {@link #add}
 * operation for operation, in the same order and with the same rounding to float, so keep the two in step.
 */
final class CounterMath {
    /** Floats of the three decayed windows, which come first in a key's values. */
    static final int DECAYED = TODAY * MEASURES;

    private static final double DAY = DAY_MS;

    private CounterMath() {}

    static long day(long ms) {
        return Math.floorDiv(ms, DAY_MS);
    }

    /**
     * The decay factors of the 5m, 1h and 1d windows over {@code elapsedMs >= 0}, into {@code f[0, 3)}. One exp and
     * powers of it, since the windows' lengths are whole multiples of each other (1d = 24 x 1h, 1h = 12 x 5m): a read
     * of thousands of keys pays one exp per key, not three. Relative error stays below 1e-13.
     */
    static void factors(long elapsedMs, double[] f) {
        double d = Math.exp(-(double) elapsedMs / DAY);
        double d2 = d * d;
        double d4 = d2 * d2;
        double d8 = d4 * d4;
        double h = d8 * d8 * d8;
        double h2 = h * h;
        double h4 = h2 * h2;
        double m = h4 * h4 * h4;
        f[0] = m;
        f[1] = h;
        f[2] = d;
    }

    /**
     * Adds {@code amount} of {@code measure} at {@code timeMs} to the state at {@code values[off, off + VALUES)} as of
     * {@code lastMs}, and returns the state's new time. An event later than the state moves it forward (decays it, and
     * clears {@code today} on a new day); an earlier one (events may arrive out of order) adds its decayed amount
     * without moving the state, and counts for {@code today} only if it falls on the state's day.
     *
     * @param f scratch for {@link #factors}, three doubles
     */
    static long add(float[] values, int off, long lastMs, int measure, float amount, long timeMs, double[] f) {
        if (timeMs >= lastMs) {
            factors(timeMs - lastMs, f);
            for (int w = 0; w < TODAY; w++) {
                for (int m = 0; m < MEASURES; m++) {
                    int i = off + w * MEASURES + m;
                    double x = values[i] * f[w];
                    if (m == measure) {
                        x += amount;
                    }
                    values[i] = (float) x;
                }
            }
            if (day(timeMs) > day(lastMs)) {
                for (int m = 0; m < MEASURES; m++) {
                    values[off + DECAYED + m] = 0f;
                }
            }
            int t = off + DECAYED + measure;
            values[t] = (float) ((double) values[t] + amount);
            return timeMs;
        }
        factors(lastMs - timeMs, f);
        for (int w = 0; w < TODAY; w++) {
            int i = off + w * MEASURES + measure;
            values[i] = (float) (values[i] + amount * f[w]);
        }
        if (day(timeMs) == day(lastMs)) {
            int t = off + DECAYED + measure;
            values[t] = (float) ((double) values[t] + amount);
        }
        return lastMs;
    }

    /** Midnight UTC at or before {@code ms}: where its day's {@code today} starts. */
    static long midnight(long ms) {
        return ms - Math.floorMod(ms, DAY_MS);
    }

    /**
     * Turns the state at {@code values[off, off + VALUES)} as of {@code lastMs} into what a read at {@code nowMs}
     * answers: decayed to {@code nowMs}, {@code today} zero once {@code nowMs} is on a later day. A read earlier than
     * the state (a reader's clock behind the event log's) answers the state as it is: decay never amplifies.
     *
     * @param nowMidnight {@link #midnight} of {@code nowMs}, worked out once per read: a division per key would cost as
     *     much as the decay
     * @param f scratch for {@link #factors}, three doubles
     */
    static void decayForRead(float[] values, int off, long lastMs, long nowMs, long nowMidnight, double[] f) {
        if (nowMs <= lastMs) {
            return;
        }
        factors(nowMs - lastMs, f);
        // In float, unlike add: a read's result is not stored, a float product is within an ulp of a double one
        // rounded,
        // and the CPU's conversions between float and double cost twice the rest of the read's decay.
        for (int w = 0; w < TODAY; w++) {
            float fw = (float) f[w];
            int i = off + w * MEASURES;
            values[i + IMPRESSIONS] *= fw;
            values[i + CLICKS] *= fw;
            values[i + CONVERSIONS] *= fw;
            values[i + SPEND] *= fw;
        }
        if (lastMs < nowMidnight) {
            for (int m = 0; m < MEASURES; m++) {
                values[off + DECAYED + m] = 0f;
            }
        }
    }

    /** @throws IllegalArgumentException for an update of key 0, the mark of a free slot */
    static void requireKeys(CounterUpdates updates) {
        for (int i = 0; i < updates.size(); i++) {
            if (updates.key(i) == 0) {
                throw new IllegalArgumentException("update " + i + " has key 0, which no CounterKeys key is");
            }
        }
    }

    /** Zeros a key's values, as a key never counted reads. */
    static void zero(float[] values, int off) {
        for (int i = off; i < off + VALUES; i++) {
            values[i] = 0f;
        }
    }
}
