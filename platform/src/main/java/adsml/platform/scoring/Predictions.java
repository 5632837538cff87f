package adsml.platform.scoring;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.Model;

/**
 * Calibrated probabilities of a model over a whole feature set (a held-out log, a calibration split), scored on the CPU
 * in chunks so that a million rows never become one tensor. Row-major {@code [rows, heads]}.
 */
public record Predictions(float[] values, int heads) {
    private static final int CHUNK = 4096;

    public static Predictions of(Model model, FeatureBatch all) {
        int heads = model.spec().heads().size();
        float[] values = new float[all.rows() * heads];
        FeatureBatch part = new FeatureBatch(CHUNK, all.sparseSlots(), all.denseDims());
        float[] out = new float[CHUNK * heads];
        try (Scorer scorer = CpuScorers.of(model)) {
            for (int from = 0; from < all.rows(); from += CHUNK) {
                int rows = Math.min(CHUNK, all.rows() - from);
                System.arraycopy(all.sparse(), from * all.sparseSlots(), part.sparse(), 0, rows * all.sparseSlots());
                System.arraycopy(all.dense(), from * all.denseDims(), part.dense(), 0, rows * all.denseDims());
                part.setRows(rows);
                scorer.score(part, out);
                System.arraycopy(out, 0, values, from * heads, rows * heads);
            }
        }
        return new Predictions(values, heads);
    }

    /** One head's column. */
    public float[] head(int h) {
        float[] column = new float[values.length / heads];
        for (int r = 0; r < column.length; r++) {
            column[r] = values[r * heads + h];
        }
        return column;
    }
}
