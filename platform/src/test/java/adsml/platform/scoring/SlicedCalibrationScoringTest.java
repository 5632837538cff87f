package adsml.platform.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.RandomFeatures;
import adsml.platform.model.Calibration;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** A sliced click calibration moves each row's pCTR by the offset of its ad category, on every CPU engine. */
class SlicedCalibrationScoringTest {
    private final ModelSpec spec = ModelPreset.DEMO.spec("ctr", "1");
    private final Calibration.Platt platt = new Calibration.Platt(1.1, -0.2);

    @Test
    void everyCpuEngineAddsTheRowsSliceOffsetAfterTheBase() {
        int slot = spec.schema().slotIndex("ad_category");
        float[] offsets = new float[spec.schema().slots().get(slot).vocab()];
        for (int k = 0; k < offsets.length; k++) {
            offsets[k] = (k % 5 - 2) * 0.4f;
        }
        DcnWeights weights = DcnWeights.random(spec, 3L);
        Model base = new Model.Dcn(spec.withCalibration(Map.of("ctr", platt)), weights);
        Model sliced = new Model.Dcn(
                spec.withCalibration(Map.of("ctr", new Calibration.Sliced(platt, "ad_category", offsets))), weights);
        int rows = 300;
        FeatureBatch batch = RandomFeatures.batch(spec.schema(), rows, 9L);
        float[] plain = new float[rows * 2];
        ReferenceScorer.of(base).score(batch, plain);
        for (CpuScorers.Engine engine : CpuScorers.Engine.values()) {
            float[] out = new float[rows * 2];
            try (Scorer scorer = CpuScorers.of(sliced, engine)) {
                scorer.score(batch, out);
            }
            for (int r = 0; r < rows; r++) {
                int k = batch.sparse()[r * batch.sparseSlots() + slot]
                        - spec.schema().offset(slot);
                double p = plain[r * 2];
                double expected = 1 / (1 + Math.exp(-(Math.log(p / (1 - p)) + offsets[k])));
                assertEquals(expected, out[r * 2], 5e-5, engine + " row " + r + " category " + k);
                assertEquals(plain[r * 2 + 1], out[r * 2 + 1], 1e-5, engine + " cvr row " + r + " is not sliced");
            }
        }
    }
}
