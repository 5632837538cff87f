package adsml.platform.featurelog;

import static adsml.platform.featurelog.LogFixtures.SCHEMA;
import static adsml.platform.featurelog.LogFixtures.assertSameRow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.features.FeatureSchema;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ServedRowsReaderTest {
    @TempDir
    Path dir;

    /** Rows whose values sit at the edges: the floats a model may see, strings beyond ASCII, both ends of a long. */
    static ServedRows edgeRows() {
        float[][] dense = {
            {Float.NaN, -0.0f, 0.0f},
            {Float.MIN_VALUE, 1.0e-40f, -Float.MIN_NORMAL / 3},
            {Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, Float.MAX_VALUE},
            {0.1f, -1.5f, 3.4028235e38f}
        };
        String[] requests = {"req-1", "réq-ü-😀", "", "req-1"};
        long[] servedAt = {Long.MIN_VALUE, -1, 0, Long.MAX_VALUE};
        ServedRows rows = new ServedRows(SCHEMA, dense.length);
        for (int r = 0; r < dense.length; r++) {
            rows.add(
                    requests[r],
                    "user-" + r,
                    r == 2 ? Integer.MIN_VALUE : 1000 + r,
                    r == 1 ? ServedRows.NOT_SHOWN : r,
                    r < 2 ? "v1" : "v2-β",
                    servedAt[r],
                    new AuctionFacts(
                            r % 4,
                            r + 1,
                            r % 2 == 0,
                            r == 2 ? Integer.MAX_VALUE : 7 + r,
                            -r,
                            dense[r][0],
                            r % 3,
                            r == 3,
                            r == 1 ? Double.NaN : 1e9 * r,
                            r - 1f,
                            Float.MIN_VALUE * r,
                            dense[r][2],
                            0.5f,
                            r == 1 ? 0 : 1.0 / (r + 1),
                            Double.MIN_VALUE * r,
                            Double.MAX_VALUE / (r + 1)),
                    new int[] {Integer.MAX_VALUE - r, r},
                    0,
                    dense[r],
                    0);
        }
        return rows;
    }

    @Test
    void read_returnsEveryColumnBitForBit() throws IOException {
        for (CompressionCodecName codec : List.of(CompressionCodecName.SNAPPY, CompressionCodecName.UNCOMPRESSED)) {
            ServedRows written = edgeRows();
            Path file = dir.resolve(codec + ".parquet");
            ParquetRowsFile out = ParquetRowsFile.served(file, SCHEMA, codec, 1 << 20);
            out.append(written);
            out.close();

            ServedRows read = ServedRowsReader.read(file, SCHEMA);

            assertEquals(written.rows(), read.rows(), codec.toString());
            for (int r = 0; r < written.rows(); r++) {
                assertSameRow(written, r, read, r);
            }
        }
    }

    @Test
    void read_keepsTheBitsOfEveryNaN() throws IOException {
        float[] nans = {
            Float.NaN,
            Float.intBitsToFloat(0x7fc00001),
            Float.intBitsToFloat(0xffc00000),
            Float.intBitsToFloat(0x7f800001)
        };
        // Repeated, so that the writer keeps its dictionary encoding rather than falling back to plain.
        ServedRows written = new ServedRows(SCHEMA, 1000);
        for (int r = 0; r < written.capacity(); r++) {
            float nan = nans[r % nans.length];
            written.add("r", "u", 1, 0, "v", 0, AuctionFacts.UNKNOWN, new int[2], 0, new float[] {nan, nan, 1f}, 0);
        }
        Path file = dir.resolve("nans.parquet");
        ParquetRowsFile out = ParquetRowsFile.served(file, SCHEMA, CompressionCodecName.SNAPPY, 1 << 20);
        out.append(written);
        out.close();

        ServedRows read = ServedRowsReader.read(file, SCHEMA);

        for (int r = 0; r < written.rows(); r++) {
            assertSameRow(written, r, read, r);
        }
    }

    @Test
    void read_returnsRowsOfEveryRowGroupInOrder() throws IOException {
        Path file = dir.resolve("groups.parquet");
        // One byte per row group: every batch ends its own group.
        ParquetRowsFile out = ParquetRowsFile.served(file, SCHEMA, CompressionCodecName.SNAPPY, 1);
        List<ServedRows> batches = List.of(
                LogFixtures.rows("a", 1, 3, 100), LogFixtures.rows("b", 10, 5, 200), LogFixtures.rows("c", 20, 2, 300));
        for (ServedRows batch : batches) {
            out.append(batch);
        }
        out.close();

        ServedRows read = ServedRowsReader.read(file, SCHEMA);

        assertEquals(10, read.rows());
        int at = 0;
        for (ServedRows batch : batches) {
            for (int r = 0; r < batch.rows(); r++) {
                assertSameRow(batch, r, read, at++);
            }
        }
    }

    @Test
    void read_namesTheFileAndColumnThatDoNotMatchTheSchema() throws IOException {
        Path file = dir.resolve("served.parquet");
        ParquetRowsFile out = ParquetRowsFile.served(file, SCHEMA, CompressionCodecName.SNAPPY, 1 << 20);
        out.append(LogFixtures.rows("a", 1, 2, 100));
        out.close();
        FeatureSchema renamed =
                new FeatureSchema(SCHEMA.name(), SCHEMA.slots(), List.of("ad_ctr_1h", "user_age", "price"));
        FeatureSchema retyped = new FeatureSchema(
                SCHEMA.name(),
                List.of(new FeatureSchema.Slot("ad_category", 5)),
                List.of("user_bucket", "ad_ctr_1h", "user_age", "bid"));
        FeatureSchema shorter = new FeatureSchema(SCHEMA.name(), SCHEMA.slots(), List.of("ad_ctr_1h", "user_age"));

        String missing = assertThrows(IOException.class, () -> ServedRowsReader.read(file, renamed))
                .getMessage();
        String wrongType = assertThrows(IOException.class, () -> ServedRowsReader.read(file, retyped))
                .getMessage();
        String extra = assertThrows(IOException.class, () -> ServedRowsReader.read(file, shorter))
                .getMessage();

        for (String message : List.of(missing, wrongType, extra)) {
            assertTrue(message.contains(file.toString()), message);
        }
        assertTrue(missing.contains("'price'") && missing.contains("not in the file"), missing);
        assertTrue(wrongType.contains("'user_bucket'") && wrongType.contains("FLOAT"), wrongType);
        assertTrue(extra.contains("'bid'") && extra.contains("not in feature set"), extra);
    }

    @Test
    void readExamples_refusesAServedRowsFile() throws IOException {
        Path file = dir.resolve("served.parquet");
        ParquetRowsFile out = ParquetRowsFile.served(file, SCHEMA, CompressionCodecName.SNAPPY, 1 << 20);
        out.append(LogFixtures.rows("a", 1, 2, 100));
        out.close();

        IOException e = assertThrows(IOException.class, () -> ServedRowsReader.readExamples(file, SCHEMA));

        assertTrue(e.getMessage().contains("'shown'"), e.getMessage());
    }
}
