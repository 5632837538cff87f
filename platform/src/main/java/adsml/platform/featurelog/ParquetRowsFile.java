package adsml.platform.featurelog;

import adsml.platform.features.FeatureSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnWriteStore;
import org.apache.parquet.column.ColumnWriter;
import org.apache.parquet.column.ParquetProperties;
import org.apache.parquet.hadoop.ColumnChunkPageWriteStore;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.LocalOutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.schema.MessageType;

/**
 * One Parquet file being written from {@link ServedRows} batches, straight into parquet-column's column writers: no
 * record object, no Hadoop configuration. Rows are buffered in memory as encoded pages and written out one row group at
 * a time, when the buffer reaches the row-group size and at {@link #close()}. Single-threaded.
 */
final class ParquetRowsFile {
    /** Row groups buffer in memory before they are written: this bounds a writer's memory, and keeps groups big. */
    static final long MAX_ROW_GROUP_BYTES = 32L << 20;

    private final Path path;
    private final MessageType type;
    private final boolean labels;
    private final int sparseSlots;
    private final int denseDims;
    private final ParquetProperties properties;
    private final CompressionCodecName codec;
    private final Map<String, String> metadata;
    private final long rowGroupBytes;
    private final ParquetFileWriter file;
    private ColumnChunkPageWriteStore pages;
    private ColumnWriteStore columns;
    private ColumnWriter[] writers;
    private long rowsInGroup;
    private long rows;

    private ParquetRowsFile(
            Path path, FeatureSchema schema, boolean labels, CompressionCodecName codec, long rowGroupBytes)
            throws IOException {
        this.path = path;
        this.type = labels ? ServedColumns.examples(schema) : ServedColumns.served(schema);
        this.labels = labels;
        this.sparseSlots = schema.sparseSlots();
        this.denseDims = schema.denseDims();
        this.codec = codec;
        this.metadata = Map.of(ServedColumns.FEATURE_SET_KEY, schema.name());
        this.rowGroupBytes = rowGroupBytes;
        // Format 1.0 data pages: the layout every reader, old pyarrow and fastparquet included, decodes.
        ParquetProperties.Builder props =
                ParquetProperties.builder().withWriterVersion(ParquetProperties.WriterVersion.PARQUET_1_0);
        // Dense features are mostly distinct floats: a dictionary for them only costs time until the writer gives it
        // up. Ids and strings repeat, and keep theirs.
        for (String dense : schema.dense()) {
            props.withDictionaryEncoding(dense, false);
        }
        this.properties = props.build();
        this.file = new ParquetFileWriter(
                new LocalOutputFile(path),
                type,
                ParquetFileWriter.Mode.CREATE,
                rowGroupBytes,
                0,
                properties.getColumnIndexTruncateLength(),
                properties.getStatisticsTruncateLength(),
                properties.getPageWriteChecksumEnabled());
        file.start();
        startRowGroup();
    }

    /** Creates {@code path} (which must not exist) for served rows. */
    static ParquetRowsFile served(Path path, FeatureSchema schema, CompressionCodecName codec, long rowGroupBytes)
            throws IOException {
        return new ParquetRowsFile(path, schema, false, codec, rowGroupBytes);
    }

    /** Creates {@code path} (which must not exist) for training examples: served rows with their labels. */
    static ParquetRowsFile examples(Path path, FeatureSchema schema, CompressionCodecName codec, long rowGroupBytes)
            throws IOException {
        return new ParquetRowsFile(path, schema, true, codec, rowGroupBytes);
    }

    Path path() {
        return path;
    }

    long rows() {
        return rows;
    }

    /** Bytes written so far plus the pages buffered for the current row group, before compression. */
    long bytes() throws IOException {
        return file.getPos() + columns.getBufferedSize();
    }

    /** Appends every row of a served-rows file's batch. */
    void append(ServedRows batch) throws IOException {
        if (labels) {
            throw new IllegalStateException(path + " holds examples: rows need their labels");
        }
        write(batch, null, null);
    }

    /** Appends every row of {@code batch} with its labels; {@code shown} follows from the row's position. */
    void append(ServedRows batch, boolean[] click, boolean[] conversion) throws IOException {
        if (!labels) {
            throw new IllegalStateException(path + " holds served rows, not examples");
        }
        write(batch, click, conversion);
    }

    private void write(ServedRows batch, boolean[] click, boolean[] conversion) throws IOException {
        if (batch.schema().sparseSlots() != sparseSlots || batch.schema().denseDims() != denseDims) {
            throw new IllegalArgumentException(
                    "rows of feature set '" + batch.schema().name() + "' do not fit " + path);
        }
        String[] requestIds = batch.requestIdColumn();
        String[] userIds = batch.userIdColumn();
        String[] modelVersions = batch.modelVersionColumn();
        int[] adIds = batch.adIdColumn();
        int[] positions = batch.positionColumn();
        long[] servedAt = batch.servedAtColumn();
        AuctionFacts[] auction = batch.auctionColumn();
        int[] sparse = batch.sparse();
        float[] dense = batch.dense();
        ColumnWriter[] w = writers;
        // A request's rows share their strings: one Binary per run of the same string, not one per row.
        StringColumn requestId = new StringColumn(w[0]);
        StringColumn userId = new StringColumn(w[1]);
        StringColumn modelVersion = new StringColumn(w[4]);
        int firstSparse = ServedColumns.FIRST_SPARSE;
        int firstDense = firstSparse + sparseSlots;
        int firstLabel = firstDense + denseDims;
        for (int r = 0, n = batch.rows(); r < n; r++) {
            requestId.write(requestIds[r]);
            userId.write(userIds[r]);
            w[2].write(adIds[r], 0, 0);
            w[3].write(positions[r], 0, 0);
            modelVersion.write(modelVersions[r]);
            w[5].write(servedAt[r], 0, 0);
            AuctionFacts a = auction[r];
            w[6].write(a.surface(), 0, 0);
            w[7].write(a.slots(), 0, 0);
            w[8].write(a.wholeRequest(), 0, 0);
            w[9].write(a.campaign(), 0, 0);
            w[10].write(a.advertiser(), 0, 0);
            w[11].write(a.bid(), 0, 0);
            w[12].write(a.bidType(), 0, 0);
            w[13].write(a.satOut(), 0, 0);
            w[14].write(a.budgetLeft(), 0, 0);
            w[15].write(a.adShownToday(), 0, 0);
            w[16].write(a.campaignShownToday(), 0, 0);
            w[17].write(a.scoreCtr(), 0, 0);
            w[18].write(a.scoreCvr(), 0, 0);
            w[19].write(a.propensity(), 0, 0);
            w[20].write(a.priceBid(), 0, 0);
            w[21].write(a.priceEcpm(), 0, 0);
            for (int s = 0, at = r * sparseSlots; s < sparseSlots; s++) {
                w[firstSparse + s].write(sparse[at + s], 0, 0);
            }
            for (int d = 0, at = r * denseDims; d < denseDims; d++) {
                w[firstDense + d].write(dense[at + d], 0, 0);
            }
            if (labels) {
                w[firstLabel].write(positions[r] != ServedRows.NOT_SHOWN, 0, 0);
                w[firstLabel + 1].write(click[r], 0, 0);
                w[firstLabel + 2].write(conversion[r], 0, 0);
            }
            columns.endRecord();
        }
        rowsInGroup += batch.rows();
        rows += batch.rows();
        if (columns.getBufferedSize() >= rowGroupBytes) {
            flushRowGroup();
            startRowGroup();
        }
    }

    /** Writes the last row group and the footer; the file is complete when this returns. */
    void close() throws IOException {
        flushRowGroup();
        file.end(metadata);
    }

    /** Gives up on the file: closes its stream without a footer. The caller deletes it. */
    void abort() {
        file.abort();
    }

    private void startRowGroup() {
        pages = new ColumnChunkPageWriteStore(
                Codecs.INSTANCE.getCompressor(codec),
                type,
                properties.getAllocator(),
                properties.getColumnIndexTruncateLength(),
                properties.getPageWriteChecksumEnabled());
        columns = properties.newColumnWriteStore(type, pages, pages);
        List<ColumnDescriptor> descriptors = type.getColumns();
        writers = new ColumnWriter[descriptors.size()];
        for (int c = 0; c < writers.length; c++) {
            writers[c] = columns.getColumnWriter(descriptors.get(c));
        }
        rowsInGroup = 0;
    }

    private void flushRowGroup() throws IOException {
        if (rowsInGroup > 0) {
            file.startBlock(rowsInGroup);
            columns.flush();
            pages.flushToFileWriter(file);
            file.endBlock();
        }
        columns.close();
        pages.close();
    }

    /** A string column that converts each new string once and repeats it while the rows share it. */
    private static final class StringColumn {
        private final ColumnWriter writer;
        private String last;
        private Binary lastBinary;

        StringColumn(ColumnWriter writer) {
            this.writer = writer;
        }

        void write(String s) {
            if (s != last) {
                last = s;
                lastBinary = Binary.fromString(s);
            }
            writer.write(lastBinary, 0, 0);
        }
    }
}
