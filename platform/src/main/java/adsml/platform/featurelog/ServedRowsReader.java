package adsml.platform.featurelog;

import adsml.platform.features.FeatureSchema;
import java.io.IOException;
import java.nio.file.Path;
import org.apache.parquet.column.ColumnDescriptor;
import org.apache.parquet.column.ColumnReader;
import org.apache.parquet.column.impl.ColumnReadStoreImpl;
import org.apache.parquet.column.page.PageReadStore;
import org.apache.parquet.column.statistics.LongStatistics;
import org.apache.parquet.column.statistics.Statistics;
import org.apache.parquet.hadoop.metadata.BlockMetaData;
import org.apache.parquet.hadoop.metadata.ColumnChunkMetaData;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType;
import org.apache.parquet.schema.Type;

/**
 * Reads the feature log's files back: a served-rows file into {@link ServedRows}, an examples file into
 * {@link TrainingExamples}. The file's columns must be exactly the ones the feature schema gives (same names and types,
 * none missing, none extra); a mismatch is an {@link IOException} that names the file and the column.
 */
public final class ServedRowsReader {
    /** Column readers hand values to a converter only when asked to; values are read with the getters instead. */
    private static final GroupConverter IGNORED = new GroupConverter() {
        private final PrimitiveConverter primitive = new PrimitiveConverter() {};

        @Override
        public Converter getConverter(int fieldIndex) {
            return primitive;
        }

        @Override
        public void start() {}

        @Override
        public void end() {}
    };

    private static final String OLDER_LOG =
            " (a log written before the auction columns: an older adsml wrote it, and only its own version reads it)";

    private ServedRowsReader() {}

    /** Reads every row of a served-rows file written for {@code schema}. */
    public static ServedRows read(Path file, FeatureSchema schema) throws IOException {
        try (ParquetPages pages = ParquetPages.open(file)) {
            MessageType expected = ServedColumns.served(schema);
            ServedRows rows = new ServedRows(schema, rowCount(file, pages));
            readColumns(file, pages, expected, rows, null, null);
            return rows;
        }
    }

    /** Reads every row of an examples file written for {@code schema}, with its labels. */
    public static TrainingExamples readExamples(Path file, FeatureSchema schema) throws IOException {
        try (ParquetPages pages = ParquetPages.open(file)) {
            MessageType expected = ServedColumns.examples(schema);
            int n = rowCount(file, pages);
            ServedRows rows = new ServedRows(schema, n);
            boolean[] click = new boolean[n];
            boolean[] conversion = new boolean[n];
            readColumns(file, pages, expected, rows, click, conversion);
            return new TrainingExamples(rows, click, conversion);
        }
    }

    /**
     * The earliest and latest {@code served_at_ms} of a served-rows file, from its footer's statistics, without reading
     * its rows.
     */
    static long[] servedAtRange(Path file) throws IOException {
        try (ParquetPages pages = ParquetPages.open(file)) {
            long min = Long.MAX_VALUE;
            long max = Long.MIN_VALUE;
            for (BlockMetaData block : pages.footer().getBlocks()) {
                for (ColumnChunkMetaData chunk : block.getColumns()) {
                    if (chunk.getPath().toDotString().equals(ServedColumns.SERVED_AT_MS)) {
                        Statistics<?> stats = chunk.getStatistics();
                        if (!(stats instanceof LongStatistics longs) || !stats.hasNonNullValue()) {
                            throw new IOException(file + ": no statistics for column '" + ServedColumns.SERVED_AT_MS
                                    + "' in a row group");
                        }
                        min = Math.min(min, longs.getMin());
                        max = Math.max(max, longs.getMax());
                    }
                }
            }
            return new long[] {min, max};
        }
    }

    private static int rowCount(Path file, ParquetPages pages) throws IOException {
        long rows = pages.rows();
        if (rows > Integer.MAX_VALUE) {
            throw new IOException(file + " holds " + rows + " rows, more than one batch can");
        }
        return (int) rows;
    }

    private static void readColumns(
            Path file, ParquetPages pages, MessageType expected, ServedRows rows, boolean[] click, boolean[] conversion)
            throws IOException {
        MessageType actual = pages.footer().getFileMetaData().getSchema();
        check(file, rows.schema(), expected, actual);
        String createdBy = pages.footer().getFileMetaData().getCreatedBy();
        int sparseSlots = rows.schema().sparseSlots();
        int denseDims = rows.schema().denseDims();
        int firstSparse = ServedColumns.FIRST_SPARSE;
        int firstDense = firstSparse + sparseSlots;
        int firstLabel = firstDense + denseDims;
        int total = rows.capacity();
        int[][] ints = new int[firstSparse][];
        float[][] floats = new float[firstSparse][];
        double[][] doubles = new double[firstSparse][];
        boolean[][] booleans = new boolean[firstSparse][];
        int base = 0;
        for (int g = 0; g < pages.footer().getBlocks().size(); g++) {
            PageReadStore group = pages.rowGroup(g);
            int n = Math.toIntExact(group.getRowCount());
            ColumnReadStoreImpl store = new ColumnReadStoreImpl(group, IGNORED, actual, createdBy);
            for (int c = 0; c < expected.getFieldCount(); c++) {
                ColumnDescriptor column = actual.getColumnDescription(new String[] {expected.getFieldName(c)});
                ColumnReader reader = store.getColumnReader(column);
                switch (c) {
                    case 0 -> readStrings(reader, rows.requestIdColumn(), base, n);
                    case 1 -> readStrings(reader, rows.userIdColumn(), base, n);
                    case 2 -> readInts(reader, rows.adIdColumn(), base, 1, n);
                    case 3 -> readInts(reader, rows.positionColumn(), base, 1, n);
                    case 4 -> readStrings(reader, rows.modelVersionColumn(), base, n);
                    case 5 -> readLongs(reader, rows.servedAtColumn(), base, n);
                    default -> {
                        if (c < firstSparse) {
                            switch (column.getPrimitiveType().getPrimitiveTypeName()) {
                                case INT32 -> readInts(reader, column(ints, c, total), base, 1, n);
                                case FLOAT -> readFloats(reader, column(floats, c, total), base, 1, n);
                                case DOUBLE -> readDoubles(reader, column(doubles, c, total), base, n);
                                case BOOLEAN -> readBooleans(reader, column(booleans, c, total), base, n);
                                default -> throw new IllegalStateException("no auction column is " + column);
                            }
                        } else if (c < firstDense) {
                            readInts(reader, rows.sparse(), base * sparseSlots + c - firstSparse, sparseSlots, n);
                        } else if (c < firstLabel) {
                            readFloats(reader, rows.dense(), base * denseDims + c - firstDense, denseDims, n);
                        } else if (c == firstLabel) {
                            skip(reader, n); // shown: the position says it
                        } else {
                            readBooleans(reader, c == firstLabel + 1 ? click : conversion, base, n);
                        }
                    }
                }
            }
            base += n;
        }
        AuctionFacts[] auction = rows.auctionColumn();
        for (int r = 0; r < base; r++) {
            auction[r] = new AuctionFacts(
                    ints[6][r],
                    ints[7][r],
                    booleans[8][r],
                    ints[9][r],
                    ints[10][r],
                    floats[11][r],
                    ints[12][r],
                    booleans[13][r],
                    doubles[14][r],
                    floats[15][r],
                    floats[16][r],
                    floats[17][r],
                    floats[18][r],
                    doubles[19][r],
                    doubles[20][r],
                    doubles[21][r]);
        }
        rows.setRows(base);
    }

    private static void check(Path file, FeatureSchema schema, MessageType expected, MessageType actual)
            throws IOException {
        for (Type want : expected.getFields()) {
            String name = want.getName();
            if (!actual.containsField(name)) {
                throw new IOException(file + ": column '" + name + "' of feature set '" + schema.name()
                        + "' is not in the file" + (ServedColumns.isFixed(name) ? OLDER_LOG : ""));
            }
            Type got = actual.getType(name);
            PrimitiveType.PrimitiveTypeName wantType = want.asPrimitiveType().getPrimitiveTypeName();
            if (!got.isPrimitive()
                    || got.asPrimitiveType().getPrimitiveTypeName() != wantType
                    || got.getRepetition() != Type.Repetition.REQUIRED) {
                throw new IOException(file + ": column '" + name + "' is " + got + " in the file, feature set '"
                        + schema.name() + "' wants required " + wantType);
            }
        }
        for (Type got : actual.getFields()) {
            if (!expected.containsField(got.getName())) {
                throw new IOException(
                        file + ": column '" + got.getName() + "' is not in feature set '" + schema.name() + "'");
            }
        }
    }

    private static void readStrings(ColumnReader reader, String[] into, int from, int n) {
        Binary last = null;
        String lastString = null;
        for (int i = 0; i < n; i++) {
            Binary value = reader.getBinary();
            if (!value.equals(last)) {
                last = value.copy();
                lastString = value.toStringUsingUTF8();
            }
            into[from + i] = lastString;
            reader.consume();
        }
    }

    private static void readInts(ColumnReader reader, int[] into, int from, int stride, int n) {
        for (int i = 0, at = from; i < n; i++, at += stride) {
            into[at] = reader.getInteger();
            reader.consume();
        }
    }

    private static void readLongs(ColumnReader reader, long[] into, int from, int n) {
        for (int i = 0; i < n; i++) {
            into[from + i] = reader.getLong();
            reader.consume();
        }
    }

    private static void readFloats(ColumnReader reader, float[] into, int from, int stride, int n) {
        for (int i = 0, at = from; i < n; i++, at += stride) {
            into[at] = reader.getFloat();
            reader.consume();
        }
    }

    private static int[] column(int[][] columns, int c, int rows) {
        return columns[c] == null ? columns[c] = new int[rows] : columns[c];
    }

    private static float[] column(float[][] columns, int c, int rows) {
        return columns[c] == null ? columns[c] = new float[rows] : columns[c];
    }

    private static double[] column(double[][] columns, int c, int rows) {
        return columns[c] == null ? columns[c] = new double[rows] : columns[c];
    }

    private static boolean[] column(boolean[][] columns, int c, int rows) {
        return columns[c] == null ? columns[c] = new boolean[rows] : columns[c];
    }

    private static void readDoubles(ColumnReader reader, double[] into, int from, int n) {
        for (int i = 0; i < n; i++) {
            into[from + i] = reader.getDouble();
            reader.consume();
        }
    }

    private static void readBooleans(ColumnReader reader, boolean[] into, int from, int n) {
        for (int i = 0; i < n; i++) {
            into[from + i] = reader.getBoolean();
            reader.consume();
        }
    }

    private static void skip(ColumnReader reader, int n) {
        for (int i = 0; i < n; i++) {
            reader.consume();
        }
    }
}
