package adsml.platform.offline.metrics;

import java.util.Arrays;

/**
 * Binary-classification metrics over parallel arrays of predicted probabilities {@code p} and labels {@code y}
 * ({@code true} = positive).
 *
 * <p>Contract: every method throws {@link IllegalArgumentException} when the arrays differ in length; none modifies its
 * inputs; an undefined value (no rows, a missing class) is reported as {@code NaN} rather than an exception so a
 * dashboard can show it. Methods that sort ({@link #auc}, {@link #ece}) run in O(n log n) on one primitive
 * {@code long[]} and reject NaN predictions with {@link IllegalArgumentException}, since NaN has no rank.
 */
public final class Metrics {
    /** Probabilities are clamped to [EPS, 1 - EPS] in {@link #logLoss}, so a confident miss costs ~16, not infinity. */
    public static final double EPS = 1e-7;

    private Metrics() {}

    /**
     * ROC AUC, computed as the Mann-Whitney statistic: the probability that a random positive scores above a random
     * negative, counting ties as one half.
     *
     * @return AUC in [0, 1], or NaN when either class is absent
     */
    public static double auc(float[] p, boolean[] y) {
        int n = checkLengths(p, y);
        long[] order = sortedIndex(p);
        long pos = 0;
        for (boolean b : y) {
            if (b) {
                pos++;
            }
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) {
            return Double.NaN;
        }
        // walk groups of equal score in ascending order: each positive beats every negative below its group
        // and ties half of the negatives inside it
        double wins = 0;
        long negBelow = 0;
        int i = 0;
        while (i < n) {
            long key = order[i] >>> 32;
            long gPos = 0;
            long gNeg = 0;
            while (i < n && (order[i] >>> 32) == key) {
                if (y[(int) order[i]]) {
                    gPos++;
                } else {
                    gNeg++;
                }
                i++;
            }
            wins += (double) gPos * negBelow + 0.5 * gPos * gNeg;
            negBelow += gNeg;
        }
        return wins / ((double) pos * neg);
    }

    /**
     * Mean binary cross-entropy, with {@code p} clamped to [{@link #EPS}, 1 - {@link #EPS}].
     *
     * @return the mean log loss, NaN for no rows or if any {@code p} is NaN
     */
    public static double logLoss(float[] p, boolean[] y) {
        int n = checkLengths(p, y);
        if (n == 0) {
            return Double.NaN;
        }
        double sum = 0;
        for (int i = 0; i < n; i++) {
            double q = Math.min(Math.max(p[i], EPS), 1 - EPS); // Math.max/min propagate NaN, so NaN stays NaN
            sum -= y[i] ? Math.log(q) : Math.log1p(-q);
        }
        return sum / n;
    }

    /**
     * Expected calibration error over {@code bins} equal-mass bins of the rows sorted by {@code p}: the sum over bins
     * of (bin size / n) * |mean p - mean y|. Bin {@code b} holds sorted rows {@code [b*n/bins, (b+1)*n/bins)}; rows
     * with equal {@code p} may fall into adjacent bins. When {@code bins > n} the empty bins are skipped.
     *
     * @return ECE in [0, 1], NaN for no rows
     * @throws IllegalArgumentException if {@code bins < 1}
     */
    public static double ece(float[] p, boolean[] y, int bins) {
        int n = checkLengths(p, y);
        if (bins < 1) {
            throw new IllegalArgumentException("bins must be >= 1, got " + bins);
        }
        if (n == 0) {
            return Double.NaN;
        }
        long[] order = sortedIndex(p);
        double total = 0;
        for (int b = 0; b < bins; b++) {
            int from = (int) ((long) b * n / bins);
            int to = (int) ((long) (b + 1) * n / bins);
            if (to == from) {
                continue;
            }
            double sumP = 0;
            double sumY = 0;
            for (int i = from; i < to; i++) {
                int idx = (int) (order[i] & 0xffffffffL);
                sumP += p[idx];
                sumY += y[idx] ? 1 : 0;
            }
            // (size / n) * |mean p - mean y| simplifies to |sum p - sum y| / n
            total += Math.abs(sumP - sumY) / n;
        }
        return total;
    }

    /**
     * Mean prediction over mean label (1 is unbiased; above 1 over-predicts).
     *
     * @return the ratio, NaN when there are no rows or no positives
     */
    public static double predOverObs(float[] p, boolean[] y) {
        int n = checkLengths(p, y);
        double sumP = 0;
        long pos = 0;
        for (int i = 0; i < n; i++) {
            sumP += p[i];
            if (y[i]) {
                pos++;
            }
        }
        if (pos == 0) {
            return Double.NaN;
        }
        return sumP / pos; // the 1/n in both means cancels
    }

    private static int checkLengths(float[] p, boolean[] y) {
        if (p.length != y.length) {
            throw new IllegalArgumentException("p and y differ in length: " + p.length + " vs " + y.length);
        }
        return p.length;
    }

    /**
     * Row indices in ascending order of {@code p}, packed as {@code (orderedKey << 32) | index}: the upper half is an
     * order-preserving int image of the float (equal floats get equal keys, -0.0 folds into 0.0), so one primitive sort
     * orders rows without boxing and the key still identifies tie groups.
     */
    private static long[] sortedIndex(float[] p) {
        long[] keys = new long[p.length];
        for (int i = 0; i < p.length; i++) {
            float v = p[i];
            if (v != v) {
                throw new IllegalArgumentException("p[" + i + "] is NaN");
            }
            int bits = Float.floatToIntBits(v + 0.0f);
            int key = bits ^ ((bits >> 31) & 0x7fffffff); // negative floats: flip the magnitude bits
            keys[i] = ((long) key << 32) | i;
        }
        Arrays.sort(keys);
        return keys;
    }
}
