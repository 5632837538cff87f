package adsml.scheduler;

import adsml.platform.features.FeatureBatch;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One request's rows to score with one version, by a deadline. Its future completes with row-major {@code [rows,
 * heads]} calibrated probabilities, or exceptionally.
 *
 * <p>The job reads {@code features} when its rows are copied into a device batch, so the caller must not change or
 * reuse that FeatureBatch until the future is done. A job holds a reference to its version from construction until its
 * future is done (however it completes, cancellation included).
 */
public final class Job {
    private final LoadedVersion version;
    private final FeatureBatch features;
    private final int rows;
    private final long deadlineNanos;
    private final Priority priority;
    private final CompletableFuture<float[]> result = new CompletableFuture<>();
    private final AtomicInteger unscored;

    // Owned by the BatchFormer's (lock-holding) thread.
    long enqueuedNanos;
    int taken;
    boolean offered;
    // Written before the job's first batch is handed over; each batch fills its own rows.
    float[] out;

    /**
     * @throws IllegalArgumentException when the features' shape is not the version's, or a sparse id lies outside its
     *     slot (checked here, on the caller's thread, so bad input never fails a merged batch)
     * @throws VersionRetiredException when the version is already retired
     */
    public Job(LoadedVersion version, FeatureBatch features, long deadlineNanos, Priority priority) {
        this.version = Objects.requireNonNull(version, "version");
        this.features = Objects.requireNonNull(features, "features");
        this.priority = Objects.requireNonNull(priority, "priority");
        this.deadlineNanos = deadlineNanos;
        this.rows = features.rows();
        check(version, features);
        this.unscored = new AtomicInteger(rows);
        version.acquire();
        result.whenComplete((scores, error) -> version.release());
    }

    private static void check(LoadedVersion version, FeatureBatch features) {
        int slots = version.spec().schema().sparseSlots();
        int dense = version.spec().schema().denseDims();
        if (features.sparseSlots() != slots || features.denseDims() != dense) {
            throw new IllegalArgumentException("features have " + features.sparseSlots() + " sparse slots and "
                    + features.denseDims() + " dense dims; " + version.id() + " expects " + slots + " and " + dense);
        }
        int[] offsets = version.slotOffsets();
        int[] vocabs = version.slotVocabs();
        int[] sparse = features.sparse();
        // First a pass without branches (a thousand rows of 20 ids per request): local and
        // vocab - 1 - local are both >= 0 exactly when the id is inside its slot, so the OR of them
        // all is negative when any id is outside. Only then find the first, to say which.
        int any = 0;
        for (int r = 0, i = 0; r < features.rows(); r++) {
            for (int s = 0; s < slots; s++, i++) {
                int local = sparse[i] - offsets[s];
                any |= local | (vocabs[s] - 1 - local);
            }
        }
        if (any >= 0) {
            return;
        }
        for (int r = 0, i = 0; r < features.rows(); r++) {
            for (int s = 0; s < slots; s++, i++) {
                int local = sparse[i] - offsets[s];
                if (local < 0 || local >= vocabs[s]) {
                    throw new IllegalArgumentException("row " + r + ", slot "
                            + version.spec().schema().slots().get(s).name()
                            + ": id " + sparse[i] + " is outside the slot's rows [" + offsets[s] + ", "
                            + (offsets[s] + vocabs[s]) + ")");
                }
            }
        }
    }

    public LoadedVersion version() {
        return version;
    }

    public FeatureBatch features() {
        return features;
    }

    public int rows() {
        return rows;
    }

    public long deadlineNanos() {
        return deadlineNanos;
    }

    public Priority priority() {
        return priority;
    }

    public CompletableFuture<float[]> result() {
        return result;
    }

    public boolean isDone() {
        return result.isDone();
    }

    void fail(Throwable error) {
        result.completeExceptionally(error);
    }

    void completeEmpty() {
        result.complete(new float[0]);
    }

    /**
     * Copies the scores of rows {@code [from, from + count)} from {@code scores} at row {@code at}; the last rows
     * complete the job.
     */
    void deliver(int from, int count, float[] scores, int at, int heads) {
        System.arraycopy(scores, at * heads, out, from * heads, count * heads);
        if (unscored.addAndGet(-count) == 0) {
            result.complete(out);
        }
    }
}
