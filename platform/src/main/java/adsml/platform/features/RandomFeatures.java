package adsml.platform.features;

import java.util.SplittableRandom;

/**
 * Random but valid batches of any schema (every id inside its slot, dense values in [-1, 1]): the input of backend
 * parity checks and scorer benchmarks, deterministic for a seed.
 */
public final class RandomFeatures {
    private RandomFeatures() {}

    public static FeatureBatch batch(FeatureSchema schema, int rows, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        FeatureBatch batch = FeatureBatch.forSchema(schema, rows);
        int[] offsets = schema.offsets();
        for (int r = 0; r < rows; r++) {
            for (int s = 0; s < schema.sparseSlots(); s++) {
                batch.sparse()[r * schema.sparseSlots() + s] =
                        offsets[s] + random.nextInt(schema.slots().get(s).vocab());
            }
            for (int k = 0; k < schema.denseDims(); k++) {
                batch.dense()[r * schema.denseDims() + k] = (float) random.nextDouble(-1, 1);
            }
        }
        batch.setRows(rows);
        return batch;
    }
}
