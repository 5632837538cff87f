package adsml.platform.model;

import adsml.platform.features.FeatureSchema;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * What {@code model.json} says of a version: its identity, the feature schema it reads, the architecture and its sizes,
 * the heads and each head's calibration. Weights live beside it in {@code weights.safetensors}, named as
 * {@link DcnWeights} and {@link LrWeights} document.
 *
 * @param embeddingDim dims per sparse slot (DCN only; 0 for LR)
 * @param crossLayers stacked cross layers (DCN only)
 * @param mlp hidden layer widths after the cross layers (DCN only)
 * @param heads output heads, in order; adsml's models have {@code ctr} and {@code cvr}
 * @param torchScript the TorchScript file and its input names, only for {@link Architecture#TORCHSCRIPT}
 * @param training free-form facts about how the version was made (examples, epochs, loss), for people
 */
public record ModelSpec(
        String name,
        String version,
        Architecture architecture,
        FeatureSchema schema,
        int embeddingDim,
        int crossLayers,
        List<Integer> mlp,
        List<String> heads,
        Map<String, Calibration> calibration,
        TorchScriptSpec torchScript,
        Map<String, Object> training) {

    public static final List<String> CTR_CVR = List.of("ctr", "cvr");

    /** The TorchScript file of a version and the names of its two inputs and outputs. */
    public record TorchScriptSpec(String file, String sparseInput, String denseInput) {}

    public ModelSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(version, "version");
        Objects.requireNonNull(architecture, "architecture");
        Objects.requireNonNull(schema, "schema");
        mlp = List.copyOf(mlp);
        heads = List.copyOf(heads);
        calibration = Map.copyOf(calibration);
        for (Calibration c : calibration.values()) {
            if (c instanceof Calibration.Sliced sliced && sliceProblem(sliced, schema) != null) {
                throw new IllegalArgumentException(sliceProblem(sliced, schema));
            }
        }
        // Insertion order kept: model.json lists the training facts in the order the trainer wrote them.
        training = Collections.unmodifiableMap(new LinkedHashMap<>(training));
        if (architecture == Architecture.TORCHSCRIPT) {
            Objects.requireNonNull(torchScript, "torchScript");
        }
    }

    /**
     * Why {@code sliced} cannot calibrate a model reading {@code schema} (it names no slot of it, or has not one offset
     * per id of the slot), or null when it can.
     */
    static String sliceProblem(Calibration.Sliced sliced, FeatureSchema schema) {
        for (FeatureSchema.Slot slot : schema.slots()) {
            if (slot.name().equals(sliced.slot())) {
                int n = sliced.offsets().length;
                return n == slot.vocab()
                        ? null
                        : "field 'offsets': " + n + " offsets, slot '" + slot.name() + "' has " + slot.vocab() + " ids";
            }
        }
        return "field 'slot': no sparse slot '" + sliced.slot() + "' in feature set " + schema.name();
    }

    /** The column of pCTR in a scorer's row-major [rows, heads] output. */
    public int ctrHead() {
        return heads.indexOf("ctr");
    }

    /** The column of pCVR (P(conversion | click)) in a scorer's row-major [rows, heads] output. */
    public int cvrHead() {
        return heads.indexOf("cvr");
    }

    /** Width of the DCN input row: every slot's embedding, then the dense features. */
    public int inputWidth() {
        return schema.sparseSlots() * embeddingDim + schema.denseDims();
    }

    /** The calibration of {@code head}; identity when the version has none. */
    public Calibration calibrationOf(String head) {
        return calibration.getOrDefault(head, Calibration.Identity.INSTANCE);
    }

    /** Multiply-adds x 2 per candidate of the dense part (the FLOPs a benchmark divides by). */
    public long flopsPerCandidate() {
        if (architecture == Architecture.TORCHSCRIPT) {
            throw new IllegalStateException(
                    "a TorchScript version does not record its shape; count the FLOPs of its source version");
        }
        if (architecture == Architecture.LR) {
            return 2L * (schema.sparseSlots() + schema.denseDims()) * heads.size();
        }
        long d = inputWidth();
        long flops = 2L * crossLayers * d * d;
        long in = d;
        for (int width : mlp) {
            flops += 2L * in * width;
            in = width;
        }
        return flops + 2L * in * heads.size();
    }

    public ModelSpec withVersion(String newVersion) {
        return new ModelSpec(
                name,
                newVersion,
                architecture,
                schema,
                embeddingDim,
                crossLayers,
                mlp,
                heads,
                calibration,
                torchScript,
                training);
    }

    public ModelSpec withCalibration(Map<String, Calibration> newCalibration) {
        return new ModelSpec(
                name,
                version,
                architecture,
                schema,
                embeddingDim,
                crossLayers,
                mlp,
                heads,
                newCalibration,
                torchScript,
                training);
    }

    public ModelSpec withTraining(Map<String, Object> newTraining) {
        return new ModelSpec(
                name,
                version,
                architecture,
                schema,
                embeddingDim,
                crossLayers,
                mlp,
                heads,
                calibration,
                torchScript,
                newTraining);
    }
}
