package adsml.platform.offline.generator;

/**
 * Receives progress of a long operation: {@code done} of {@code total} units of the named phase. Called from the
 * working thread, at most every few tens of thousands of units; must be cheap.
 */
@FunctionalInterface
public interface ProgressListener {
    /** Ignores all updates. */
    ProgressListener NONE = (phase, done, total) -> {};

    void update(String phase, long done, long total);
}
