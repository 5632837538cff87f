package adsml.scheduler;

import adsml.platform.model.DcnWeights;
import adsml.platform.model.LrWeights;
import adsml.platform.model.Model;
import adsml.platform.scoring.Scorer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.util.Locale;

/**
 * A device's model memory: every loaded version reserves its estimated bytes and returns them when its scorer is
 * closed, so two versions during a swap both count. Thread-safe.
 */
public final class MemoryBudget {
    private static final long MB = 1L << 20;

    private final String device;
    private final long budgetBytes;
    private long usedBytes;

    public MemoryBudget(String device, long budgetBytes) {
        if (budgetBytes < 0) {
            throw new IllegalArgumentException(device + ": memoryBudgetBytes must be >= 0, was " + budgetBytes);
        }
        this.device = device;
        this.budgetBytes = budgetBytes;
    }

    /**
     * The bytes a version is estimated to occupy: its weights' float count x 4 (a TorchScript version: its file's
     * size).
     */
    public static long estimateBytes(Model model) {
        long floats = 0;
        if (model instanceof Model.Dcn dcn) {
            DcnWeights w = dcn.weights();
            floats = w.embedding().length
                    + w.headWeight().length
                    + w.headBias().length
                    + sum(w.crossWeight())
                    + sum(w.crossBias())
                    + sum(w.mlpWeight())
                    + sum(w.mlpBias());
        } else if (model instanceof Model.Lr lr) {
            LrWeights w = lr.weights();
            floats = (long) w.sparse().length + w.dense().length + w.bias().length;
        } else if (model instanceof Model.TorchScript ts) {
            try {
                return Files.size(ts.file());
            } catch (IOException e) {
                throw new UncheckedIOException("cannot size " + ts.file(), e);
            }
        }
        return floats * Float.BYTES;
    }

    private static long sum(float[][] arrays) {
        long n = 0;
        for (float[] a : arrays) {
            n += a.length;
        }
        return n;
    }

    /** Reserves {@code bytes} for {@code versionId}, or throws {@link DeviceMemoryException} when they do not fit. */
    public synchronized Reservation reserve(String versionId, long bytes) {
        if (bytes < 0) {
            throw new IllegalArgumentException("bytes must be >= 0, was " + bytes);
        }
        long free = budgetBytes - usedBytes;
        if (bytes > free) {
            throw new DeviceMemoryException(device, versionId, bytes, free, budgetBytes);
        }
        usedBytes += bytes;
        return new Reservation(bytes);
    }

    /** Wraps {@code scorer} so that closing it also returns {@code reservation}. */
    public static Scorer accounted(Scorer scorer, Reservation reservation) {
        return new AccountedScorer(scorer, reservation);
    }

    /** The scorer that {@link #accounted} wrapped, or {@code scorer} itself when it is not wrapped. */
    public static Scorer unwrap(Scorer scorer) {
        return scorer instanceof AccountedScorer accounted ? accounted.delegate() : scorer;
    }

    public synchronized long usedBytes() {
        return usedBytes;
    }

    public long budgetBytes() {
        return budgetBytes;
    }

    private synchronized void free(long bytes) {
        usedBytes -= bytes;
    }

    /** {@code bytes} in MB for messages: whole above 100 MB or when exact, one decimal below. */
    public static String format(long bytes) {
        if (bytes % MB == 0 || bytes >= 100 * MB) {
            return Math.round((double) bytes / MB) + " MB";
        }
        return String.format(Locale.ROOT, "%.1f MB", (double) bytes / MB);
    }

    /** Bytes held for one loaded version; closing it (once or more) returns them. */
    public final class Reservation implements AutoCloseable {
        private final long bytes;
        private boolean closed;

        private Reservation(long bytes) {
            this.bytes = bytes;
        }

        public long bytes() {
            return bytes;
        }

        @Override
        public void close() {
            synchronized (MemoryBudget.this) {
                if (!closed) {
                    closed = true;
                    free(bytes);
                }
            }
        }
    }
}
