package adsml.platform.featurelog;

/**
 * What the feature log has done, for the admin UI and metrics.
 *
 * @param rowsWritten rows in complete files (renamed into place)
 * @param rowsOpen rows in the file being written, not yet complete
 * @param rowsPerSecond rows appended per second, a moving average over about ten seconds
 * @param bytesWritten bytes of complete files
 * @param files complete files written
 * @param droppedBatches batches refused because the queue was full or the log was closed
 * @param failedBatches batches lost to a write failure, the batches of the abandoned file included
 * @param lastError the last write failure, or empty if there was none
 */
public record FeatureLogStats(
        long rowsWritten,
        long rowsOpen,
        double rowsPerSecond,
        long bytesWritten,
        long files,
        long droppedBatches,
        long failedBatches,
        String lastError) {}
