package adsml.platform.featurelog;

import adsml.platform.features.FeatureSchema;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns served-rows files into training examples: each row gets {@code click} and {@code conversion}, true when an
 * event for the same request and ad was logged within the attribution window after the row was served ({@code 0 <=
 * loggedAt - servedAt <= window}), and {@code shown}, so that a trainer can leave out the rows sampled without being
 * shown (their labels are always false).
 *
 * <p>A served file is joined once its window has closed, that is when its newest row is older than {@code now -
 * window}; {@code served-X.parquet} becomes {@code examples-X.parquet} in the same folder, written under a temporary
 * name and renamed into place, and a served file whose examples file exists is never joined again. One join runs at a
 * time per folder.
 */
public final class ExampleJoin {
    private static final Logger LOG = LoggerFactory.getLogger(ExampleJoin.class);

    static final String PREFIX = "examples-";

    private final Path directory;
    private final FeatureSchema schema;
    private final long windowMs;
    private final Clock clock;
    private final CompressionCodecName codec;

    /**
     * What one run did.
     *
     * @param joinedFiles served files joined into example files by this run
     * @param joinedRows rows in those files
     * @param pendingFiles served files whose attribution window is still open
     * @param failedFiles served files that could not be joined (named in the log); the next run tries them again
     * @param joinLagMs how far the examples lag behind serving: the age of the oldest served file not yet joined, 0
     *     when every file is joined
     */
    public record Report(int joinedFiles, long joinedRows, int pendingFiles, int failedFiles, long joinLagMs) {}

    /**
     * @param root the feature log's directory; files are under {@code root/<schema name>}
     * @param window how long after a row was served a click or conversion is still attributed to it
     */
    public ExampleJoin(Path root, FeatureSchema schema, Duration window, Clock clock) {
        this.schema = Objects.requireNonNull(schema, "schema");
        this.directory = root.resolve(schema.name());
        if (window.isNegative()) {
            throw new IllegalArgumentException("window must be >= 0, was " + window);
        }
        this.windowMs = window.toMillis();
        this.clock = Objects.requireNonNull(clock, "clock");
        this.codec = Codecs.preferred();
    }

    /** Joins every served file whose window has closed and that is not joined yet. */
    public Report run(LabelSource labels) throws IOException {
        long now = clock.millis();
        int joined = 0;
        long joinedRows = 0;
        int pending = 0;
        int failed = 0;
        long oldestUnjoinedMs = Long.MAX_VALUE;
        if (!Files.isDirectory(directory)) {
            return new Report(0, 0, 0, 0, 0);
        }
        deleteLeftovers();
        for (Path served : servedFiles()) {
            String name = served.getFileName().toString();
            Path examples = directory.resolve(PREFIX + name.substring(FeatureLogWriter.PREFIX.length()));
            if (Files.exists(examples)) {
                continue;
            }
            try {
                long[] range = ServedRowsReader.servedAtRange(served);
                if (range[1] >= now - windowMs) {
                    pending++;
                } else {
                    joinedRows += join(served, range, examples, labels);
                    joined++;
                    continue;
                }
            } catch (IOException | RuntimeException e) {
                failed++;
                LOG.warn("cannot join {}; the next run tries again", served, e);
            }
            oldestUnjoinedMs = Math.min(oldestUnjoinedMs, startMs(name));
        }
        long lag = oldestUnjoinedMs == Long.MAX_VALUE ? 0 : Math.max(0, now - oldestUnjoinedMs);
        return new Report(joined, joinedRows, pending, failed, lag);
    }

    private int join(Path served, long[] range, Path examples, LabelSource labels) throws IOException {
        ServedRows rows = ServedRowsReader.read(served, schema);
        int n = rows.rows();
        boolean[] click = new boolean[n];
        boolean[] conversion = new boolean[n];
        // Rows of one request chained together: one map entry per request, not per row.
        Map<String, Integer> firstRow = new HashMap<>();
        int[] nextRow = new int[n];
        for (int r = n - 1; r >= 0; r--) {
            Integer next = firstRow.put(rows.requestId(r), r);
            nextRow[r] = next == null ? -1 : next;
        }
        for (LabelEvent event : labels.between(range[0], Math.addExact(range[1], windowMs))) {
            Integer first = firstRow.get(event.requestId());
            for (int r = first == null ? -1 : first; r >= 0; r = nextRow[r]) {
                long delay = event.loggedAtMs() - rows.servedAtMs(r);
                if (rows.adId(r) == event.adId() && rows.shown(r) && delay >= 0 && delay <= windowMs) {
                    (event.type() == LabelEvent.Type.CLICK ? click : conversion)[r] = true;
                }
            }
        }
        Path tmp = directory.resolve(
                FeatureLogWriter.tmpName(examples.getFileName().toString()));
        Files.deleteIfExists(tmp);
        ParquetRowsFile file = ParquetRowsFile.examples(tmp, schema, codec, ParquetRowsFile.MAX_ROW_GROUP_BYTES);
        try {
            file.append(rows, click, conversion);
            file.close();
            Files.move(tmp, examples, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            file.abort();
            Files.deleteIfExists(tmp);
            throw e;
        }
        return n;
    }

    private List<Path> servedFiles() throws IOException {
        List<Path> files = new ArrayList<>();
        try (DirectoryStream<Path> stream =
                Files.newDirectoryStream(directory, FeatureLogWriter.PREFIX + "*" + FeatureLogWriter.SUFFIX)) {
            stream.forEach(files::add);
        }
        files.sort(null);
        return files;
    }

    private void deleteLeftovers() throws IOException {
        try (DirectoryStream<Path> leftovers =
                Files.newDirectoryStream(directory, "." + PREFIX + "*" + FeatureLogWriter.TMP_SUFFIX)) {
            for (Path leftover : leftovers) {
                Files.delete(leftover);
            }
        }
    }

    /** The {@code startMs} of {@code served-<startMs>-<seq>.parquet}, or now's for a name not of that form. */
    private long startMs(String servedName) {
        int from = FeatureLogWriter.PREFIX.length();
        int to = servedName.indexOf('-', from);
        try {
            return Long.parseLong(servedName.substring(from, to < 0 ? from : to));
        } catch (NumberFormatException e) {
            return clock.millis();
        }
    }
}
