package adsml.platform.scoring;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.LrWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelSpec;
import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.internal.NDArrayEx;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.pytorch.jni.JniUtils;

/**
 * Scores DCN and LR versions on the CPU with DJL's PyTorch engine. The weights are uploaded once into a manager owned
 * by the scorer; each batch runs in a sub-manager closed before {@link #score} returns, so no native memory outlives a
 * call. One native call per layer ({@code linear} fuses matmul and bias) keeps the JNI crossings per batch to about
 * twenty.
 */
public final class DjlScorer implements Scorer {
    private final ModelSpec spec;
    private final NDManager manager;
    private final NDArray embedding;
    private final NDArray[] crossWeight;
    private final NDArray[] crossBias;
    private final NDArray[] mlpWeight;
    private final NDArray[] mlpBias;
    private final NDArray headWeight;
    private final NDArray headBias;
    private final boolean lr;

    private DjlScorer(
            ModelSpec spec,
            NDManager manager,
            NDArray embedding,
            NDArray[] crossWeight,
            NDArray[] crossBias,
            NDArray[] mlpWeight,
            NDArray[] mlpBias,
            NDArray headWeight,
            NDArray headBias,
            boolean lr) {
        this.spec = spec;
        this.manager = manager;
        this.embedding = embedding;
        this.crossWeight = crossWeight;
        this.crossBias = crossBias;
        this.mlpWeight = mlpWeight;
        this.mlpBias = mlpBias;
        this.headWeight = headWeight;
        this.headBias = headBias;
        this.lr = lr;
    }

    /** Uploads {@code model}'s weights; the scorer must be closed to free them. */
    public static DjlScorer of(Model model) {
        ModelSpec spec = model.spec();
        NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch");
        try {
            if (model instanceof Model.Dcn dcn) {
                DcnWeights w = dcn.weights();
                int d = spec.inputWidth();
                NDArray[] cw = new NDArray[w.crossWeight().length];
                NDArray[] cb = new NDArray[cw.length];
                for (int l = 0; l < cw.length; l++) {
                    cw[l] = manager.create(w.crossWeight()[l], new Shape(d, d));
                    cb[l] = manager.create(w.crossBias()[l]);
                }
                NDArray[] mw = new NDArray[w.mlpWeight().length];
                NDArray[] mb = new NDArray[mw.length];
                int in = d;
                for (int l = 0; l < mw.length; l++) {
                    int out = spec.mlp().get(l);
                    mw[l] = manager.create(w.mlpWeight()[l], new Shape(out, in));
                    mb[l] = manager.create(w.mlpBias()[l]);
                    in = out;
                }
                int heads = spec.heads().size();
                return new DjlScorer(
                        spec,
                        manager,
                        manager.create(w.embedding(), new Shape(spec.schema().totalRows(), spec.embeddingDim())),
                        cw,
                        cb,
                        mw,
                        mb,
                        manager.create(w.headWeight(), new Shape(heads, in)),
                        manager.create(w.headBias()),
                        false);
            }
            if (model instanceof Model.Lr lrModel) {
                LrWeights w = lrModel.weights();
                int heads = spec.heads().size();
                // Stored [heads, rows]; gathered as an embedding of width `heads`, so transpose once here.
                NDArray sparse;
                try (NDArray stored = manager.create(
                                w.sparse(), new Shape(heads, spec.schema().totalRows()));
                        NDArray view = stored.transpose()) {
                    sparse = view.duplicate();
                }
                NDArray dense =
                        manager.create(w.dense(), new Shape(heads, spec.schema().denseDims()));
                return new DjlScorer(
                        spec,
                        manager,
                        sparse,
                        new NDArray[0],
                        new NDArray[0],
                        new NDArray[0],
                        new NDArray[0],
                        dense,
                        manager.create(w.bias()),
                        true);
            }
        } catch (RuntimeException e) {
            manager.close();
            throw e;
        }
        manager.close();
        throw new IllegalArgumentException(
                "DjlScorer scores DCN and LR models; use TorchScriptScorer for " + spec.architecture());
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public void score(FeatureBatch batch, float[] out) {
        BatchArrays.score(spec, manager, batch, out, (ids, dense, rows) -> {
            NDArray gathered =
                    ex(ids).embedding(ids, embedding, SparseFormat.DENSE).singletonOrThrow();
            return Activation.sigmoid(lr ? lrLogits(gathered, dense) : dcnLogits(gathered, dense, rows));
        });
    }

    private NDArray dcnLogits(NDArray gathered, NDArray dense, int rows) {
        NDArray x0 = gathered.reshape(rows, (long) spec.schema().sparseSlots() * spec.embeddingDim())
                .concat(dense, 1);
        NDArray x = x0;
        for (int l = 0; l < crossWeight.length; l++) {
            x = x0.mul(linear(x, crossWeight[l], crossBias[l])).addi(x);
        }
        NDArray h = x;
        for (int l = 0; l < mlpWeight.length; l++) {
            h = Activation.relu(linear(h, mlpWeight[l], mlpBias[l]));
        }
        return linear(h, headWeight, headBias);
    }

    /** Sum of each slot's weight per head, plus the dense part: [rows, slots, heads] -> [rows, heads]. */
    private NDArray lrLogits(NDArray gathered, NDArray dense) {
        return gathered.sum(new int[] {1}).addi(linear(dense, headWeight, headBias));
    }

    private static NDArray linear(NDArray x, NDArray weight, NDArray bias) {
        return ex(x).linear(x, weight, bias).singletonOrThrow();
    }

    private static NDArrayEx ex(NDArray array) {
        return array.getNDArrayInternal();
    }

    /**
     * Sets how many threads PyTorch uses inside one operation, for the whole process. A server that runs one scoring
     * worker per core wants 1: with more, the workers' threads and the request stages' threads fight over the cores,
     * and a GEMM waits for its slowest thread, which shows in the tail latency (docs/perf-log.md has the measurement).
     */
    public static void setIntraOpThreads(int threads) {
        if (threads < 1) {
            throw new IllegalArgumentException("threads must be >= 1, was " + threads);
        }
        Engine.getEngine("PyTorch"); // loads the native library the call below lives in
        JniUtils.setNumThreads(threads);
    }

    /** Native arrays this scorer still holds, its weights and anything leaked; a leak test watches it. */
    int liveNativeArrays() {
        return manager.getManagedArrays().size();
    }

    @Override
    public void close() {
        manager.close();
    }
}
