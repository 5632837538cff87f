package adsml.scheduler.gpu;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;
import java.util.Objects;

/**
 * How each GPU device is run.
 *
 * @param streams streams per device, each driven by one scheduler worker: with two, one batch's copies overlap
 *     another's kernels
 * @param maxBatchRows rows a stream's buffers hold; larger batches run in chunks of this many
 * @param memoryBudgetBytes model memory per device (weights and stream buffers of every loaded version); 0 means 90% of
 *     the device's memory
 * @param precision arithmetic of the dense and cross layers
 * @param embeddings how the embedding tables are kept on the device
 */
public record GpuSettings(
        int streams, int maxBatchRows, long memoryBudgetBytes, Precision precision, EmbeddingStorage embeddings) {
    /**
     * Reads {@code adsml.scheduler.gpu}.
     *
     * @param maxBatchRows the scheduler's largest batch, which each stream's buffers are sized for
     */
    public static GpuSettings from(Config root, int maxBatchRows) {
        SettingsReader r = SettingsReader.of(root, "adsml.scheduler.gpu");
        return new GpuSettings(
                r.intIn("streams", 1, 64),
                maxBatchRows,
                r.longIn("memory-budget-mb", 0, 1L << 24) << 20,
                r.oneOf("precision", Precision.class),
                r.oneOf("embeddings", EmbeddingStorage.class));
    }

    public GpuSettings {
        if (streams < 1) {
            throw new IllegalArgumentException("streams must be >= 1, was " + streams);
        }
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("maxBatchRows must be >= 1, was " + maxBatchRows);
        }
        if (memoryBudgetBytes < 0) {
            throw new IllegalArgumentException(
                    "memoryBudgetBytes must be >= 0 (0: 90% of the device), was " + memoryBudgetBytes);
        }
        Objects.requireNonNull(precision, "precision");
        Objects.requireNonNull(embeddings, "embeddings");
    }

    /** The budget on a device of {@code totalBytes}. */
    long budgetFor(long totalBytes) {
        return memoryBudgetBytes > 0 ? memoryBudgetBytes : totalBytes / 10 * 9;
    }
}
