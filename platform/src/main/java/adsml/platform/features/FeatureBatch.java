package adsml.platform.features;

/**
 * The columnar input of a scorer: one row per candidate, sparse ids and dense floats in row-major primitive arrays.
 * Sparse ids are already global rows of the model's concatenated embedding table (slot offset added), so every backend
 * gathers them directly.
 *
 * <p>A batch is a reusable buffer: it has a fixed capacity and a current row count, so the request path fills the same
 * arrays again instead of allocating per request. Not thread-safe.
 */
public final class FeatureBatch {
    private final int capacity;
    private final int sparseSlots;
    private final int denseDims;
    private final int[] sparse;
    private final float[] dense;
    private int rows;

    public FeatureBatch(int capacity, int sparseSlots, int denseDims) {
        if (capacity < 0 || sparseSlots < 0 || denseDims < 0) {
            throw new IllegalArgumentException("capacity, sparseSlots and denseDims must be >= 0, were " + capacity
                    + ", " + sparseSlots + ", " + denseDims);
        }
        this.capacity = capacity;
        this.sparseSlots = sparseSlots;
        this.denseDims = denseDims;
        this.sparse = new int[capacity * sparseSlots];
        this.dense = new float[capacity * denseDims];
    }

    public static FeatureBatch forSchema(FeatureSchema schema, int capacity) {
        return new FeatureBatch(capacity, schema.sparseSlots(), schema.denseDims());
    }

    public int capacity() {
        return capacity;
    }

    public int rows() {
        return rows;
    }

    /** Sets the number of valid rows; rows beyond it are ignored by every scorer. */
    public void setRows(int rows) {
        if (rows < 0 || rows > capacity()) {
            throw new IllegalArgumentException("rows must be within [0, " + capacity() + "], was " + rows);
        }
        this.rows = rows;
    }

    public int sparseSlots() {
        return sparseSlots;
    }

    public int denseDims() {
        return denseDims;
    }

    /** Row-major {@code [capacity, sparseSlots]} global embedding rows; only the first {@link #rows()} rows count. */
    public int[] sparse() {
        return sparse;
    }

    /** Row-major {@code [capacity, denseDims]}; only the first {@link #rows()} rows count. */
    public float[] dense() {
        return dense;
    }
}
