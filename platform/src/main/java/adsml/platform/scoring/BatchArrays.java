package adsml.platform.scoring;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.ModelSpec;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/**
 * What every DJL scorer does around its forward pass: check the shapes, put the batch's valid rows into DJL arrays
 * (sparse ids [rows, slots] int32, dense [rows, denseDims] float32) in a sub-manager that is closed before returning,
 * copy the [rows, heads] probabilities out, and calibrate them.
 */
final class BatchArrays {

    /** A model's forward pass from the two inputs to uncalibrated probabilities [rows, heads]. */
    interface Forward {
        NDArray probabilities(NDArray sparse, NDArray dense, int rows);
    }

    private BatchArrays() {}

    static void score(ModelSpec spec, NDManager parent, FeatureBatch batch, float[] out, Forward forward) {
        Scorer.checkShapes(spec, batch, out);
        int rows = batch.rows();
        if (rows == 0) {
            return;
        }
        try (NDManager m = parent.newSubManager()) {
            NDArray sparse = m.create(
                    IntBuffer.wrap(batch.sparse(), 0, rows * batch.sparseSlots()),
                    new Shape(rows, batch.sparseSlots()));
            NDArray dense = m.create(
                    FloatBuffer.wrap(batch.dense(), 0, rows * batch.denseDims()), new Shape(rows, batch.denseDims()));
            // Results join their first operand's manager, m, so they are freed with it.
            forward.probabilities(sparse, dense, rows)
                    .toByteBuffer()
                    .asFloatBuffer()
                    .get(out, 0, rows * spec.heads().size());
        }
        Scorer.calibrate(spec, batch, out, rows);
    }
}
