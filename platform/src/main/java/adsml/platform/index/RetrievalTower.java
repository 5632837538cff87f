package adsml.platform.index;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Vocab;
import java.util.SplittableRandom;

/**
 * The world's retrieval model, a two-tower one: it maps a user's and an ad's latent factors
 * ({@link Vocab#EMBEDDING_DIM} of them, what the ground truth and the ranking features use) to retrieval vectors of
 * {@code dim} dimensions, whose dot product is the retrieval score. The user tower is a fixed projection {@code P} with
 * orthonormal columns; the ad tower is the same projection plus an error of its own per ad ({@code NOISE_SD} per
 * dimension, drawn from the seed and the ad id, so an ad changed through the API keeps its error). The score is then
 * the latent affinity plus an error of standard deviation {@code NOISE_SD * |user|}: like a trained two-tower model,
 * close to the truth and not the truth, and the ad vectors span every dimension, so the index faces real 64-d vectors
 * rather than a 6-d subspace.
 *
 * <p>A world of a million ads has no learned two-tower model to serve; this one stands in for it, computed rather than
 * stored (an ad's vector follows from its embedding and id), so that the world files stay what they are.
 */
public final class RetrievalTower {
    /** Per dimension: the ad vectors' error spans every dimension with about the latent factors' whole variance. */
    static final double NOISE_SD = 0.15;

    private final int dim;
    private final long seed;
    private final float[] projection; // [dim][EMBEDDING_DIM], orthonormal columns

    /**
     * A tower of {@code dim} dimensions drawn from {@code seed}.
     *
     * @throws IllegalArgumentException when {@code dim} is under {@link Vocab#EMBEDDING_DIM} or above 4096
     */
    public RetrievalTower(int dim, long seed) {
        if (dim < Vocab.EMBEDDING_DIM || dim > 4096) {
            throw new IllegalArgumentException(
                    "retrieval dimension must be in " + Vocab.EMBEDDING_DIM + "..4096, was " + dim);
        }
        this.dim = dim;
        this.seed = seed;
        this.projection = orthonormalColumns(dim, Vocab.EMBEDDING_DIM, new SplittableRandom(seed));
    }

    public int dim() {
        return dim;
    }

    /** The retrieval query of a user with these latent factors. */
    public float[] user(float[] embedding) {
        float[] out = new float[dim];
        project(embedding, out);
        return out;
    }

    /** The retrieval vector of an ad. */
    public float[] ad(Ad ad) {
        float[] out = new float[dim];
        ad(ad, out, 0);
        return out;
    }

    /** Writes the retrieval vector of {@code ad} into {@code out[at, at + dim)}. */
    public void ad(Ad ad, float[] out, int at) {
        SplittableRandom error = new SplittableRandom(seed ^ (0x9E3779B97F4A7C15L * (ad.id() + 1L)));
        float[] e = ad.embedding();
        int k = Vocab.EMBEDDING_DIM;
        for (int d = 0; d < dim; d++) {
            float v = 0f;
            for (int j = 0; j < k; j++) {
                v += projection[d * k + j] * e[j];
            }
            out[at + d] = v + (float) (gaussian(error) * NOISE_SD);
        }
    }

    private void project(float[] embedding, float[] out) {
        int k = Vocab.EMBEDDING_DIM;
        for (int d = 0; d < dim; d++) {
            float v = 0f;
            for (int j = 0; j < k; j++) {
                v += projection[d * k + j] * embedding[j];
            }
            out[d] = v;
        }
    }

    /** Gaussian columns, made orthonormal by Gram-Schmidt: the latent affinity survives the projection exactly. */
    private static float[] orthonormalColumns(int rows, int cols, SplittableRandom random) {
        double[][] c = new double[cols][rows];
        for (int j = 0; j < cols; j++) {
            for (int i = 0; i < rows; i++) {
                c[j][i] = gaussian(random);
            }
            for (int p = 0; p < j; p++) {
                double dot = 0;
                for (int i = 0; i < rows; i++) {
                    dot += c[j][i] * c[p][i];
                }
                for (int i = 0; i < rows; i++) {
                    c[j][i] -= dot * c[p][i];
                }
            }
            double norm = 0;
            for (int i = 0; i < rows; i++) {
                norm += c[j][i] * c[j][i];
            }
            norm = Math.sqrt(norm);
            for (int i = 0; i < rows; i++) {
                c[j][i] /= norm;
            }
        }
        float[] out = new float[rows * cols];
        for (int i = 0; i < rows; i++) {
            for (int j = 0; j < cols; j++) {
                out[i * cols + j] = (float) c[j][i];
            }
        }
        return out;
    }

    /** Box-Muller: SplittableRandom has no nextGaussian in Java 17. */
    private static double gaussian(SplittableRandom random) {
        double u = 1.0 - random.nextDouble();
        return Math.sqrt(-2.0 * Math.log(u)) * Math.cos(2.0 * Math.PI * random.nextDouble());
    }
}
