package adsml.platform.scoring;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.Calibration;
import adsml.platform.model.ModelSpec;

/**
 * Scores a {@link FeatureBatch} with one model version: calibrated probabilities, one per head and row. Implementations
 * hold native or device memory, so a scorer is closed when its version is retired. The CPU scorers may be called by
 * several threads at once (their weights are read-only and each call works in its own native scope); a device that
 * cannot say so gives each worker its own scorer.
 */
public interface Scorer extends AutoCloseable {

    ModelSpec spec();

    /**
     * Writes the calibrated probability of head {@code h} for row {@code r} to {@code out[r * heads + h]}, for the
     * batch's first {@code rows()} rows.
     *
     * @throws IllegalArgumentException when the batch's shape is not the model's, or out is too small
     */
    void score(FeatureBatch batch, float[] out);

    @Override
    void close();

    /** Checks that {@code batch} and {@code out} fit {@code spec}; shared by every implementation. */
    static void checkShapes(ModelSpec spec, FeatureBatch batch, float[] out) {
        if (batch.sparseSlots() != spec.schema().sparseSlots()
                || batch.denseDims() != spec.schema().denseDims()) {
            throw new IllegalArgumentException("batch has " + batch.sparseSlots() + " sparse slots and "
                    + batch.denseDims() + " dense dims; model " + spec.name() + "/" + spec.version() + " expects "
                    + spec.schema().sparseSlots() + " and " + spec.schema().denseDims());
        }
        if (out.length < batch.rows() * spec.heads().size()) {
            throw new IllegalArgumentException("out holds " + out.length + " values; " + batch.rows() + " rows x "
                    + spec.heads().size() + " heads needed");
        }
    }

    /**
     * Applies each head's calibration in place to row-major {@code [rows, heads]} probabilities of {@code batch}'s
     * first rows: the base of each, then the offsets of a sliced one, by the rows' ids.
     */
    static void calibrate(ModelSpec spec, FeatureBatch batch, float[] out, int rows) {
        int heads = spec.heads().size();
        for (int h = 0; h < heads; h++) {
            Calibration calibration = spec.calibrationOf(spec.heads().get(h)).base();
            for (int r = 0; r < rows; r++) {
                int i = r * heads + h;
                out[i] = calibration.apply(out[i]);
            }
        }
        addSliceOffsets(spec, batch, out, rows);
    }

    /**
     * Moves each sliced head's probabilities of {@code batch}'s first {@code rows} rows, already through their base
     * calibration, by the offsets of the rows' slices: what a device that calibrates on its own leaves to the host.
     */
    static void addSliceOffsets(ModelSpec spec, FeatureBatch batch, float[] out, int rows) {
        int heads = spec.heads().size();
        for (int h = 0; h < heads; h++) {
            if (!(spec.calibrationOf(spec.heads().get(h)) instanceof Calibration.Sliced sliced)) {
                continue;
            }
            int slot = spec.schema().slotIndex(sliced.slot());
            int first = spec.schema().offset(slot);
            int slots = batch.sparseSlots();
            int[] ids = batch.sparse();
            for (int r = 0; r < rows; r++) {
                int i = r * heads + h;
                out[i] = sliced.offset(out[i], ids[r * slots + slot] - first);
            }
        }
    }
}
