package adsml.platform.scoring;

import adsml.platform.features.FeatureBatch;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;

/** A batch's valid rows as DJL arrays: sparse ids [rows, slots] int32 and dense [rows, denseDims] float32. */
final class BatchArrays {
    private BatchArrays() {
    }

    static NDArray sparse(NDManager manager, FeatureBatch batch) {
        int rows = batch.rows();
        return manager.create(IntBuffer.wrap(batch.sparse(), 0, rows * batch.sparseSlots()), new Shape(rows, batch.sparseSlots()));
    }

    static NDArray dense(NDManager manager, FeatureBatch batch) {
        int rows = batch.rows();
        return manager.create(FloatBuffer.wrap(batch.dense(), 0, rows * batch.denseDims()), new Shape(rows, batch.denseDims()));
    }
}
