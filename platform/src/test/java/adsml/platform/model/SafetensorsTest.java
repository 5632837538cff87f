package adsml.platform.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SafetensorsTest {
    @TempDir
    Path dir;

    private static final String GOLDEN_HEADER = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}";

    /** Builds a file by hand: length prefix, header padded with spaces to a multiple of 8, then data. */
    private static byte[] fileBytes(String header, byte[] data) {
        byte[] h = header.getBytes(StandardCharsets.UTF_8);
        int padded = (h.length + 7) / 8 * 8;
        ByteBuffer b = ByteBuffer.allocate(8 + padded + data.length).order(ByteOrder.LITTLE_ENDIAN);
        b.putLong(padded).put(h);
        for (int i = h.length; i < padded; i++) {
            b.put((byte) ' ');
        }
        return b.put(data).array();
    }

    private static byte[] floatsLe(float... v) {
        ByteBuffer b = ByteBuffer.allocate(v.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        for (float f : v) {
            b.putFloat(f);
        }
        return b.array();
    }

    private Path file(String name, byte[] bytes) throws IOException {
        Path f = dir.resolve(name);
        Files.write(f, bytes);
        return f;
    }

    private InvalidModelException readFails(byte[] bytes) throws IOException {
        Path f = file("bad.safetensors", bytes);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> Safetensors.read(f));
        assertTrue(e.getMessage().startsWith("bad.safetensors: "), e.getMessage());
        return e;
    }

    private static void assertMessageContains(InvalidModelException e, String... parts) {
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + part + "' not in: " + e.getMessage());
        }
    }

    @Test
    void write_matchesHandBuiltGoldenFileByteForByte() throws IOException {
        Path f = dir.resolve("a.safetensors");
        Safetensors.write(f, Map.of(), List.of(Tensor.ofFloats("a", new float[] {1.0f, 2.0f}, 2)));
        byte[] golden = fileBytes(GOLDEN_HEADER, floatsLe(1.0f, 2.0f));
        assertArrayEquals(golden, Files.readAllBytes(f));
        assertEquals(0, (Files.size(f) - 8 - 8) % 8); // header padded to a multiple of 8
    }

    @Test
    void read_parsesHandBuiltGoldenFile() throws IOException {
        Path f = file("g.safetensors", fileBytes(GOLDEN_HEADER, floatsLe(1.0f, 2.0f)));
        SafetensorsFile sf = Safetensors.read(f);
        assertEquals(Map.of(), sf.metadata());
        Tensor a = sf.require("a", DType.F32, 2);
        assertArrayEquals(new float[] {1.0f, 2.0f}, a.toFloatArray());
    }

    @Test
    void roundTrip_preservesEveryDtypeScalarAndEmptyTensorAndMetadata() throws IOException {
        float[] halfs = {0f, 1f, -2.5f, 65504f, 0x1p-24f, Float.POSITIVE_INFINITY};
        List<Tensor> tensors = List.of(
                Tensor.ofFloats("f32.matrix", new float[] {1, 2, 3, 4, 5, 6}, 2, 3),
                Tensor.ofFloats("f32.scalar", new float[] {3.5f}),
                Tensor.ofFloats("f32.empty", new float[0], 0, 4),
                Tensor.ofFloats("bf16", DType.BF16, new float[] {1f, -2.5f, 0.15625f, 3e38f}, 4),
                Tensor.ofFloats("f16", DType.F16, halfs, 2, 3),
                Tensor.ofFloats("f64", DType.F64, new float[] {0.1f, -7f}, 2),
                Tensor.ofInts("i32", new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE}, 2, 2),
                Tensor.ofLongs("i64", new long[] {Long.MIN_VALUE, 42L, Long.MAX_VALUE}, 3, 1),
                Tensor.of("u8", DType.U8, new byte[] {0, 1, (byte) 255}, 3));
        Map<String, String> meta = Map.of("format", "pt", "adsml.version", "7", "empty", "");
        Path f = dir.resolve("all.safetensors");
        Safetensors.write(f, meta, tensors);

        SafetensorsFile sf = Safetensors.read(f);
        assertEquals(meta, sf.metadata());
        assertEquals(
                List.of("bf16", "f16", "f32.empty", "f32.matrix", "f32.scalar", "f64", "i32", "i64", "u8"),
                List.copyOf(sf.names()));
        for (Tensor t : tensors) {
            assertEquals(t, sf.get(t.name()), t.name());
        }
        assertArrayEquals(
                new float[] {3.5f}, sf.require("f32.scalar", DType.F32).toFloatArray());
        assertEquals(1, sf.get("f32.scalar").numel());
        assertEquals(0, sf.require("f32.empty", DType.F32, 0, 4).numel());
        assertArrayEquals(halfs, sf.get("f16").toFloatArray());
        assertArrayEquals(
                new float[] {1f, -2.5f, 0.15625f, Float.intBitsToFloat(0x7F620000)},
                sf.get("bf16").toFloatArray());
        assertArrayEquals(
                new int[] {Integer.MIN_VALUE, -1, 0, Integer.MAX_VALUE},
                sf.get("i32").toIntArray());
        assertArrayEquals(
                new long[] {Long.MIN_VALUE, 42L, Long.MAX_VALUE}, sf.get("i64").toLongArray());
        assertArrayEquals(new int[] {0, 1, 255}, sf.get("u8").toIntArray());
    }

    @Test
    void write_isDeterministicRegardlessOfInputOrder() throws IOException {
        Tensor a = Tensor.ofInts("a", new int[] {1}, 1);
        Tensor b = Tensor.ofFloats("b", new float[] {2f}, 1);
        Path f1 = dir.resolve("1.safetensors");
        Path f2 = dir.resolve("2.safetensors");
        Safetensors.write(f1, Map.of("k1", "v", "k2", "w"), List.of(a, b));
        Safetensors.write(f2, Map.of("k2", "w", "k1", "v"), List.of(b, a));
        assertArrayEquals(Files.readAllBytes(f1), Files.readAllBytes(f2));
    }

    @Test
    void toFloatArray_widensBf16Exactly() {
        // 0x3F80 = 1.0, 0xC020 = -2.5, 0x7F80 = +inf, 0x0001 = smallest subnormal bf16
        byte[] raw = ByteBuffer.allocate(8)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) 0x3F80)
                .putShort((short) 0xC020)
                .putShort((short) 0x7F80)
                .putShort((short) 0x0001)
                .array();
        float[] f = Tensor.of("x", DType.BF16, raw, 4).toFloatArray();
        assertArrayEquals(new float[] {1f, -2.5f, Float.POSITIVE_INFINITY, Float.intBitsToFloat(0x00010000)}, f);
    }

    @Test
    void ofFloats_roundsToNearestEvenForBf16AndF16() {
        assertEquals((short) 0x3F80, Tensor.floatToBf16(1.0f + 0x1p-8f)); // exactly halfway: ties to even
        assertEquals((short) 0x3F82, Tensor.floatToBf16(1.0f + 0x1p-7f + 0x1p-8f)); // halfway from odd: rounds up
        assertEquals((short) 0x3C00, Tensor.floatToHalf(1.0f));
        assertEquals((short) 0x7BFF, Tensor.floatToHalf(65504f));
        assertEquals((short) 0x7C00, Tensor.floatToHalf(65520f)); // rounds past the largest half
        assertEquals((short) 0x0001, Tensor.floatToHalf(0x1p-24f));
        assertEquals((short) 0x0000, Tensor.floatToHalf(0x1p-25f)); // halfway to the smallest subnormal: even
        assertTrue(Float.isNaN(Tensor.halfToFloat(Tensor.floatToHalf(Float.NaN))));
        assertTrue(Float.isNaN(
                Tensor.ofFloats("n", DType.BF16, new float[] {Float.NaN}, 1).toFloatArray()[0]));
        for (int h = 0; h < 0x10000; h++) {
            float f = Tensor.halfToFloat((short) h);
            if (!Float.isNaN(f)) {
                assertEquals((short) h, Tensor.floatToHalf(f), "half " + Integer.toHexString(h));
            }
        }
    }

    @Test
    void tensor_equalsComparesContentsAndToStringOmitsData() {
        Tensor a = Tensor.ofFloats("w", new float[] {1, 2}, 2);
        assertEquals(a, Tensor.ofFloats("w", new float[] {1, 2}, 2));
        assertEquals(a.hashCode(), Tensor.ofFloats("w", new float[] {1, 2}, 2).hashCode());
        assertNotEquals(a, Tensor.ofFloats("w", new float[] {1, 3}, 2));
        assertNotEquals(a, Tensor.ofFloats("w", new float[] {1, 2}, 1, 2));
        assertEquals("Tensor[w, F32, [2]]", a.toString());
        long[] shape = a.shape();
        shape[0] = 99;
        assertArrayEquals(new long[] {2}, a.shape());
    }

    @Test
    void ofFloats_rejectsDataThatDoesNotMatchShape() {
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofFloats("w", new float[3], 2, 2));
        assertThrows(
                IllegalArgumentException.class, () -> Tensor.ofInts("w", new int[2])); // no shape = 0-d = 1 element
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofFloats("w", new float[0], -1));
        assertThrows(IllegalArgumentException.class, () -> Tensor.ofFloats("w", DType.I32, new float[1]));
    }

    @Test
    void toIntArray_rejectsFloatTensor() {
        assertThrows(
                IllegalStateException.class,
                () -> Tensor.ofFloats("w", new float[1]).toIntArray());
        assertThrows(
                IllegalStateException.class,
                () -> Tensor.ofInts("w", new int[1]).toFloatArray());
    }

    @Test
    void write_rejectsDuplicateAndReservedNamesWithoutTouchingExistingFile() throws IOException {
        Path f = dir.resolve("w.safetensors");
        Safetensors.write(f, Map.of(), List.of(Tensor.ofInts("x", new int[] {7}, 1)));
        byte[] before = Files.readAllBytes(f);
        Tensor t = Tensor.ofInts("y", new int[] {1}, 1);
        assertThrows(IllegalArgumentException.class, () -> Safetensors.write(f, Map.of(), List.of(t, t)));
        assertThrows(
                IllegalArgumentException.class,
                () -> Safetensors.write(
                        f, Map.of(), List.of(Tensor.ofInts(Safetensors.METADATA_KEY, new int[] {1}, 1))));
        assertArrayEquals(before, Files.readAllBytes(f));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(f), files.toList());
        }
    }

    @Test
    void write_failedMoveLeavesNoTempFileAndKeepsTarget() throws IOException {
        // a non-empty directory at the target path makes the final rename fail after the data was written
        Path target = dir.resolve("model.safetensors");
        Files.createDirectory(target);
        Files.writeString(target.resolve("keep"), "x");
        assertThrows(
                UncheckedIOException.class,
                () -> Safetensors.write(target, Map.of(), List.of(Tensor.ofInts("x", new int[] {7}, 1))));
        assertTrue(Files.isDirectory(target));
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(target), files.toList());
        }
    }

    @Test
    void write_replacesExistingFile() throws IOException {
        Path f = dir.resolve("w.safetensors");
        Safetensors.write(f, Map.of(), List.of(Tensor.ofInts("x", new int[] {7}, 1)));
        Safetensors.write(f, Map.of(), List.of(Tensor.ofInts("x", new int[] {8}, 1)));
        assertArrayEquals(new int[] {8}, Safetensors.read(f).get("x").toIntArray());
    }

    @Test
    void read_rejectsFileShorterThanLengthPrefix() throws IOException {
        assertMessageContains(readFails(new byte[5]), "header length", "5 bytes");
    }

    @Test
    void read_rejectsHeaderLengthLargerThanFile() throws IOException {
        byte[] b = ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(1000)
                .array();
        assertMessageContains(readFails(b), "header length 1000", "8 bytes");
    }

    @Test
    void read_rejectsNegativeHeaderLength() throws IOException {
        byte[] b = ByteBuffer.allocate(16)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putLong(-1)
                .array();
        assertMessageContains(readFails(b), "header length 18446744073709551615");
    }

    @Test
    void read_rejectsHeaderThatIsNotJson() throws IOException {
        assertMessageContains(readFails(fileBytes("{\"a\": nope", new byte[0])), "header", "not valid JSON");
    }

    @Test
    void read_rejectsHeaderThatIsNotAnObject() throws IOException {
        assertMessageContains(readFails(fileBytes("[1,2]", new byte[0])), "header", "not a JSON object");
    }

    @Test
    void read_rejectsDuplicateTensorNames() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertMessageContains(readFails(fileBytes(h, new byte[8])), "not valid JSON", "Duplicate");
    }

    @Test
    void read_rejectsUnknownDtype() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F8_E4M3\",\"shape\":[1],\"data_offsets\":[0,1]}}";
        assertMessageContains(readFails(fileBytes(h, new byte[1])), "tensor 'a'", "'dtype'", "F8_E4M3");
    }

    @Test
    void read_rejectsMissingOrMalformedShape() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"data_offsets\":[0,4]}}";
        assertMessageContains(readFails(fileBytes(h, new byte[4])), "tensor 'a'", "'shape'");
        String neg = "{\"a\":{\"dtype\":\"F32\",\"shape\":[-1],\"data_offsets\":[0,4]}}";
        assertMessageContains(readFails(fileBytes(neg, new byte[4])), "tensor 'a'", "'shape'", "non-negative");
    }

    @Test
    void read_rejectsOffsetsInconsistentWithShape() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2,2],\"data_offsets\":[0,12]}}";
        assertMessageContains(
                readFails(fileBytes(h, new byte[16])), "tensor 'a'", "'data_offsets'", "12 bytes", "needs 16");
    }

    @Test
    void read_rejectsOffsetsEndBeforeBegin() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[8,4]}}";
        assertMessageContains(readFails(fileBytes(h, new byte[8])), "tensor 'a'", "'data_offsets'", "end 4");
    }

    @Test
    void read_rejectsOffsetsOutOfDataRange() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[100,104]}}";
        assertMessageContains(readFails(fileBytes(h, new byte[8])), "tensor 'a'", "end 104", "8 bytes");
    }

    @Test
    void read_rejectsTruncatedData() throws IOException {
        byte[] full = fileBytes(GOLDEN_HEADER, floatsLe(1.0f, 2.0f));
        byte[] cut = java.util.Arrays.copyOf(full, full.length - 3);
        assertMessageContains(readFails(cut), "tensor 'a'", "truncated", "5 bytes");
    }

    @Test
    void read_rejectsOverlappingTensors() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},"
                + "\"b\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[4,8]}}";
        assertMessageContains(readFails(fileBytes(h, new byte[8])), "tensor 'b'", "overlaps tensor 'a'");
    }

    @Test
    void read_rejectsNonStringMetadata() throws IOException {
        String h = "{\"__metadata__\":{\"epoch\":3}}";
        assertMessageContains(readFails(fileBytes(h, new byte[0])), "__metadata__", "'epoch'");
    }

    @Test
    void read_acceptsEmptyTensorAdjacentToOthers() throws IOException {
        String h = "{\"a\":{\"dtype\":\"F32\",\"shape\":[1],\"data_offsets\":[0,4]},"
                + "\"e\":{\"dtype\":\"I64\",\"shape\":[0,3],\"data_offsets\":[4,4]}}";
        SafetensorsFile sf = Safetensors.read(file("ok.safetensors", fileBytes(h, floatsLe(9f))));
        assertEquals(0, sf.require("e", DType.I64, 0, 3).numel());
    }

    @Test
    void get_rejectsMissingTensorNamingFileAndTensor() throws IOException {
        Path f = dir.resolve("weights.safetensors");
        Safetensors.write(f, Map.of(), List.of(Tensor.ofFloats("a", new float[1], 1)));
        InvalidModelException e = assertThrows(
                InvalidModelException.class, () -> Safetensors.read(f).get("b"));
        assertMessageContains(e, "weights.safetensors: tensor 'b'", "not found", ": a");
    }

    @Test
    void require_rejectsWrongDtype() throws IOException {
        Path f = dir.resolve("weights.safetensors");
        Safetensors.write(f, Map.of(), List.of(Tensor.ofFloats("w", DType.BF16, new float[1], 1)));
        InvalidModelException e = assertThrows(
                InvalidModelException.class, () -> Safetensors.read(f).require("w", DType.F32, 1));
        assertEquals("weights.safetensors: tensor 'w': expected dtype F32, got BF16", e.getMessage());
    }

    @Test
    void require_rejectsWrongShape() throws IOException {
        Path f = dir.resolve("weights.safetensors");
        Safetensors.write(f, Map.of(), List.of(Tensor.ofFloats("cross.0.weight", new float[176 * 175], 176, 175)));
        SafetensorsFile sf = Safetensors.read(f);
        InvalidModelException e =
                assertThrows(InvalidModelException.class, () -> sf.require("cross.0.weight", DType.F32, 176, 176));
        assertEquals(
                "weights.safetensors: tensor 'cross.0.weight': expected shape [176, 176], got [176, 175]",
                e.getMessage());
        assertSame(sf.get("cross.0.weight"), sf.require("cross.0.weight", DType.F32, 176, 175));
    }

    @Test
    void read_missingFile_saysMissing() {
        InvalidModelException e =
                assertThrows(InvalidModelException.class, () -> Safetensors.read(dir.resolve("nope.safetensors")));
        assertTrue(e.getMessage().endsWith("nope.safetensors: missing"), e.getMessage());
        assertFalse(Files.exists(dir.resolve("nope.safetensors")));
    }
}
