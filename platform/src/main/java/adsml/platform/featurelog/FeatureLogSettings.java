package adsml.platform.featurelog;

import java.time.Duration;
import java.util.Objects;

/**
 * How the feature log rotates and how much it may hold back.
 *
 * @param maxFileAge a file is closed and renamed into place this long after its first row, with or without new rows
 * @param maxFileBytes a file is closed once it holds about this many bytes (uncompressed pages count in full until
 *     written, so the file on disk is usually smaller)
 * @param maxQueuedBatches batches waiting for the writer thread; one more is dropped and counted, never waited for
 */
public record FeatureLogSettings(Duration maxFileAge, long maxFileBytes, int maxQueuedBatches) {
    public FeatureLogSettings {
        Objects.requireNonNull(maxFileAge, "maxFileAge");
        if (maxFileAge.isNegative() || maxFileAge.isZero()) {
            throw new IllegalArgumentException("maxFileAge must be > 0, was " + maxFileAge);
        }
        if (maxFileBytes < 1) {
            throw new IllegalArgumentException("maxFileBytes must be >= 1, was " + maxFileBytes);
        }
        if (maxQueuedBatches < 1) {
            throw new IllegalArgumentException("maxQueuedBatches must be >= 1, was " + maxQueuedBatches);
        }
    }
}
