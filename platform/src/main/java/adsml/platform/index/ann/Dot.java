package adsml.platform.index.ann;

/**
 * The inner product every retrieval of this package uses, so that the index and the exact reference compute the same
 * float for the same pair. Four running sums: a float sum in one chain waits on each add (the JIT may not reorder float
 * adds), four chains keep the adder busy.
 */
final class Dot {
    private Dot() {}

    /** {@code a[aOffset, aOffset + dim) . b[bOffset, bOffset + dim)}. */
    static float of(float[] a, int aOffset, float[] b, int bOffset, int dim) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        for (; i + 3 < dim; i += 4) {
            s0 += a[aOffset + i] * b[bOffset + i];
            s1 += a[aOffset + i + 1] * b[bOffset + i + 1];
            s2 += a[aOffset + i + 2] * b[bOffset + i + 2];
            s3 += a[aOffset + i + 3] * b[bOffset + i + 3];
        }
        for (; i < dim; i++) {
            s0 += a[aOffset + i] * b[bOffset + i];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
