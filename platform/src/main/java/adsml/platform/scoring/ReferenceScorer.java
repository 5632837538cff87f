package adsml.platform.scoring;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.LrWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelSpec;

/**
 * The plain-Java forward pass of every architecture, written for clarity rather than speed: the oracle that each faster
 * backend (DJL, CUDA) is tested against. Accumulates in double so that its own rounding stays far below the tolerances
 * it judges others by.
 */
public final class ReferenceScorer implements Scorer {
    private final Model model;

    private ReferenceScorer(Model model) {
        this.model = model;
    }

    /** A reference scorer for a DCN or LR model; TorchScript has no plain-Java twin. */
    public static ReferenceScorer of(Model model) {
        if (model instanceof Model.TorchScript) {
            throw new IllegalArgumentException("a TorchScript model has no plain-Java reference");
        }
        return new ReferenceScorer(model);
    }

    @Override
    public ModelSpec spec() {
        return model.spec();
    }

    @Override
    public void score(FeatureBatch batch, float[] out) {
        ModelSpec spec = model.spec();
        Scorer.checkShapes(spec, batch, out);
        if (model instanceof Model.Dcn dcn) {
            scoreDcn(spec, dcn.weights(), batch, out);
        } else {
            scoreLr(spec, ((Model.Lr) model).weights(), batch, out);
        }
        Scorer.calibrate(spec, batch, out, batch.rows());
    }

    private static void scoreDcn(ModelSpec spec, DcnWeights w, FeatureBatch batch, float[] out) {
        int slots = spec.schema().sparseSlots();
        int denseDims = spec.schema().denseDims();
        int dim = spec.embeddingDim();
        int d = spec.inputWidth();
        int heads = spec.heads().size();
        double[] x0 = new double[d];
        double[] x = new double[d];
        double[] y = new double[d];
        for (int r = 0; r < batch.rows(); r++) {
            for (int s = 0; s < slots; s++) {
                int row = batch.sparse()[r * slots + s];
                for (int k = 0; k < dim; k++) {
                    x0[s * dim + k] = w.embedding()[row * dim + k];
                }
            }
            for (int k = 0; k < denseDims; k++) {
                x0[slots * dim + k] = batch.dense()[r * denseDims + k];
            }
            System.arraycopy(x0, 0, x, 0, d);
            for (int l = 0; l < w.crossWeight().length; l++) {
                linear(w.crossWeight()[l], w.crossBias()[l], x, d, y, d);
                for (int j = 0; j < d; j++) {
                    x[j] = x0[j] * y[j] + x[j];
                }
            }
            double[] h = x;
            int in = d;
            for (int l = 0; l < w.mlpWeight().length; l++) {
                int width = spec.mlp().get(l);
                double[] next = new double[width];
                linear(w.mlpWeight()[l], w.mlpBias()[l], h, in, next, width);
                for (int j = 0; j < width; j++) {
                    next[j] = Math.max(0, next[j]);
                }
                h = next;
                in = width;
            }
            double[] logits = new double[heads];
            linear(w.headWeight(), w.headBias(), h, in, logits, heads);
            for (int k = 0; k < heads; k++) {
                out[r * heads + k] = (float) sigmoid(logits[k]);
            }
        }
    }

    private static void scoreLr(ModelSpec spec, LrWeights w, FeatureBatch batch, float[] out) {
        int slots = spec.schema().sparseSlots();
        int denseDims = spec.schema().denseDims();
        int rows = spec.schema().totalRows();
        int heads = spec.heads().size();
        for (int r = 0; r < batch.rows(); r++) {
            for (int k = 0; k < heads; k++) {
                double logit = w.bias()[k];
                for (int s = 0; s < slots; s++) {
                    logit += w.sparse()[k * rows + batch.sparse()[r * slots + s]];
                }
                for (int j = 0; j < denseDims; j++) {
                    logit += w.dense()[k * denseDims + j] * (double) batch.dense()[r * denseDims + j];
                }
                out[r * heads + k] = (float) sigmoid(logit);
            }
        }
    }

    /** y = W x + b with W row-major [out, in], as torch.nn.Linear. */
    private static void linear(float[] weight, float[] bias, double[] x, int in, double[] y, int out) {
        for (int o = 0; o < out; o++) {
            double sum = bias[o];
            int base = o * in;
            for (int i = 0; i < in; i++) {
                sum += weight[base + i] * x[i];
            }
            y[o] = sum;
        }
    }

    static double sigmoid(double z) {
        return 1.0 / (1.0 + Math.exp(-z));
    }

    @Override
    public void close() {
        // Heap arrays only: nothing native to release.
    }
}
