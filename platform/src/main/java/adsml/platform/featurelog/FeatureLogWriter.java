package adsml.platform.featurelog;

import adsml.platform.features.FeatureSchema;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes served rows to Parquet files off the request path: {@link #append} only offers the batch to a bounded queue (a
 * full queue drops the batch and counts it), and one thread of the writer's own writes the batches into
 * {@code <dir>/<feature set>/served-<startMs>-<seq>.parquet}.
 *
 * <p>A file is written as {@code .served-<startMs>-<seq>.parquet.tmp} and renamed into place once complete, so a reader
 * of the directory never sees a partial file; temporary files left by a crash are deleted when the writer starts. A
 * file is closed when it reaches {@link FeatureLogSettings#maxFileBytes()} or when
 * {@link FeatureLogSettings#maxFileAge()} has passed since it was opened, whether or not rows keep coming.
 *
 * <p>A write failure (a full disk, a read-only directory) abandons the file being written, counts its batches as
 * failed, logs once until the log recovers, and the next batch starts a new file: serving never fails because of the
 * log.
 */
public final class FeatureLogWriter implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(FeatureLogWriter.class);

    static final String PREFIX = "served-";
    static final String SUFFIX = ".parquet";
    static final String TMP_SUFFIX = ".tmp";

    /** The longest the writer thread waits before it looks at the open file's age again. */
    private static final long MAX_WAIT_MS = 100;

    private static final long RATE_TAU_MS = 10_000;

    private final Path directory;
    private final FeatureSchema schema;
    private final FeatureLogSettings settings;
    private final Clock clock;
    private final CompressionCodecName codec;
    private final ArrayBlockingQueue<ServedRows> queue;
    private final ServedRows wake;
    private final Thread thread;
    private final MovingRate rate = new MovingRate(RATE_TAU_MS);
    private final AtomicLong droppedBatches = new AtomicLong();
    private volatile boolean running = true;

    // Written by the writer thread only; volatile so that stats() sees them from any thread.
    private volatile long rowsWritten;
    private volatile long rowsOpen;
    private volatile long bytesWritten;
    private volatile long files;
    private volatile long failedBatches;
    private volatile String lastError = "";

    // The writer thread's own.
    private ParquetRowsFile file;
    private Path finalPath;
    private long openedAtMs;
    private long batchesOpen;
    private long seq;
    private boolean failing;

    /**
     * Starts the writer thread. Nothing here touches the disk: a directory that cannot be written shows up in
     * {@link #stats()}, never as an exception.
     *
     * @param root the log's directory; files go to {@code root/<schema name>}
     * @param clock names files and ages them
     */
    public FeatureLogWriter(Path root, FeatureSchema schema, FeatureLogSettings settings, Clock clock) {
        this.schema = Objects.requireNonNull(schema, "schema");
        this.directory = root.resolve(schema.name());
        if (!directory.getParent().equals(root)) {
            throw new IllegalArgumentException("feature set name '" + schema.name() + "' is not a plain file name");
        }
        ServedColumns.served(schema); // refuses a schema whose column names clash, here rather than at the first file
        this.settings = Objects.requireNonNull(settings, "settings");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.codec = Codecs.preferred();
        this.queue = new ArrayBlockingQueue<>(settings.maxQueuedBatches());
        this.wake = new ServedRows(schema, 0);
        this.thread = new Thread(this::run, "feature-log-" + schema.name());
        thread.setDaemon(true);
        thread.start();
    }

    /** The folder the files go to: {@code root/<feature set name>}. */
    public Path directory() {
        return directory;
    }

    /**
     * Hands a batch to the writer without waiting. The batch belongs to the writer from then on.
     *
     * @return false when the batch was dropped: the queue is full or the writer is closed
     * @throws IllegalArgumentException when the batch is for another feature schema
     */
    public boolean append(ServedRows batch) {
        if (!batch.schema().equals(schema)) {
            throw new IllegalArgumentException(
                    "rows of feature set '" + batch.schema().name() + "' given to the log of '" + schema.name() + "'");
        }
        if (batch.rows() == 0) {
            return true;
        }
        if (!running || !queue.offer(batch)) {
            droppedBatches.incrementAndGet();
            return false;
        }
        return true;
    }

    public FeatureLogStats stats() {
        return new FeatureLogStats(
                rowsWritten,
                rowsOpen,
                rate.perSecond(clock.millis()),
                bytesWritten,
                files,
                droppedBatches.get(),
                failedBatches,
                lastError);
    }

    /**
     * Writes every batch already queued, closes the open file into place and stops the thread. Batches appended after
     * this are dropped.
     */
    @Override
    public void close() {
        running = false;
        queue.offer(wake);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return;
        }
        // An append that saw the log open can still land after the thread's last look at the queue.
        for (ServedRows late = queue.poll(); late != null; late = queue.poll()) {
            if (late != wake) {
                droppedBatches.incrementAndGet();
            }
        }
    }

    private void run() {
        deleteLeftovers();
        while (true) {
            ServedRows batch;
            try {
                batch = queue.poll(waitMs(), TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                break;
            }
            if (batch != null && batch != wake) {
                write(batch);
            }
            if (file != null
                    && clock.millis() - openedAtMs >= settings.maxFileAge().toMillis()) {
                complete();
            }
            if (!running && queue.isEmpty()) {
                break;
            }
        }
        if (file != null) {
            complete();
        }
    }

    private long waitMs() {
        if (file == null) {
            return MAX_WAIT_MS;
        }
        long left = openedAtMs + settings.maxFileAge().toMillis() - clock.millis();
        return Math.max(0, Math.min(left, MAX_WAIT_MS));
    }

    private void write(ServedRows batch) {
        boolean counted = false;
        try {
            if (file == null) {
                open();
            }
            batchesOpen++;
            counted = true;
            file.append(batch);
            rowsOpen += batch.rows();
            rate.add(batch.rows(), clock.millis());
            if (file.bytes() >= settings.maxFileBytes()) {
                complete();
            }
        } catch (IOException | RuntimeException e) {
            fail(e, counted ? batchesOpen : batchesOpen + 1);
        }
    }

    private void open() throws IOException {
        Files.createDirectories(directory);
        openedAtMs = clock.millis();
        Path tmp;
        do {
            String name = PREFIX + openedAtMs + "-" + seq++ + SUFFIX;
            finalPath = directory.resolve(name);
            tmp = directory.resolve(tmpName(name));
        } while (Files.exists(finalPath) || Files.exists(tmp));
        file = ParquetRowsFile.served(
                tmp, schema, codec, Math.min(settings.maxFileBytes(), ParquetRowsFile.MAX_ROW_GROUP_BYTES));
        batchesOpen = 0;
    }

    /** Closes the open file and renames it into place. */
    private void complete() {
        try {
            file.close();
            Files.move(file.path(), finalPath, StandardCopyOption.ATOMIC_MOVE);
            bytesWritten += Files.size(finalPath);
            rowsWritten += file.rows();
            files++;
            file = null;
            rowsOpen = 0;
            batchesOpen = 0;
            if (failing) {
                failing = false;
                LOG.info("feature log {} writes again: {} complete", directory, finalPath.getFileName());
            }
        } catch (IOException | RuntimeException e) {
            fail(e, batchesOpen);
        }
    }

    private void fail(Exception e, long batches) {
        failedBatches += batches;
        lastError = e.toString();
        if (file != null) {
            try {
                file.abort();
                Files.deleteIfExists(file.path());
            } catch (IOException | RuntimeException cleanup) {
                e.addSuppressed(cleanup);
            }
            file = null;
        }
        rowsOpen = 0;
        batchesOpen = 0;
        if (!failing) {
            failing = true;
            LOG.warn("feature log {} cannot write; rows are dropped until it can", directory, e);
        }
    }

    private void deleteLeftovers() {
        if (!Files.isDirectory(directory)) {
            return;
        }
        try (DirectoryStream<Path> leftovers = Files.newDirectoryStream(directory, "." + PREFIX + "*" + TMP_SUFFIX)) {
            for (Path leftover : leftovers) {
                Files.delete(leftover);
                LOG.info("deleted {}, a feature log file left incomplete", leftover);
            }
        } catch (IOException e) {
            lastError = e.toString();
            LOG.warn("cannot delete the incomplete files in {}", directory, e);
        }
    }

    static String tmpName(String name) {
        return "." + name + TMP_SUFFIX;
    }
}
