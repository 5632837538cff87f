package adsml.scheduler.gpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The GPU path's plan, packing and kernel arithmetic, run on the CPU, against the reference: fp32 within 1e-4, TF32
 * (operands rounded as the tensor cores round them) and BF16 (weights and activations stored in bf16, a plan padded to
 * 16-byte rows) within the bounds {@link Precision} states, and the embedding tables' storages within what
 * {@link EmbeddingStorage#bound()} adds.
 */
class PlanEmulatorTest {

    @ParameterizedTest
    @EnumSource(ModelPreset.class)
    void fp32Twin_matchesTheReference(ModelPreset preset) {
        assertWithin(preset, Precision.FP32, 1e-4);
    }

    @ParameterizedTest
    @EnumSource(ModelPreset.class)
    void tf32Twin_staysWithinTheStatedBound(ModelPreset preset) {
        assertWithin(preset, Precision.TF32, Precision.TF32_BOUND);
    }

    @ParameterizedTest
    @EnumSource(ModelPreset.class)
    void bf16Twin_staysWithinTheStatedBound(ModelPreset preset) {
        assertWithin(preset, Precision.BF16, Precision.BF16_BOUND);
    }

    @ParameterizedTest
    @EnumSource(ModelPreset.class)
    void bf16Embeddings_stayWithinTheirBound(ModelPreset preset) {
        assertWithin(preset, Precision.FP32, EmbeddingStorage.BF16, 1e-4 + EmbeddingStorage.BF16.bound());
    }

    @ParameterizedTest
    @EnumSource(ModelPreset.class)
    void int8Embeddings_stayWithinTheirBound(ModelPreset preset) {
        assertWithin(preset, Precision.FP32, EmbeddingStorage.INT8, 1e-4 + EmbeddingStorage.INT8.bound());
    }

    /** The bounds add up: BF16 arithmetic over INT8 tables, within both. */
    @ParameterizedTest
    @EnumSource(ModelPreset.class)
    void bf16OverInt8Embeddings_staysWithinBothBounds(ModelPreset preset) {
        assertWithin(
                preset, Precision.BF16, EmbeddingStorage.INT8, Precision.BF16_BOUND + EmbeddingStorage.INT8.bound());
    }

    private static void assertWithin(ModelPreset preset, Precision precision, double bound) {
        assertWithin(preset, precision, EmbeddingStorage.FP32, bound);
    }

    private static void assertWithin(ModelPreset preset, Precision precision, EmbeddingStorage storage, double bound) {
        Model.Dcn model = Models.calibrated(preset, 17);
        // x100 is 29 MFLOP a row in plain Java: fewer rows keep the test to a few seconds.
        int rows = preset == ModelPreset.X100 ? 24 : 200;
        FeatureBatch batch = Models.rows(model, rows, 23);
        DcnPlan plan = DcnPlan.of(model.spec(), rows, storage, precision);
        float[] out = Models.poisoned(rows * 2);
        PlanEmulator.score(plan, model.weights(), batch, out);
        double diff = Models.maxAbsDiff(Models.reference(model, batch), out, out.length);
        System.out.println(
                "PlanEmulatorTest " + preset + " " + precision + " " + storage + " embeddings max |diff| " + diff);
        assertTrue(diff <= bound, preset + " " + precision + " " + storage + ": max |diff| " + diff + " > " + bound);
    }
}
