package adsml.platform.index.ann;

/**
 * The principal directions of a set of embeddings: the eigenvectors of their second moment {@code E[v v^T]}, strongest
 * first (cyclic Jacobi rotations on a {@code dim x dim} matrix: exact to float precision in a few sweeps). Rotating the
 * embeddings and the query by them keeps every inner product, and puts most of each one into its first few terms:
 * learned embeddings vary along far fewer directions than they have, so a dot product over the first components is a
 * cheap first estimate of the whole one.
 */
final class Pca {
    private static final int MAX_SWEEPS = 30;
    private static final int SAMPLE = 100_000;

    /** Row {@code j} of {@code rotation} is the j-th direction; {@code variance[j]} the second moment along it. */
    final float[] rotation;

    final double[] variance;

    private Pca(float[] rotation, double[] variance) {
        this.rotation = rotation;
        this.variance = variance;
    }

    /** The directions of up to 100,000 of the {@code n} vectors (evenly spaced); non-finite vectors are skipped. */
    static Pca of(float[] vectors, int n, int dim) {
        double[] m = new double[dim * dim];
        int step = Math.max(1, n / SAMPLE);
        int counted = 0;
        for (int i = 0; i < n; i += step) {
            int o = i * dim;
            boolean finite = true;
            for (int d = 0; d < dim; d++) {
                finite &= Float.isFinite(vectors[o + d]);
            }
            if (!finite) {
                continue;
            }
            counted++;
            for (int a = 0; a < dim; a++) {
                double va = vectors[o + a];
                for (int b = a; b < dim; b++) {
                    m[a * dim + b] += va * vectors[o + b];
                }
            }
        }
        for (int a = 0; a < dim; a++) {
            for (int b = a; b < dim; b++) {
                m[a * dim + b] /= Math.max(1, counted);
                m[b * dim + a] = m[a * dim + b];
            }
        }
        double[] v = identity(dim);
        jacobi(m, v, dim);
        // Order the directions by their variance (the diagonal), largest first.
        Integer[] order = new Integer[dim];
        for (int j = 0; j < dim; j++) {
            order[j] = j;
        }
        java.util.Arrays.sort(order, (x, y) -> Double.compare(m[y * dim + y], m[x * dim + x]));
        float[] rotation = new float[dim * dim];
        double[] variance = new double[dim];
        for (int j = 0; j < dim; j++) {
            int col = order[j];
            variance[j] = Math.max(0, m[col * dim + col]);
            for (int d = 0; d < dim; d++) {
                rotation[j * dim + d] = (float) v[d * dim + col];
            }
        }
        return new Pca(rotation, variance);
    }

    /** {@code out[at + j] = rotation row j . v[from, from + dim)}. */
    static void rotate(float[] rotation, int dim, float[] v, int from, float[] out, int at) {
        for (int j = 0; j < dim; j++) {
            out[at + j] = Dot.of(rotation, j * dim, v, from, dim);
        }
    }

    private static double[] identity(int dim) {
        double[] id = new double[dim * dim];
        for (int d = 0; d < dim; d++) {
            id[d * dim + d] = 1;
        }
        return id;
    }

    /** Diagonalises the symmetric {@code m} in place; accumulates the rotations into {@code v} (columns: vectors). */
    private static void jacobi(double[] m, double[] v, int n) {
        for (int sweep = 0; sweep < MAX_SWEEPS; sweep++) {
            double off = 0, diag = 0;
            for (int p = 0; p < n; p++) {
                diag += m[p * n + p] * m[p * n + p];
                for (int q = p + 1; q < n; q++) {
                    off += m[p * n + q] * m[p * n + q];
                }
            }
            if (off <= 1e-24 * Math.max(diag, Double.MIN_NORMAL)) {
                return;
            }
            for (int p = 0; p < n; p++) {
                for (int q = p + 1; q < n; q++) {
                    double apq = m[p * n + q];
                    if (Math.abs(apq) < 1e-300) {
                        continue;
                    }
                    double theta = (m[q * n + q] - m[p * n + p]) / (2 * apq);
                    double t = Math.signum(theta) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
                    if (theta == 0) {
                        t = 1;
                    }
                    double c = 1 / Math.sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++) {
                        double mkp = m[k * n + p], mkq = m[k * n + q];
                        m[k * n + p] = c * mkp - s * mkq;
                        m[k * n + q] = s * mkp + c * mkq;
                    }
                    for (int k = 0; k < n; k++) {
                        double mpk = m[p * n + k], mqk = m[q * n + k];
                        m[p * n + k] = c * mpk - s * mqk;
                        m[q * n + k] = s * mpk + c * mqk;
                    }
                    for (int k = 0; k < n; k++) {
                        double vkp = v[k * n + p], vkq = v[k * n + q];
                        v[k * n + p] = c * vkp - s * vkq;
                        v[k * n + q] = s * vkp + c * vkq;
                    }
                }
            }
        }
    }
}
