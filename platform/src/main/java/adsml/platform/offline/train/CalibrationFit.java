package adsml.platform.offline.train;

import adsml.platform.model.Calibration;
import java.util.Arrays;

/**
 * Fits a {@link Calibration} to held-out predictions and labels. The model format only stores and applies calibrations;
 * fitting them is the trainer's job.
 */
public final class CalibrationFit {
    /** Upper bound on the blocks {@link #isotonic} keeps; each block contributes at most two breakpoints. */
    public static final int MAX_BLOCKS = 100;

    private CalibrationFit() {}

    /**
     * Fits {@code a, b} by Newton's method with backtracking on the log loss of {@code sigmoid(a * logit(p) + b)}
     * against Platt's smoothed targets ({@code (N+ + 1)/(N+ + 2)} for positives, {@code 1/(N- + 2)} for negatives),
     * which keeps the optimum finite on separable or one-class data; with many rows the smoothing is negligible.
     *
     * @throws IllegalArgumentException if the arrays differ in length, are empty, or {@code p} has a NaN
     */
    public static Calibration.Platt platt(float[] p, boolean[] y) {
        int n = checkFitInput(p, y);
        double[] z = new double[n];
        int pos = 0;
        for (int i = 0; i < n; i++) {
            z[i] = Calibration.logit(p[i]);
            if (y[i]) {
                pos++;
            }
        }
        double tPos = (pos + 1.0) / (pos + 2.0);
        double tNeg = 1.0 / (n - pos + 2.0);

        double a = 1;
        double b = 0; // start from the identity: well-calibrated inputs converge in a step or two
        double f = loss(z, y, tPos, tNeg, a, b);
        for (int iter = 0; iter < 100; iter++) {
            double ga = 0;
            double gb = 0;
            double haa = 1e-12; // tiny ridge (as in Lin et al. 2007) keeps H invertible when all p are equal
            double hab = 0;
            double hbb = 1e-12;
            for (int i = 0; i < n; i++) {
                double q = sigmoid(a * z[i] + b);
                double r = q - (y[i] ? tPos : tNeg);
                double w = q * (1 - q);
                ga += r * z[i];
                gb += r;
                haa += w * z[i] * z[i];
                hab += w * z[i];
                hbb += w;
            }
            if (Math.abs(ga) < 1e-9 * n && Math.abs(gb) < 1e-9 * n) {
                break;
            }
            double det = haa * hbb - hab * hab;
            double da = -(hbb * ga - hab * gb) / det;
            double db = -(haa * gb - hab * ga) / det;
            double slope = ga * da + gb * db;
            double step = 1;
            double fNew;
            // backtrack until the Armijo condition holds, so far-off starts cannot overshoot
            while (true) {
                fNew = loss(z, y, tPos, tNeg, a + step * da, b + step * db);
                if (fNew <= f + 1e-4 * step * slope || step < 1e-10) {
                    break;
                }
                step *= 0.5;
            }
            if (step < 1e-10) {
                break; // no further progress possible in double precision
            }
            a += step * da;
            b += step * db;
            boolean converged = Math.abs(step * da) < 1e-10 && Math.abs(step * db) < 1e-10;
            f = fNew;
            if (converged) {
                break;
            }
        }
        return new Calibration.Platt(a, b);
    }

    private static double loss(double[] z, boolean[] y, double tPos, double tNeg, double a, double b) {
        double sum = 0;
        for (int i = 0; i < z.length; i++) {
            double f = a * z[i] + b;
            double t = y[i] ? tPos : tNeg;
            // log(1 + e^f) - t f, written to avoid overflow for large |f|
            sum += Math.max(f, 0) + Math.log1p(Math.exp(-Math.abs(f))) - t * f;
        }
        return sum;
    }

    private static double sigmoid(double f) {
        return 1.0 / (1.0 + Math.exp(-f));
    }

    /**
     * One logit offset per slice: for each id {@code k} in {@code [0, slices)}, the {@code o} that minimizes the log
     * loss of {@code sigmoid(logit(p_i) + o)} over the rows {@code i} with {@code ids[i] == k}, plus {@code prior * o^2
     * / 2}: a normal prior around no offset, worth about {@code prior} expected clicks (the log loss's curvature in
     * {@code o} is the slice's summed {@code p (1 - p)}). A slice with no rows keeps 0; ids outside the range are
     * skipped. Newton's method per slice, safeguarded by bisection (the loss is convex in {@code o}), offsets within
     * {@link Calibration.Sliced#MAX_OFFSET}.
     *
     * @throws IllegalArgumentException if the arrays differ in length, are empty, {@code p} has a NaN, or the prior is
     *     not positive
     */
    public static float[] sliceOffsets(float[] p, int[] ids, boolean[] y, int slices, double prior) {
        int n = checkFitInput(p, y);
        if (ids.length != n) {
            throw new IllegalArgumentException("ids and p differ in length: " + ids.length + " vs " + n);
        }
        if (!(prior > 0) || slices < 1) {
            throw new IllegalArgumentException("prior must be > 0 and slices >= 1, were " + prior + ", " + slices);
        }
        double[] z = new double[n];
        for (int i = 0; i < n; i++) {
            z[i] = Calibration.logit(p[i]);
        }
        double max = Calibration.Sliced.MAX_OFFSET;
        double[] o = new double[slices];
        double[] g = new double[slices];
        double[] h = new double[slices];
        // The minimum lies within [lo, hi]: the derivative is below 0 at lo and above at hi. A Newton step that would
        // leave the bracket (far-off starts overshoot on the logistic loss) is replaced by bisection.
        double[] lo = new double[slices];
        double[] hi = new double[slices];
        Arrays.fill(lo, -max);
        Arrays.fill(hi, max);
        // All slices step together: each pass over the rows makes one step in every slice.
        for (int iter = 0; iter < 100; iter++) {
            for (int k = 0; k < slices; k++) {
                g[k] = prior * o[k];
                h[k] = prior;
            }
            for (int i = 0; i < n; i++) {
                int k = ids[i];
                if (k < 0 || k >= slices) {
                    continue;
                }
                double q = sigmoid(z[i] + o[k]);
                g[k] += q - (y[i] ? 1 : 0);
                h[k] += q * (1 - q);
            }
            double largest = 0;
            for (int k = 0; k < slices; k++) {
                if (g[k] == 0) {
                    continue; // at the minimum, or a slice without rows at its prior's
                }
                if (g[k] > 0) {
                    hi[k] = o[k];
                } else {
                    lo[k] = o[k];
                }
                double next = o[k] - g[k] / h[k];
                if (!(next > lo[k] && next < hi[k])) {
                    next = (lo[k] + hi[k]) / 2;
                }
                largest = Math.max(largest, Math.abs(next - o[k]));
                o[k] = next;
            }
            if (largest < 1e-7) {
                break;
            }
        }
        float[] offsets = new float[slices];
        for (int k = 0; k < slices; k++) {
            offsets[k] = (float) o[k];
        }
        return offsets;
    }

    /**
     * Fits by pool-adjacent-violators on {@code p} sorted ascending (equal {@code p} pooled first), then merges
     * neighbouring blocks into at most {@link #MAX_BLOCKS} groups of roughly equal mass (merging neighbours keeps the
     * fit monotone). Each block becomes breakpoints at its smallest and largest {@code p}, so the result is flat within
     * blocks and linear between them.
     *
     * @throws IllegalArgumentException if the arrays differ in length, are empty, or {@code p} has a NaN
     */
    public static Calibration.Isotonic isotonic(float[] p, boolean[] y) {
        int n = checkFitInput(p, y);
        long[] order = sortedIndex(p);

        // PAV over tie groups; blocks live in parallel primitive stacks
        double[] sum = new double[n];
        double[] weight = new double[n];
        float[] lo = new float[n];
        float[] hi = new float[n];
        int blocks = 0;
        int i = 0;
        while (i < n) {
            int idx = (int) order[i];
            float v = p[idx] + 0.0f;
            double s = 0;
            int w = 0;
            while (i < n && p[(int) order[i]] + 0.0f == v) {
                s += y[(int) order[i]] ? 1 : 0;
                w++;
                i++;
            }
            sum[blocks] = s;
            weight[blocks] = w;
            lo[blocks] = v;
            hi[blocks] = v;
            blocks++;
            // pool while the previous block's mean is not below this one's (>= also pools equal means,
            // which changes no fitted value but saves breakpoints)
            while (blocks > 1 && sum[blocks - 2] * weight[blocks - 1] >= sum[blocks - 1] * weight[blocks - 2]) {
                sum[blocks - 2] += sum[blocks - 1];
                weight[blocks - 2] += weight[blocks - 1];
                hi[blocks - 2] = hi[blocks - 1];
                blocks--;
            }
        }

        // merge contiguous runs of blocks into groups of about n / MAX_BLOCKS rows each
        int groups = 0;
        double quota = (double) n / MAX_BLOCKS;
        double cumulative = 0;
        for (int b = 0; b < blocks; b++) {
            boolean startNew = groups == 0 || cumulative >= groups * quota;
            if (blocks <= MAX_BLOCKS || startNew) {
                sum[groups] = sum[b];
                weight[groups] = weight[b];
                lo[groups] = lo[b];
                hi[groups] = hi[b];
                groups++;
            } else {
                sum[groups - 1] += sum[b];
                weight[groups - 1] += weight[b];
                hi[groups - 1] = hi[b];
            }
            cumulative += weight[b];
        }

        float[] xs = new float[2 * groups];
        float[] ys = new float[2 * groups];
        int k = 0;
        for (int g = 0; g < groups; g++) {
            float mean = (float) (sum[g] / weight[g]);
            xs[k] = lo[g];
            ys[k++] = mean;
            if (hi[g] > lo[g]) {
                xs[k] = hi[g];
                ys[k++] = mean;
            }
        }
        return new Calibration.Isotonic(Arrays.copyOf(xs, k), Arrays.copyOf(ys, k));
    }

    /**
     * Indices of {@code p} in ascending order without boxing: each long packs an order-preserving int image of the
     * float above the index, so one primitive sort does it.
     */
    private static long[] sortedIndex(float[] p) {
        long[] keys = new long[p.length];
        for (int i = 0; i < p.length; i++) {
            int bits = Float.floatToIntBits(p[i] + 0.0f); // + 0.0f folds -0.0 into 0.0
            int key = bits ^ ((bits >> 31) & 0x7fffffff); // negative floats: flip magnitude bits
            keys[i] = ((long) key << 32) | i;
        }
        Arrays.sort(keys);
        for (int i = 0; i < keys.length; i++) {
            keys[i] &= 0xffffffffL;
        }
        return keys;
    }

    private static int checkFitInput(float[] p, boolean[] y) {
        if (p.length != y.length) {
            throw new IllegalArgumentException("p and y differ in length: " + p.length + " vs " + y.length);
        }
        if (p.length == 0) {
            throw new IllegalArgumentException("cannot fit a calibration on no data");
        }
        for (int i = 0; i < p.length; i++) {
            if (p[i] != p[i]) {
                throw new IllegalArgumentException("p[" + i + "] is NaN");
            }
        }
        return p.length;
    }
}
