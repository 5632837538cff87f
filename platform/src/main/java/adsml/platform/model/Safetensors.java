package adsml.platform.model;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Reads and writes the safetensors format as Hugging Face's {@code safetensors} library does: an 8-byte little-endian
 * header length N, N bytes of UTF-8 JSON header (space-padded to a multiple of 8) mapping each tensor name to
 * {@code {"dtype", "shape", "data_offsets": [begin, end]}} plus an optional {@code "__metadata__"} string map, then the
 * little-endian row-major data; offsets are relative to the first byte after the header.
 *
 * <p>Contract of {@link #write}: output is deterministic (metadata keys and tensors sorted by name, data laid out in
 * the same order, no gaps) and atomic: it is written to a temporary file in the target folder, forced to disk and
 * renamed over the target, so a failure never leaves a partial file nor replaces an existing one.
 *
 * <p>Contract of {@link #read}: the whole file is validated and loaded into memory (one byte array per tensor); any
 * malformed content throws {@link InvalidModelException} naming the file and the field at fault. Files may exceed 2 GiB
 * overall, but a single tensor above {@link Tensor#MAX_BYTES} is rejected. I/O failures (missing or unreadable file)
 * throw {@link UncheckedIOException}. Gaps between tensors' data and trailing bytes are tolerated; overlapping tensors
 * are not.
 */
public final class Safetensors {
    /** Name of the reserved header key holding the string-to-string metadata. */
    public static final String METADATA_KEY = "__metadata__";
    /** Same cap as the reference library: a larger header is corrupt or hostile, not a model. */
    public static final long MAX_HEADER_BYTES = 100L * 1024 * 1024;

    private static final ObjectMapper MAPPER = new ObjectMapper()
            .enable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

    private Safetensors() {}

    /**
     * Writes {@code tensors} and {@code metadata} to {@code file} atomically.
     *
     * @param metadata string metadata stored under {@code __metadata__}; omitted from the header when empty or null
     * @throws IllegalArgumentException on duplicate or reserved tensor names (nothing is written)
     * @throws UncheckedIOException if writing or renaming fails (the target is left as it was)
     */
    public static void write(Path file, Map<String, String> metadata, List<Tensor> tensors) {
        List<Tensor> sorted = new ArrayList<>(tensors);
        sorted.sort(Comparator.comparing(Tensor::name));
        Set<String> seen = new HashSet<>();
        for (Tensor t : sorted) {
            if (t.name().equals(METADATA_KEY)) {
                throw new IllegalArgumentException("tensor name '" + METADATA_KEY + "' is reserved");
            }
            if (!seen.add(t.name())) {
                throw new IllegalArgumentException("duplicate tensor name '" + t.name() + "'");
            }
        }
        byte[] header = header(metadata, sorted);

        Path target = file.toAbsolutePath();
        Path dir = target.getParent();
        Path tmp = null;
        try {
            tmp = Files.createTempFile(dir, "." + target.getFileName() + ".", ".tmp");
            try {
                // createTempFile makes the file owner-only; a model is meant to be read by serving processes
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-r--r--"));
            } catch (UnsupportedOperationException ignored) {
                // non-POSIX file system: keep its default permissions
            }
            try (FileChannel ch = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                ByteBuffer len =
                        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(0, header.length);
                writeFully(ch, len);
                writeFully(ch, ByteBuffer.wrap(header));
                for (Tensor t : sorted) {
                    writeFully(ch, t.data());
                }
                ch.force(true); // data must be durable before the rename makes it visible
            }
            try {
                Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                throw new IOException("cannot atomically replace " + target, e);
            }
            tmp = null;
            syncDirectory(dir);
        } catch (IOException e) {
            throw new UncheckedIOException("writing " + target, e);
        } finally {
            if (tmp != null) {
                try {
                    Files.deleteIfExists(tmp);
                } catch (IOException ignored) {
                    // best effort: the original failure is the one worth reporting
                }
            }
        }
    }

    private static byte[] header(Map<String, String> metadata, List<Tensor> sorted) {
        ObjectNode root = MAPPER.createObjectNode();
        if (metadata != null && !metadata.isEmpty()) {
            ObjectNode meta = root.putObject(METADATA_KEY);
            new TreeMap<>(metadata).forEach(meta::put);
        }
        long offset = 0;
        for (Tensor t : sorted) {
            ObjectNode node = root.putObject(t.name());
            node.put("dtype", t.dtype().name());
            ArrayNode shape = node.putArray("shape");
            for (long d : t.shape()) {
                shape.add(d);
            }
            long end = offset + t.byteSize();
            node.putArray("data_offsets").add(offset).add(end);
            offset = end;
        }
        byte[] json;
        try {
            json = MAPPER.writeValueAsBytes(root);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("serialising a tree of strings and numbers cannot fail", e);
        }
        int padded = (json.length + 7) & ~7; // aligns the data section for readers that map it
        byte[] out = Arrays.copyOf(json, padded);
        Arrays.fill(out, json.length, padded, (byte) ' ');
        return out;
    }

    /**
     * Reads and validates a whole safetensors file.
     *
     * @throws InvalidModelException naming the file and field when the content is malformed
     * @throws UncheckedIOException when the file cannot be read
     */
    public static SafetensorsFile read(Path file) {
        String f = String.valueOf(file.getFileName());
        try (FileChannel ch = FileChannel.open(file, StandardOpenOption.READ)) {
            long size = ch.size();
            if (size < 8) {
                throw new InvalidModelException(
                        f + ": header length: file is " + size + " bytes, shorter than the 8-byte length prefix");
            }
            long n = readFully(ch, 0, 8, f, "header length")
                    .order(ByteOrder.LITTLE_ENDIAN)
                    .getLong(0);
            if (n < 0 || n > size - 8) {
                throw new InvalidModelException(f + ": header length " + Long.toUnsignedString(n) + " exceeds the "
                        + (size - 8) + " bytes after the length prefix");
            }
            if (n > MAX_HEADER_BYTES) {
                throw new InvalidModelException(
                        f + ": header length " + n + " exceeds the " + MAX_HEADER_BYTES + "-byte limit");
            }
            ByteBuffer hb = readFully(ch, 8, (int) n, f, "header");
            JsonNode root;
            try {
                root = MAPPER.readTree(hb.array());
            } catch (IOException e) {
                String why = e instanceof JsonProcessingException jpe ? JsonProblem.of(jpe) : e.getMessage();
                throw new InvalidModelException(f + ": header: not valid JSON: " + why, e);
            }
            if (root == null || !root.isObject()) {
                throw new InvalidModelException(f + ": header: not a JSON object");
            }
            long dataStart = 8 + n;
            long dataLen = size - dataStart;

            Map<String, String> metadata = new LinkedHashMap<>();
            List<Entry> entries = new ArrayList<>();
            for (Iterator<Map.Entry<String, JsonNode>> it = root.properties().iterator(); it.hasNext(); ) {
                Map.Entry<String, JsonNode> e = it.next();
                if (e.getKey().equals(METADATA_KEY)) {
                    parseMetadata(f, e.getValue(), metadata);
                } else {
                    entries.add(parseEntry(f, e.getKey(), e.getValue(), dataLen));
                }
            }
            checkOverlaps(f, entries);

            TreeMap<String, Tensor> tensors = new TreeMap<>();
            for (Entry e : entries) {
                int len = (int) (e.end - e.begin);
                byte[] data = readFully(ch, dataStart + e.begin, len, f, "tensor '" + e.name + "'")
                        .array();
                tensors.put(e.name, Tensor.wrap(e.name, e.dtype, e.shape, data));
            }
            return new SafetensorsFile(f, metadata, tensors);
        } catch (java.nio.file.NoSuchFileException e) {
            throw new InvalidModelException(file + ": missing");
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + file + ": " + e.getMessage(), e);
        }
    }

    private record Entry(String name, DType dtype, long[] shape, long begin, long end) {}

    private static void parseMetadata(String f, JsonNode node, Map<String, String> out) {
        if (!node.isObject()) {
            throw new InvalidModelException(f + ": " + METADATA_KEY + ": not a JSON object");
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = node.properties().iterator(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> e = it.next();
            if (!e.getValue().isTextual()) {
                throw new InvalidModelException(
                        f + ": " + METADATA_KEY + ": key '" + e.getKey() + "': value is not a string");
            }
            out.put(e.getKey(), e.getValue().textValue());
        }
    }

    private static Entry parseEntry(String f, String name, JsonNode node, long dataLen) {
        String where = f + ": tensor '" + name + "'";
        if (!node.isObject()) {
            throw new InvalidModelException(where + ": not a JSON object");
        }
        JsonNode dt = node.get("dtype");
        if (dt == null || !dt.isTextual()) {
            throw new InvalidModelException(where + ": field 'dtype': missing or not a string");
        }
        DType dtype = DType.parse(dt.textValue());
        if (dtype == null) {
            throw new InvalidModelException(where + ": field 'dtype': unknown dtype '" + dt.textValue()
                    + "' (supported: " + Arrays.toString(DType.values()) + ")");
        }
        long[] shape = longs(where, node.get("shape"), "shape", -1);
        long[] offsets = longs(where, node.get("data_offsets"), "data_offsets", 2);
        long begin = offsets[0];
        long end = offsets[1];
        if (end < begin) {
            throw new InvalidModelException(where + ": field 'data_offsets': end " + end + " < begin " + begin);
        }
        long numel;
        long bytes;
        try {
            numel = Tensor.numel(shape);
            bytes = Math.multiplyExact(numel, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new InvalidModelException(where + ": field 'shape': " + Arrays.toString(shape) + " overflows", e);
        }
        if (end - begin != bytes) {
            throw new InvalidModelException(where + ": field 'data_offsets': [" + begin + ", " + end + "] spans "
                    + (end - begin) + " bytes but shape " + Arrays.toString(shape) + " of " + dtype + " needs "
                    + bytes);
        }
        if (end > dataLen) {
            throw new InvalidModelException(where + ": field 'data_offsets': end " + end
                    + " is past the end of the data section (" + dataLen + " bytes): truncated file?");
        }
        if (bytes > Tensor.MAX_BYTES) {
            throw new InvalidModelException(
                    where + ": " + bytes + " bytes is larger than this reader supports (" + Tensor.MAX_BYTES + ")");
        }
        return new Entry(name, dtype, shape, begin, end);
    }

    /** Non-negative integers; {@code size} -1 means any length. */
    private static long[] longs(String where, JsonNode node, String field, int size) {
        if (node == null || !node.isArray() || (size >= 0 && node.size() != size)) {
            throw new InvalidModelException(where + ": field '" + field + "': missing or not an array"
                    + (size >= 0 ? " of " + size + " integers" : " of integers"));
        }
        long[] out = new long[node.size()];
        for (int i = 0; i < out.length; i++) {
            JsonNode v = node.get(i);
            if (!v.isIntegralNumber() || !v.canConvertToLong() || v.longValue() < 0) {
                throw new InvalidModelException(
                        where + ": field '" + field + "': element " + i + " (" + v + ") is not a non-negative integer");
            }
            out[i] = v.longValue();
        }
        return out;
    }

    private static void checkOverlaps(String f, List<Entry> entries) {
        List<Entry> byOffset = new ArrayList<>(entries);
        byOffset.sort(Comparator.comparingLong(Entry::begin).thenComparingLong(Entry::end));
        Entry prev = null;
        for (Entry e : byOffset) {
            if (prev != null && e.begin < prev.end) {
                throw new InvalidModelException(
                        f + ": tensor '" + e.name + "': field 'data_offsets': [" + e.begin + ", " + e.end
                                + "] overlaps tensor '" + prev.name + "' [" + prev.begin + ", " + prev.end + "]");
            }
            if (prev == null || e.end >= prev.end) {
                prev = e;
            }
        }
    }

    private static ByteBuffer readFully(FileChannel ch, long position, int len, String f, String what)
            throws IOException {
        ByteBuffer buf = ByteBuffer.allocate(len);
        while (buf.hasRemaining()) {
            int r = ch.read(buf, position + buf.position());
            if (r < 0) {
                // the size was checked up front, so this means the file shrank under us
                throw new InvalidModelException(f + ": " + what + ": unexpected end of file");
            }
        }
        return buf;
    }

    private static void writeFully(FileChannel ch, ByteBuffer buf) throws IOException {
        while (buf.hasRemaining()) {
            ch.write(buf);
        }
    }

    private static void syncDirectory(Path dir) {
        // makes the rename itself durable; not every OS lets a directory be opened, and the file is safe anyway
        try (FileChannel d = FileChannel.open(dir, StandardOpenOption.READ)) {
            d.force(true);
        } catch (IOException | RuntimeException ignored) {
            // best effort
        }
    }
}
