package adsml.scheduler;

import adsml.platform.features.FeatureBatch;
import java.util.List;

/**
 * One device batch: slices of queued jobs, all of one version, live slices first. A job larger than the room left in a
 * batch contributes its first rows and keeps the rest queued, so one job may span several batches. The batch holds a
 * reference to its version until {@link #release()}.
 */
public final class Batch {
    /** Rows {@code [from, from + rows)} of {@code job}. */
    public record Slice(Job job, int from, int rows) {}

    private final LoadedVersion version;
    private final List<Slice> slices;
    private final int rows;
    private final long formedNanos;

    Batch(LoadedVersion version, List<Slice> slices, int rows, long formedNanos) {
        this.version = version;
        this.slices = List.copyOf(slices);
        this.rows = rows;
        this.formedNanos = formedNanos;
    }

    public LoadedVersion version() {
        return version;
    }

    public List<Slice> slices() {
        return slices;
    }

    public int rows() {
        return rows;
    }

    public long formedNanos() {
        return formedNanos;
    }

    /** Whether every job in the batch is already done (failed, expired or cancelled), so scoring it is wasted. */
    public boolean allJobsDone() {
        for (Slice slice : slices) {
            if (!slice.job().isDone()) {
                return false;
            }
        }
        return true;
    }

    /** Whether no job of the batch is live traffic: a version's golden batch while it loads, say. */
    public boolean isShadowOnly() {
        for (Slice slice : slices) {
            if (slice.job().priority() == Priority.LIVE) {
                return false;
            }
        }
        return true;
    }

    /** Copies the slices' rows, in order, into {@code buffer} and sets its row count. */
    public void copyInto(FeatureBatch buffer) {
        int slots = buffer.sparseSlots();
        int dense = buffer.denseDims();
        int at = 0;
        for (Slice slice : slices) {
            FeatureBatch source = slice.job().features();
            System.arraycopy(source.sparse(), slice.from() * slots, buffer.sparse(), at * slots, slice.rows() * slots);
            System.arraycopy(source.dense(), slice.from() * dense, buffer.dense(), at * dense, slice.rows() * dense);
            at += slice.rows();
        }
        buffer.setRows(at);
    }

    /** Hands row-major {@code [rows, heads]} scores back to the slices' jobs; a job's last slice completes it. */
    public void deliver(float[] scores) {
        int heads = version.spec().heads().size();
        int at = 0;
        for (Slice slice : slices) {
            slice.job().deliver(slice.from(), slice.rows(), scores, at, heads);
            at += slice.rows();
        }
    }

    /** Fails every job of the batch with {@code error}. */
    public void fail(Throwable error) {
        for (Slice slice : slices) {
            slice.job().fail(error);
        }
    }

    /** Returns the batch's reference to its version; call once, after scoring or failing it. */
    public void release() {
        version.release();
    }
}
