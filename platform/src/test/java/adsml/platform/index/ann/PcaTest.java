package adsml.platform.index.ann;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PcaTest {
    @Test
    void vectorsInAThreeDimensionalSubspace_needThreeComponents_andTheRotationKeepsDotProducts() {
        int dim = 12, n = 4_000;
        SplittableRandom r = new SplittableRandom(2);
        float[][] basis = new float[3][dim];
        for (float[] b : basis) {
            for (int d = 0; d < dim; d++) {
                b[d] = (float) r.nextGaussian();
            }
        }
        float[] v = new float[n * dim];
        for (int i = 0; i < n; i++) {
            double a = 3 * r.nextGaussian(), b = 2 * r.nextGaussian(), c = r.nextGaussian();
            for (int d = 0; d < dim; d++) {
                v[i * dim + d] = (float) (a * basis[0][d] + b * basis[1][d] + c * basis[2][d]);
            }
        }
        Pca pca = Pca.of(v, n, dim);
        double total = java.util.Arrays.stream(pca.variance).sum();
        assertTrue(pca.variance[0] + pca.variance[1] + pca.variance[2] > 0.999 * total, "three directions hold it all");
        for (int j = 1; j < dim; j++) {
            assertTrue(pca.variance[j] <= pca.variance[j - 1], "strongest first");
        }
        float[] x = new float[dim], y = new float[dim];
        Pca.rotate(pca.rotation, dim, v, 0, x, 0);
        Pca.rotate(pca.rotation, dim, v, dim, y, 0);
        float before = Dot.of(v, 0, v, dim, dim), after = Dot.of(x, 0, y, 0, dim);
        assertEquals(before, after, 1e-3 * Math.abs(before) + 1e-3);
    }
}
