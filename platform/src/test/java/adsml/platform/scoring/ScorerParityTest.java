package adsml.platform.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSchema;
import adsml.platform.model.Architecture;
import adsml.platform.model.Calibration;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.LrWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ScorerParityTest {
    private static void assertParity(Model model, int rows, long seed) {
        try (DjlScorer djl = DjlScorer.of(model)) {
            ReferenceParity.assertScoresLikeReference(model, djl, "djl", rows, seed);
        }
    }

    @Test
    void djl_matchesReference_demoPreset() {
        ModelSpec spec = ModelPreset.DEMO.spec("t", "1");
        assertParity(new Model.Dcn(spec, DcnWeights.random(spec, 1)), 257, 2);
    }

    @Test
    void djl_matchesReference_refPreset() {
        ModelSpec spec = ModelPreset.REF.spec("t", "1");
        assertParity(new Model.Dcn(spec, DcnWeights.random(spec, 3)), 64, 4);
    }

    @Test
    void djl_matchesReference_withCalibrationAndOneRow() {
        ModelSpec spec = ModelPreset.DEMO
                .spec("t", "1")
                .withCalibration(Map.of(
                        "ctr", new Calibration.Platt(0.8, -0.3),
                        "cvr",
                                new Calibration.Isotonic(
                                        new float[] {0.1f, 0.5f, 0.9f}, new float[] {0.05f, 0.4f, 0.95f})));
        assertParity(new Model.Dcn(spec, DcnWeights.random(spec, 5)), 1, 6);
    }

    @Test
    void djl_matchesReference_logisticRegression() {
        FeatureSchema schema = ModelPreset.DEMO.spec("t", "1").schema();
        ModelSpec spec = new ModelSpec(
                "lr", "1", Architecture.LR, schema, 0, 0, List.of(), ModelSpec.CTR_CVR, Map.of(), null, Map.of());
        SplittableRandom random = new SplittableRandom(7);
        float[] sparse = new float[2 * schema.totalRows()];
        for (int i = 0; i < sparse.length; i++) {
            sparse[i] = (float) random.nextDouble(-0.3, 0.3);
        }
        float[] dense = new float[2 * schema.denseDims()];
        for (int i = 0; i < dense.length; i++) {
            dense[i] = (float) random.nextDouble(-1, 1);
        }
        assertParity(new Model.Lr(spec, new LrWeights(sparse, dense, new float[] {-3f, -2f})), 100, 8);
    }

    @Test
    void score_rejectsBatchOfAnotherShape() {
        ModelSpec spec = ModelPreset.DEMO.spec("t", "1");
        try (DjlScorer djl = DjlScorer.of(new Model.Dcn(spec, DcnWeights.random(spec, 1)))) {
            FeatureBatch wrong = new FeatureBatch(4, 3, 2);
            wrong.setRows(4);
            IllegalArgumentException e =
                    assertThrows(IllegalArgumentException.class, () -> djl.score(wrong, new float[8]));
            assertTrue(e.getMessage().contains("expects 20"), e.getMessage());
        }
    }

    @Test
    void score_emptyBatchWritesNothing() {
        ModelSpec spec = ModelPreset.DEMO.spec("t", "1");
        try (DjlScorer djl = DjlScorer.of(new Model.Dcn(spec, DcnWeights.random(spec, 1)))) {
            FeatureBatch empty = FeatureBatch.forSchema(spec.schema(), 4);
            float[] out = {7f};
            djl.score(empty, out);
            assertEquals(7f, out[0]);
        }
    }
}
