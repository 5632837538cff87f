package adsml.scheduler.gpu;

import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The GPU path's plan, packing and kernel arithmetic, run on the CPU, against the reference: fp32 within 1e-4, and TF32
 * (operands rounded as the tensor cores round them) within the bound that {@link Precision#TF32_BOUND} states.
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

    private static void assertWithin(ModelPreset preset, Precision precision, double bound) {
        Model.Dcn model = Models.calibrated(preset, 17);
        // x100 is 29 MFLOP a row in plain Java: fewer rows keep the test to a few seconds.
        int rows = preset == ModelPreset.X100 ? 24 : 200;
        FeatureBatch batch = Models.rows(model, rows, 23);
        DcnPlan plan = DcnPlan.of(model.spec(), rows);
        float[] out = Models.poisoned(rows * 2);
        PlanEmulator.score(plan, plan.pack(model.weights()), batch, out, precision);
        double diff = Models.maxAbsDiff(Models.reference(model, batch), out, out.length);
        System.out.println("PlanEmulatorTest " + preset + " " + precision + " max |diff| " + diff);
        assertTrue(diff <= bound, preset + " " + precision + ": max |diff| " + diff + " > " + bound);
    }
}
