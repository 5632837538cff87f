package adsml.scheduler.gpu;

import java.util.Objects;

/**
 * How each GPU device is run.
 *
 * @param streams           streams per device, each driven by one scheduler worker: with two, one
 *                          batch's copies overlap another's kernels
 * @param maxBatchRows      rows a stream's buffers hold; larger batches run in chunks of this many
 * @param memoryBudgetBytes model memory per device (weights and stream buffers of every loaded
 *                          version); 0 means 90% of the device's memory
 * @param precision         arithmetic of the dense and cross layers
 */
public record GpuSettings(int streams, int maxBatchRows, long memoryBudgetBytes, Precision precision) {
    public GpuSettings {
        if (streams < 1) {
            throw new IllegalArgumentException("streams must be >= 1, was " + streams);
        }
        if (maxBatchRows < 1) {
            throw new IllegalArgumentException("maxBatchRows must be >= 1, was " + maxBatchRows);
        }
        if (memoryBudgetBytes < 0) {
            throw new IllegalArgumentException("memoryBudgetBytes must be >= 0 (0: 90% of the device), was " + memoryBudgetBytes);
        }
        Objects.requireNonNull(precision, "precision");
    }

    /** The budget on a device of {@code totalBytes}. */
    long budgetFor(long totalBytes) {
        return memoryBudgetBytes > 0 ? memoryBudgetBytes : totalBytes / 10 * 9;
    }
}
