package adsml.platform.scoring;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.RandomFeatures;
import adsml.platform.model.InvalidModelException;
import adsml.platform.model.Model;
import adsml.platform.model.ModelSpec;
import ai.djl.Device;
import ai.djl.MalformedModelException;
import ai.djl.engine.EngineException;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDList;
import ai.djl.ndarray.types.DataType;
import ai.djl.ndarray.types.Shape;
import ai.djl.pytorch.engine.PtSymbolBlock;
import ai.djl.pytorch.jni.JniUtils;
import ai.djl.training.ParameterStore;
import java.io.IOException;
import java.nio.file.Path;

/**
 * Scores a TorchScript version on the CPU with DJL's PyTorch engine. The file's {@code forward(sparse, dense)} takes
 * the batch's global embedding rows as [rows, slots] int32 and its dense features as [rows, denseDims] float32,
 * positionally in that order (the names in {@code model.json} document them; TorchScript calls by position), and
 * returns [rows, heads] float32 uncalibrated probabilities, as {@link adsml.platform.model.TorchScriptExport} writes
 * them; this scorer then applies {@code model.json}'s calibration. Each batch runs in a sub-manager closed before
 * {@link #score} returns, so no native memory outlives a call.
 */
public final class TorchScriptScorer implements Scorer {
    private final ModelSpec spec;
    private final Path file;
    private final ai.djl.Model model;
    private final PtSymbolBlock module;

    private TorchScriptScorer(ModelSpec spec, Path file, ai.djl.Model model, PtSymbolBlock module) {
        this.spec = spec;
        this.file = file;
        this.model = model;
        this.module = module;
    }

    /**
     * Loads {@code model}'s file in eval mode; the scorer must be closed to free it.
     *
     * @throws InvalidModelException naming the file when PyTorch cannot load it
     */
    public static TorchScriptScorer of(Model.TorchScript model) {
        Path file = model.file();
        ai.djl.Model djl = ai.djl.Model.newInstance(model.spec().name(), Device.cpu(), "PyTorch");
        try {
            djl.load(file);
            PtSymbolBlock module = module(djl);
            // Scoring is inference; switching now also makes a module without a 'training' attribute fail here, not
            // mid-request.
            JniUtils.enableInferenceMode(module);
        } catch (IOException | MalformedModelException | RuntimeException e) {
            djl.close();
            throw new InvalidModelException(
                    file + ": not a loadable TorchScript file: " + firstLine(e.getMessage()), e);
        }
        TorchScriptScorer scorer = new TorchScriptScorer(model.spec(), file, djl, module(djl));
        try {
            // A module whose forward does not take (sparse, dense) fails here, at load, not on the first request.
            FeatureBatch probe = RandomFeatures.batch(model.spec().schema(), 1, 1);
            scorer.score(probe, new float[model.spec().heads().size()]);
        } catch (RuntimeException e) {
            scorer.close();
            throw e;
        }
        return scorer;
    }

    private static PtSymbolBlock module(ai.djl.Model djl) {
        return (PtSymbolBlock) djl.getBlock();
    }

    @Override
    public ModelSpec spec() {
        return spec;
    }

    @Override
    public void score(FeatureBatch batch, float[] out) {
        int heads = spec.heads().size();
        BatchArrays.score(spec, model.getNDManager(), batch, out, (sparse, dense, rows) -> {
            NDArray probabilities;
            try {
                probabilities = module.forward(
                                new ParameterStore(sparse.getManager(), false), new NDList(sparse, dense), false)
                        .singletonOrThrow();
            } catch (EngineException | IllegalArgumentException e) {
                throw new InvalidModelException(
                        file + ": forward(sparse, dense) failed: " + firstLine(e.getMessage()), e);
            }
            if (probabilities.getDataType() != DataType.FLOAT32
                    || !probabilities.getShape().equals(new Shape(rows, heads))) {
                throw new InvalidModelException(file + ": forward returned " + probabilities.getDataType() + " "
                        + probabilities.getShape() + "; expected float32 (" + rows + ", " + heads + ")");
            }
            return probabilities;
        });
    }

    private static String firstLine(String message) {
        // PyTorch appends the C++ frames after the first line; operators need only the reason.
        if (message == null) {
            return "unknown error";
        }
        int newline = message.indexOf('\n');
        return newline < 0 ? message : message.substring(0, newline);
    }

    @Override
    public void close() {
        model.close();
    }
}
