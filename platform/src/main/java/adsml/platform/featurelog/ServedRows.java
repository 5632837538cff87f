package adsml.platform.featurelog;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSchema;
import java.util.Objects;

/**
 * A columnar batch of served rows for one feature schema: per row the request, the user, the ad, the position it was
 * shown at ({@link #NOT_SHOWN} for a sampled row that was not), the model version, when it was served, and the exact
 * features the model scored: one global embedding row per sparse slot and one float per dense feature, row-major as in
 * {@link FeatureBatch}.
 *
 * <p>Primitive arrays of a fixed capacity inside; the strings are references to the caller's own (a request's rows
 * share theirs). A batch handed to {@link FeatureLogWriter#append} belongs to the writer from then on. Not thread-safe.
 */
public final class ServedRows {
    /** The position of a row that was scored and sampled into the log but not shown. */
    public static final int NOT_SHOWN = -1;

    private final FeatureSchema schema;
    private final int capacity;
    private final int sparseSlots;
    private final int denseDims;
    private final String[] requestIds;
    private final String[] userIds;
    private final int[] adIds;
    private final int[] positions;
    private final String[] modelVersions;
    private final long[] servedAtMs;
    private final AuctionFacts[] auction;
    private final int[] sparse;
    private final float[] dense;
    private int rows;

    public ServedRows(FeatureSchema schema, int capacity) {
        this.schema = Objects.requireNonNull(schema, "schema");
        if (capacity < 0) {
            throw new IllegalArgumentException("capacity must be >= 0, was " + capacity);
        }
        this.capacity = capacity;
        this.sparseSlots = schema.sparseSlots();
        this.denseDims = schema.denseDims();
        this.requestIds = new String[capacity];
        this.userIds = new String[capacity];
        this.adIds = new int[capacity];
        this.positions = new int[capacity];
        this.modelVersions = new String[capacity];
        this.servedAtMs = new long[capacity];
        this.auction = new AuctionFacts[capacity];
        this.sparse = new int[Math.multiplyExact(capacity, sparseSlots)];
        this.dense = new float[Math.multiplyExact(capacity, denseDims)];
    }

    public FeatureSchema schema() {
        return schema;
    }

    public int capacity() {
        return capacity;
    }

    public int rows() {
        return rows;
    }

    /** Forgets every row, keeping the arrays for the next batch. */
    public void clear() {
        rows = 0;
    }

    /**
     * Appends a row with what its auction knew and did ({@link AuctionFacts#UNKNOWN} where there was none), its
     * features row {@code batchRow} of {@code features}, the batch the model scored.
     *
     * @throws IllegalStateException when the batch is full
     * @throws IllegalArgumentException when {@code features} does not have this schema's shape
     */
    public void add(
            String requestId,
            String userId,
            int adId,
            int position,
            String modelVersion,
            long servedAtMs,
            AuctionFacts facts,
            FeatureBatch features,
            int batchRow) {
        if (features.sparseSlots() != sparseSlots || features.denseDims() != denseDims) {
            throw new IllegalArgumentException("feature batch has " + features.sparseSlots() + " sparse slots and "
                    + features.denseDims() + " dense features, schema '" + schema.name() + "' has " + sparseSlots
                    + " and " + denseDims);
        }
        Objects.checkIndex(batchRow, features.rows());
        add(
                requestId,
                userId,
                adId,
                position,
                modelVersion,
                servedAtMs,
                facts,
                features.sparse(),
                batchRow * sparseSlots,
                features.dense(),
                batchRow * denseDims);
    }

    /**
     * Appends a row whose features are {@code sparseSlots} ints of {@code sparseSource} from {@code sparseFrom} and
     * {@code denseDims} floats of {@code denseSource} from {@code denseFrom}.
     *
     * @throws IllegalStateException when the batch is full
     */
    public void add(
            String requestId,
            String userId,
            int adId,
            int position,
            String modelVersion,
            long servedAtMs,
            AuctionFacts facts,
            int[] sparseSource,
            int sparseFrom,
            float[] denseSource,
            int denseFrom) {
        if (rows == capacity) {
            throw new IllegalStateException("served rows are full at " + capacity + " rows");
        }
        if (position < NOT_SHOWN) {
            throw new IllegalArgumentException("position must be >= -1 (not shown), was " + position);
        }
        int r = rows;
        requestIds[r] = Objects.requireNonNull(requestId, "requestId");
        userIds[r] = Objects.requireNonNull(userId, "userId");
        modelVersions[r] = Objects.requireNonNull(modelVersion, "modelVersion");
        adIds[r] = adId;
        positions[r] = position;
        this.servedAtMs[r] = servedAtMs;
        auction[r] = Objects.requireNonNull(facts, "facts");
        System.arraycopy(sparseSource, sparseFrom, sparse, r * sparseSlots, sparseSlots);
        System.arraycopy(denseSource, denseFrom, dense, r * denseDims, denseDims);
        rows = r + 1;
    }

    public String requestId(int row) {
        return requestIds[Objects.checkIndex(row, rows)];
    }

    public String userId(int row) {
        return userIds[Objects.checkIndex(row, rows)];
    }

    public int adId(int row) {
        return adIds[Objects.checkIndex(row, rows)];
    }

    /** The slot the ad was shown in, or {@link #NOT_SHOWN}. */
    public int position(int row) {
        return positions[Objects.checkIndex(row, rows)];
    }

    public boolean shown(int row) {
        return position(row) != NOT_SHOWN;
    }

    public String modelVersion(int row) {
        return modelVersions[Objects.checkIndex(row, rows)];
    }

    public long servedAtMs(int row) {
        return servedAtMs[Objects.checkIndex(row, rows)];
    }

    /** What the row's auction knew and did ({@link AuctionFacts#UNKNOWN} for a row logged without it). */
    public AuctionFacts auction(int row) {
        return auction[Objects.checkIndex(row, rows)];
    }

    /** The global embedding row that slot {@code slot} of row {@code row} gathered. */
    public int sparse(int row, int slot) {
        return sparse[Objects.checkIndex(row, rows) * sparseSlots + Objects.checkIndex(slot, sparseSlots)];
    }

    public float dense(int row, int feature) {
        return dense[Objects.checkIndex(row, rows) * denseDims + Objects.checkIndex(feature, denseDims)];
    }

    /** Row-major {@code [capacity, sparseSlots]}; only the first {@link #rows()} rows count. */
    public int[] sparse() {
        return sparse;
    }

    /** Row-major {@code [capacity, denseDims]}; only the first {@link #rows()} rows count. */
    public float[] dense() {
        return dense;
    }

    String[] requestIdColumn() {
        return requestIds;
    }

    String[] userIdColumn() {
        return userIds;
    }

    int[] adIdColumn() {
        return adIds;
    }

    int[] positionColumn() {
        return positions;
    }

    String[] modelVersionColumn() {
        return modelVersions;
    }

    long[] servedAtColumn() {
        return servedAtMs;
    }

    AuctionFacts[] auctionColumn() {
        return auction;
    }

    /** For the reader, which fills the columns directly. */
    void setRows(int rows) {
        this.rows = Objects.checkIndex(rows, capacity + 1);
    }
}
