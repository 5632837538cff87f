package adsml.scheduler.gpu;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.RandomFeatures;
import adsml.platform.model.Calibration;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.platform.scoring.ReferenceScorer;
import java.util.Arrays;
import java.util.Map;
import java.util.stream.IntStream;

/** Test models of every preset with every calibration kind, and the comparison the GPU tests make. */
final class Models {
    private Models() {}

    /**
     * {@code preset} with random weights, Platt on ctr and isotonic on cvr, so the head kernel's every branch runs; ctr
     * is sliced by its last slot, whose offsets the host adds after the device's Platt.
     */
    static Model.Dcn calibrated(ModelPreset preset, long seed) {
        ModelSpec plain = preset.spec(preset.name().toLowerCase(), "1");
        var last = plain.schema().slots().get(plain.schema().sparseSlots() - 1);
        float[] offsets = new float[last.vocab()];
        for (int k = 0; k < offsets.length; k++) {
            offsets[k] = (k % 7 - 3) * 0.3f;
        }
        ModelSpec spec = plain.withCalibration(Map.of(
                "ctr", new Calibration.Sliced(new Calibration.Platt(1.3, -0.2), last.name(), offsets),
                "cvr",
                        new Calibration.Isotonic(
                                new float[] {0.05f, 0.2f, 0.5f, 0.8f}, new float[] {0.01f, 0.15f, 0.55f, 0.9f})));
        return new Model.Dcn(spec, DcnWeights.random(spec, seed));
    }

    /** Rows per lane for {@link #odd}: not a multiple of 128, so the last row tile is partial. */
    static final int ODD_ROWS = 3950;

    /**
     * A DCN whose layers take the 128 x 128 tiles at {@link #ODD_ROWS} rows with a partial tile on every edge: x0 is
     * 524 wide (a multiple of 4 but not of 8 or 16: float4 loads, a partial last K step), the MLP 521 and 515 wide (odd
     * K: scalar loads) and the cross layer's epilogue runs in them.
     */
    static Model.Dcn odd(long seed) {
        adsml.platform.features.FeatureSchema schema = new adsml.platform.features.FeatureSchema(
                "odd",
                java.util.List.of(
                        new adsml.platform.features.FeatureSchema.Slot("a", 10),
                        new adsml.platform.features.FeatureSchema.Slot("b", 5)),
                java.util.List.of("x", "y", "z", "w"));
        ModelSpec spec = new ModelSpec(
                "odd",
                "1",
                adsml.platform.model.Architecture.DCN,
                schema,
                260,
                1,
                java.util.List.of(521, 515, 7),
                ModelSpec.CTR_CVR,
                Map.of(),
                null,
                Map.of());
        return new Model.Dcn(spec, DcnWeights.random(spec, seed));
    }

    static FeatureBatch rows(Model model, int rows, long seed) {
        return RandomFeatures.batch(model.spec().schema(), rows, seed);
    }

    /**
     * ReferenceScorer's scores of {@code batch}, in slices of 32 rows on every core: the reference is plain Java in
     * double, and x100's rows cost about 30 MFLOP each.
     */
    static float[] reference(Model model, FeatureBatch batch) {
        int heads = model.spec().heads().size();
        int slots = batch.sparseSlots();
        int dense = batch.denseDims();
        float[] out = new float[batch.rows() * heads];
        ReferenceScorer reference = ReferenceScorer.of(model);
        IntStream.range(0, (batch.rows() + 31) / 32).parallel().forEach(slice -> {
            int from = slice * 32;
            int rows = Math.min(32, batch.rows() - from);
            FeatureBatch part = new FeatureBatch(rows, slots, dense);
            System.arraycopy(batch.sparse(), from * slots, part.sparse(), 0, rows * slots);
            System.arraycopy(batch.dense(), from * dense, part.dense(), 0, rows * dense);
            part.setRows(rows);
            float[] scores = new float[rows * heads];
            reference.score(part, scores);
            System.arraycopy(scores, 0, out, from * heads, scores.length);
        });
        return out;
    }

    /** A buffer full of NaN: what a scorer must overwrite in full. */
    static float[] poisoned(int n) {
        float[] out = new float[n];
        Arrays.fill(out, Float.NaN);
        return out;
    }

    /** The largest absolute difference; infinite when {@code actual} holds a NaN (an unwritten element). */
    static double maxAbsDiff(float[] expected, float[] actual, int n) {
        double max = 0;
        for (int i = 0; i < n; i++) {
            if (Float.isNaN(actual[i])) {
                return Double.POSITIVE_INFINITY;
            }
            max = Math.max(max, Math.abs(expected[i] - actual[i]));
        }
        return max;
    }
}
