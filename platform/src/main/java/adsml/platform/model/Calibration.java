package adsml.platform.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;

/**
 * Maps a raw model probability to a calibrated one.
 *
 * <p>Contract: {@link #apply} is pure and thread-safe; {@link #applyInPlace} does the same over a range
 * without allocating (it is on the scoring hot path). Outputs lie in [0, 1] for inputs in [0, 1]; NaN stays
 * NaN. The JSON form stored in model.json is
 * <pre>
 *   {"type":"identity"}
 *   {"type":"platt","a":1.2,"b":-0.3}
 *   {"type":"isotonic","x":[0.01,0.2,...],"y":[0.0,0.05,...]}
 * </pre>
 * Unknown extra fields are ignored so newer writers stay readable. {@link #fromJson} throws
 * {@link InvalidModelException} naming the location and the field on bad input.
 */
public sealed interface Calibration permits Calibration.Identity, Calibration.Platt, Calibration.Isotonic {

    /** Probabilities are clamped to [EPS, 1 - EPS] before taking a logit, so 0 and 1 stay finite. */
    double EPS = 1e-7;

    /** @return the calibrated probability for raw probability {@code p} */
    float apply(float p);

    /**
     * Replaces {@code p[from..to)} with calibrated values.
     *
     * @throws IndexOutOfBoundsException if the range is not within {@code p}
     */
    void applyInPlace(float[] p, int from, int to);

    /** @return the JSON form described in the interface doc */
    ObjectNode toJson();

    /**
     * Parses the JSON form.
     *
     * @param where names the location in error messages, e.g. {@code "model.json: calibration"}
     * @throws InvalidModelException naming {@code where} and the field on unknown type, missing or non-numeric
     *     fields, {@code x}/{@code y} of different lengths, {@code x} not strictly increasing, or {@code y}
     *     outside [0, 1] or decreasing
     */
    static Calibration fromJson(JsonNode node, String where) {
        if (node == null || !node.isObject()) {
            throw new InvalidModelException(where + ": not a JSON object");
        }
        JsonNode type = node.get("type");
        if (type == null || !type.isTextual()) {
            throw new InvalidModelException(where + ": field 'type': missing or not a string");
        }
        switch (type.textValue()) {
            case "identity":
                return Identity.INSTANCE;
            case "platt":
                return new Platt(finiteNumber(node, "a", where), finiteNumber(node, "b", where));
            case "isotonic": {
                float[] x = floats(node, "x", where);
                float[] y = floats(node, "y", where);
                String problem = Isotonic.check(x, y);
                if (problem != null) {
                    throw new InvalidModelException(where + ": " + problem);
                }
                return new Isotonic(x, y);
            }
            default:
                throw new InvalidModelException(where + ": field 'type': unknown calibration type '"
                        + type.textValue() + "' (expected identity, platt or isotonic)");
        }
    }

    private static double finiteNumber(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isNumber() || !Double.isFinite(v.doubleValue())) {
            throw new InvalidModelException(where + ": field '" + field + "': missing or not a finite number");
        }
        return v.doubleValue();
    }

    private static float[] floats(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || !v.isArray()) {
            throw new InvalidModelException(where + ": field '" + field + "': missing or not an array");
        }
        float[] out = new float[v.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode e = v.get(i);
            if (!e.isNumber()) {
                throw new InvalidModelException(where + ": field '" + field + "': element " + i + " is not a number");
            }
            out[i] = e.floatValue();
        }
        return out;
    }

    /** @return the calibration that returns its input unchanged */
    static Calibration identity() {
        return Identity.INSTANCE;
    }

    /** Clamped logit; shared by Platt's fit and apply so they see the same feature. */
    private static double logit(double p) {
        double q = Math.min(Math.max(p, EPS), 1 - EPS);
        return Math.log(q / (1 - q));
    }

    /** Returns its input unchanged. */
    record Identity() implements Calibration {
        /** The only instance needed; {@code new Identity()} is equal to it. */
        public static final Identity INSTANCE = new Identity();

        @Override
        public float apply(float p) {
            return p;
        }

        @Override
        public void applyInPlace(float[] p, int from, int to) {
            java.util.Objects.checkFromToIndex(from, to, p.length);
        }

        @Override
        public ObjectNode toJson() {
            return JsonNodeFactory.instance.objectNode().put("type", "identity");
        }
    }

    /**
     * Platt scaling: {@code sigmoid(a * logit(p) + b)}, with {@code p} clamped to [EPS, 1 - EPS].
     * {@code a = 1, b = 0} is the identity (up to the clamp).
     *
     * @throws IllegalArgumentException if {@code a} or {@code b} is not finite
     */
    record Platt(double a, double b) implements Calibration {
        public Platt {
            if (!Double.isFinite(a) || !Double.isFinite(b)) {
                throw new IllegalArgumentException("Platt a and b must be finite, got a=" + a + ", b=" + b);
            }
        }

        @Override
        public float apply(float p) {
            if (p != p) {
                return p; // NaN in, NaN out: the clamp would otherwise hide it
            }
            return (float) (1.0 / (1.0 + Math.exp(-(a * logit(p) + b))));
        }

        @Override
        public void applyInPlace(float[] p, int from, int to) {
            java.util.Objects.checkFromToIndex(from, to, p.length);
            for (int i = from; i < to; i++) {
                p[i] = apply(p[i]);
            }
        }

        @Override
        public ObjectNode toJson() {
            return JsonNodeFactory.instance.objectNode().put("type", "platt").put("a", a).put("b", b);
        }

        /**
         * Fits {@code a, b} by Newton's method with backtracking on the log loss of
         * {@code sigmoid(a * logit(p) + b)} against Platt's smoothed targets ({@code (N+ + 1)/(N+ + 2)} for
         * positives, {@code 1/(N- + 2)} for negatives), which keeps the optimum finite on separable or
         * one-class data; with many rows the smoothing is negligible.
         *
         * @throws IllegalArgumentException if the arrays differ in length, are empty, or {@code p} has a NaN
         */
        public static Platt fit(float[] p, boolean[] y) {
            int n = checkFitInput(p, y);
            double[] z = new double[n];
            int pos = 0;
            for (int i = 0; i < n; i++) {
                z[i] = logit(p[i]);
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
            return new Platt(a, b);
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
    }

    /**
     * Monotone piecewise-linear calibration: linear interpolation between breakpoints {@code (x[i], y[i])},
     * constant {@code y[0]} below {@code x[0]} and {@code y[n-1]} above {@code x[n-1]}.
     *
     * <p>Contract: arrays are copied in and out; equality compares contents. The constructor throws
     * {@link IllegalArgumentException} unless both arrays are non-empty and of equal length, {@code x} is
     * finite and strictly increasing, and {@code y} is within [0, 1] and non-decreasing.
     */
    record Isotonic(float[] x, float[] y) implements Calibration {
        /** Upper bound on the blocks {@link #fit} keeps; each block contributes at most two breakpoints. */
        public static final int MAX_BLOCKS = 100;

        public Isotonic {
            String problem = check(x, y);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            x = x.clone();
            y = y.clone();
        }

        static String check(float[] x, float[] y) {
            if (x == null || y == null) {
                return "fields 'x' and 'y' are required";
            }
            if (x.length != y.length) {
                return "fields 'x' and 'y' differ in length (" + x.length + " vs " + y.length + ")";
            }
            if (x.length == 0) {
                return "field 'x': needs at least one breakpoint";
            }
            for (int i = 0; i < x.length; i++) {
                if (!Float.isFinite(x[i])) {
                    return "field 'x': element " + i + " is not finite";
                }
                if (i > 0 && !(x[i] > x[i - 1])) {
                    return "field 'x': not strictly increasing at element " + i + " (" + x[i - 1] + ", " + x[i] + ")";
                }
                if (!(y[i] >= 0 && y[i] <= 1)) {
                    return "field 'y': element " + i + " (" + y[i] + ") is outside [0, 1]";
                }
                if (i > 0 && y[i] < y[i - 1]) {
                    return "field 'y': decreasing at element " + i + " (" + y[i - 1] + ", " + y[i] + ")";
                }
            }
            return null;
        }

        @Override
        public float[] x() {
            return x.clone();
        }

        @Override
        public float[] y() {
            return y.clone();
        }

        @Override
        public float apply(float p) {
            int last = x.length - 1;
            if (p != p) {
                return p;
            }
            if (p <= x[0]) {
                return y[0];
            }
            if (p >= x[last]) {
                return y[last];
            }
            // largest i with x[i] <= p; the guards above make 0 <= i < last
            int lo = 0;
            int hi = last;
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                if (x[mid] <= p) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            float t = (p - x[lo]) / (x[hi] - x[lo]);
            return y[lo] + t * (y[hi] - y[lo]);
        }

        @Override
        public void applyInPlace(float[] p, int from, int to) {
            java.util.Objects.checkFromToIndex(from, to, p.length);
            for (int i = from; i < to; i++) {
                p[i] = apply(p[i]);
            }
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode node = JsonNodeFactory.instance.objectNode().put("type", "isotonic");
            ArrayNode xs = node.putArray("x");
            ArrayNode ys = node.putArray("y");
            for (int i = 0; i < x.length; i++) {
                xs.add(x[i]);
                ys.add(y[i]);
            }
            return node;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Isotonic other && Arrays.equals(x, other.x) && Arrays.equals(y, other.y);
        }

        @Override
        public int hashCode() {
            return 31 * Arrays.hashCode(x) + Arrays.hashCode(y);
        }

        @Override
        public String toString() {
            return "Isotonic[x=" + Arrays.toString(x) + ", y=" + Arrays.toString(y) + "]";
        }

        /**
         * Fits by pool-adjacent-violators on {@code p} sorted ascending (equal {@code p} pooled first), then
         * merges neighbouring blocks into at most {@link #MAX_BLOCKS} groups of roughly equal mass (merging
         * neighbours keeps the fit monotone). Each block becomes breakpoints at its smallest and largest
         * {@code p}, so the result is flat within blocks and linear between them.
         *
         * @throws IllegalArgumentException if the arrays differ in length, are empty, or {@code p} has a NaN
         */
        public static Isotonic fit(float[] p, boolean[] y) {
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
            return new Isotonic(Arrays.copyOf(xs, k), Arrays.copyOf(ys, k));
        }

        /**
         * Indices of {@code p} in ascending order without boxing: each long packs an order-preserving int
         * image of the float above the index, so one primitive sort does it.
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
