package adsml.platform.index.ann;

/**
 * Embeddings as 8-bit codes, what the index stores and scans: at a million ads a retrieval waits on memory, not on
 * arithmetic, and a code is a quarter of a float. Each dimension is first divided by its scale (its root mean square
 * over the ads at build, so that every dimension uses the codes' range alike); then each ad's largest component is
 * mapped to 127 by a factor of its own, so that no ad clamps, an upserted outlier included. An ad's score is its factor
 * times the dot product of its codes with the query multiplied by the scales: one multiply more than a float dot
 * product, over a quarter of the bytes. Searching every list, the codes' top 1,000 held 0.993 of the floats' (a million
 * ads: {@code adsml bench retrieval --queries 200 --tolerance 0 --max-candidates 1000000}). An embedding with a NaN or
 * infinite component gets a NaN factor: its score is NaN, and a NaN ranks last.
 */
final class Int8 {
    private Int8() {}

    /** Per dimension, the root mean square of up to 100,000 of the vectors (1 where it is 0). */
    static float[] scales(float[] vectors, int n, int dim) {
        double[] sum = new double[dim];
        int step = Math.max(1, n / 100_000);
        int counted = 0;
        for (int i = 0; i < n; i += step, counted++) {
            for (int d = 0; d < dim; d++) {
                float v = vectors[i * dim + d];
                sum[d] += Float.isFinite(v) ? (double) v * v : 0;
            }
        }
        float[] scales = new float[dim];
        for (int d = 0; d < dim; d++) {
            double rms = counted == 0 ? 0 : Math.sqrt(sum[d] / counted);
            scales[d] = rms > 0 ? (float) rms : 1f;
        }
        return scales;
    }

    /** Encodes {@code v[from, from + dim)} into {@code codes[at, at + dim)} and returns the vector's factor. */
    static float encode(float[] v, int from, float[] scales, byte[] codes, int at) {
        int dim = scales.length;
        float max = 0f;
        for (int d = 0; d < dim; d++) {
            float u = v[from + d] / scales[d];
            if (!Float.isFinite(u)) {
                return Float.NaN;
            }
            max = Math.max(max, Math.abs(u));
        }
        float factor = max / 127f;
        if (!(factor >= Float.MIN_NORMAL)) {
            // Zero, or so small that the factor would lose the precision the codes need: score it 0.
            java.util.Arrays.fill(codes, at, at + dim, (byte) 0);
            return 0f;
        }
        for (int d = 0; d < dim; d++) {
            codes[at + d] = (byte) Math.round(v[from + d] / scales[d] / factor);
        }
        return factor;
    }

    /** {@code scaledQuery . codes[offset, offset + dim)}: times the ad's factor, its score. */
    static float dot(float[] scaledQuery, byte[] codes, int offset, int dim) {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f;
        int i = 0;
        for (; i + 3 < dim; i += 4) {
            s0 += scaledQuery[i] * codes[offset + i];
            s1 += scaledQuery[i + 1] * codes[offset + i + 1];
            s2 += scaledQuery[i + 2] * codes[offset + i + 2];
            s3 += scaledQuery[i + 3] * codes[offset + i + 3];
        }
        for (; i < dim; i++) {
            s0 += scaledQuery[i] * codes[offset + i];
        }
        return (s0 + s1) + (s2 + s3);
    }
}
