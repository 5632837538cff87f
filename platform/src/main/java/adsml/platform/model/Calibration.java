package adsml.platform.model;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Arrays;

/**
 * Maps a raw model probability to a calibrated one.
 *
 * <p>Contract: {@link #apply} is pure and thread-safe; {@link #applyInPlace} does the same over a range without
 * allocating (it is on the scoring hot path). Outputs lie in [0, 1] for inputs in [0, 1]; NaN stays NaN. The JSON form
 * stored in model.json is
 *
 * <pre>
 *   {"type":"identity"}
 *   {"type":"platt","a":1.2,"b":-0.3}
 *   {"type":"isotonic","x":[0.01,0.2,...],"y":[0.0,0.05,...]}
 *   {"type":"sliced","slot":"ad_category","offsets":[0.1,-0.4,...],"base":{"type":"platt",...}}
 * </pre>
 *
 * Unknown extra fields are ignored so newer writers stay readable. {@link #fromJson} throws
 * {@link InvalidModelException} naming the location and the field on bad input.
 */
public sealed interface Calibration
        permits Calibration.Identity, Calibration.Platt, Calibration.Isotonic, Calibration.Sliced {

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

    /** The part that needs nothing but the probability: all of it except a {@link Sliced} calibration's offsets. */
    default Calibration base() {
        return this;
    }

    /**
     * Parses the JSON form.
     *
     * @param where names the location in error messages, e.g. {@code "model.json: calibration"}
     * @throws InvalidModelException naming {@code where} and the field on unknown type, missing or non-numeric fields,
     *     {@code x}/{@code y} of different lengths, {@code x} not strictly increasing, {@code y} outside [0, 1] or
     *     decreasing, a sliced calibration without a slot, with no offsets or one past {@link Sliced#MAX_OFFSET}, or
     *     sliced again
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
            case "sliced": {
                JsonNode slot = node.get("slot");
                if (slot == null || !slot.isTextual()) {
                    throw new InvalidModelException(where + ": field 'slot': missing or not a string");
                }
                Calibration base = fromJson(node.get("base"), where + ": field 'base'");
                float[] offsets = floats(node, "offsets", where);
                String problem = Sliced.check(base, offsets);
                if (problem != null) {
                    throw new InvalidModelException(where + ": " + problem);
                }
                return new Sliced(base, slot.textValue(), offsets);
            }
            default:
                throw new InvalidModelException(where + ": field 'type': unknown calibration type '" + type.textValue()
                        + "' (expected identity, platt, isotonic or sliced)");
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

    /**
     * The logit of {@code p} clamped to [EPS, 1 - EPS]: Platt's feature, shared by its fit and its apply so that both
     * see the same value.
     */
    static double logit(double p) {
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
     * Platt scaling: {@code sigmoid(a * logit(p) + b)}, with {@code p} clamped to [EPS, 1 - EPS]. {@code a = 1, b = 0}
     * is the identity (up to the clamp).
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
            return JsonNodeFactory.instance
                    .objectNode()
                    .put("type", "platt")
                    .put("a", a)
                    .put("b", b);
        }
    }

    /**
     * Monotone piecewise-linear calibration: linear interpolation between breakpoints {@code (x[i], y[i])}, constant
     * {@code y[0]} below {@code x[0]} and {@code y[n-1]} above {@code x[n-1]}.
     *
     * <p>Contract: arrays are copied in and out; equality compares contents. The constructor throws
     * {@link IllegalArgumentException} unless both arrays are non-empty and of equal length, {@code x} is finite and
     * strictly increasing, and {@code y} is within [0, 1] and non-decreasing.
     */
    record Isotonic(float[] x, float[] y) implements Calibration {
        public Isotonic {
            String problem = check(x, y);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            x = x.clone();
            y = y.clone();
        }

        private static String check(float[] x, float[] y) {
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
    }

    /**
     * A calibration per slice of one sparse slot (each ad category, say): the base calibration, then the slice's offset
     * added to the logit, {@code sigmoid(logit(base(p)) + offsets[id])}, where {@code id} is the row's id in
     * {@code slot} (its global embedding row less the slot's first). An id past the table has no offset. Why: a world
     * that drifts by category moves each category's click rate by its own amount, and a version fine-tuned on a few
     * hours of traffic barely moves its embeddings; fifty offsets fitted on the same hours follow it.
     *
     * <p>{@link #apply(float)} sees no row, so it is refused rather than half done: scorers apply {@link #base()} and
     * then add the row's offset with {@link #offset(float, int)}. Arrays are copied in and out; equality compares
     * contents.
     */
    record Sliced(Calibration base, String slot, float[] offsets) implements Calibration {
        /** Far past any offset a fit gives (a factor of e^20); a larger one is a corrupt file. */
        public static final float MAX_OFFSET = 20f;

        public Sliced {
            java.util.Objects.requireNonNull(base, "base");
            java.util.Objects.requireNonNull(slot, "slot");
            String problem = check(base, offsets);
            if (problem != null) {
                throw new IllegalArgumentException(problem);
            }
            offsets = offsets.clone();
        }

        private static String check(Calibration base, float[] offsets) {
            if (base instanceof Sliced) {
                return "field 'base': a sliced calibration cannot be sliced again";
            }
            if (offsets == null || offsets.length == 0) {
                return "field 'offsets': needs at least one offset";
            }
            for (int i = 0; i < offsets.length; i++) {
                if (!(Math.abs(offsets[i]) <= MAX_OFFSET)) {
                    return "field 'offsets': element " + i + " (" + offsets[i] + ") is not a finite number within +-"
                            + MAX_OFFSET;
                }
            }
            return null;
        }

        @Override
        public float[] offsets() {
            return offsets.clone();
        }

        /** Refused: a sliced calibration needs the row's id; apply {@link #base()}, then {@link #offset}. */
        @Override
        public float apply(float p) {
            throw new UnsupportedOperationException(NEEDS_THE_ROW);
        }

        /** Refused, as {@link #apply(float)}. */
        @Override
        public void applyInPlace(float[] p, int from, int to) {
            throw new UnsupportedOperationException(NEEDS_THE_ROW);
        }

        private static final String NEEDS_THE_ROW =
                "a sliced calibration needs each row's id: apply its base, then offset(p, id) (Scorer.calibrate)";

        /** {@code p}, already through the base, moved by the offset of slice {@code id}; NaN stays NaN. */
        public float offset(float p, int id) {
            if (id < 0 || id >= offsets.length || offsets[id] == 0 || p != p) {
                return p;
            }
            return (float) (1.0 / (1.0 + Math.exp(-(logit(p) + offsets[id]))));
        }

        @Override
        public ObjectNode toJson() {
            ObjectNode node =
                    JsonNodeFactory.instance.objectNode().put("type", "sliced").put("slot", slot);
            ArrayNode values = node.putArray("offsets");
            for (float o : offsets) {
                values.add(o);
            }
            node.set("base", base.toJson());
            return node;
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof Sliced other
                    && base.equals(other.base)
                    && slot.equals(other.slot)
                    && Arrays.equals(offsets, other.offsets);
        }

        @Override
        public int hashCode() {
            return (31 * base.hashCode() + slot.hashCode()) * 31 + Arrays.hashCode(offsets);
        }

        @Override
        public String toString() {
            return "Sliced[base=" + base + ", slot=" + slot + ", offsets=" + Arrays.toString(offsets) + "]";
        }
    }
}
