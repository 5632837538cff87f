package adsml.platform.model;

import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;

/**
 * Writes a DCN version as a TorchScript file that {@code torch.jit.load} (PyTorch 2.7, as DJL's PyTorch engine loads
 * it) accepts, without Python: the archive {@code torch.jit.save} would write for an equivalent scripted module, built
 * by hand. The module is
 *
 * <pre>{@code
 * forward(self, sparse: Tensor, dense: Tensor) -> Tensor
 *   sparse [rows, slots] int32 (int64 works too) global embedding rows, as FeatureBatch holds them
 *   dense  [rows, denseDims] float32
 *   returns [rows, heads] float32 UNCALIBRATED probabilities: calibration stays in model.json
 * }</pre>
 *
 * computing exactly the DCN of {@link DcnWeights}. The archive is a zip whose entries all lie under one folder
 * ({@code model/}), because PyTorch's reader takes the folder of the first entry as the archive name and looks every
 * record up beneath it:
 *
 * <ul>
 *   <li>{@code data.pkl}: the module object, pickled (protocol 2) as the TorchScript pickler does: {@code GLOBAL
 *       __torch__ Dcn, EMPTY_TUPLE, NEWOBJ}, then a dict of every declared attribute applied by {@code BUILD}. Each
 *       tensor is {@code torch._utils._rebuild_tensor_v2(storage, 0, size, stride, False, OrderedDict())} whose storage
 *       is the persistent id {@code ('storage', torch.FloatStorage, key, 'cpu', numel)}; the loader resolves it to
 *       {@code data/<key>}.
 *   <li>{@code code/__torch__.py}: the source of class {@code __torch__.Dcn}. The loader compiles it to resolve the
 *       pickled class; every attribute the pickle sets must be declared here, {@code training} included, since
 *       {@code eval()} writes it.
 *   <li>{@code constants.pkl}: the tensor constants the code refers to; none, so an empty tuple.
 *   <li>{@code data/<key>}: each tensor's raw little-endian bytes, starting on a 64-byte boundary (padding in the zip
 *       extra field, as PyTorch's writer does) so a reader may map them in place.
 *   <li>{@code version}: the file format version; 3 is what PyTorch writes for code without versioned operators, and
 *       needs no operator upgraders on load.
 *   <li>{@code byteorder}: {@code little}, so a big-endian reader would swap the storages.
 * </ul>
 *
 * Entries are STORED with a fixed timestamp, so the same model always gives the same bytes (the timestamp lies inside
 * the DOS range, so the zip writer adds no extra field of its own that would shift the data off its alignment).
 */
public final class TorchScriptExport {
    /** The file name {@link #exportVersion} gives the archive. */
    public static final String FILE = "model.pt";
    /** The forward arguments' names, as {@code model.json}'s {@code torchscript} section records them. */
    public static final String SPARSE_INPUT = "sparse";

    public static final String DENSE_INPUT = "dense";

    private static final String ROOT = "model/";
    private static final String CLASS = "Dcn";
    private static final int ALIGNMENT = 64;
    /** Zip extra-field id of the alignment padding: PyTorch's writer uses 'FB'. */
    private static final int PADDING_FIELD_ID = 0x4246;

    private static final int LOCAL_HEADER_BYTES = 30;
    private static final LocalDateTime ENTRY_TIME = LocalDateTime.of(2000, 1, 1, 0, 0);

    private TorchScriptExport() {}

    /** Writes {@code model} to {@code ptFile} as a TorchScript archive (see the class comment). */
    public static void write(Model.Dcn model, Path ptFile) throws IOException {
        ModelSpec spec = model.spec();
        // Attribute names are the safetensors names with '.' -> '_': TorchScript identifiers cannot hold dots.
        Map<String, Tensor> attributes = new LinkedHashMap<>();
        for (Tensor t : model.weights().toTensors(spec)) {
            if (t.dtype() != DType.F32) {
                throw new IllegalArgumentException(
                        "tensor " + t.name() + " is " + t.dtype() + "; the export writes F32 only");
            }
            attributes.put(t.name().replace('.', '_'), t);
        }
        try (Counting counting = new Counting(new BufferedOutputStream(Files.newOutputStream(ptFile)));
                ZipOutputStream zip = new ZipOutputStream(counting)) {
            put(zip, counting, "data.pkl", modulePickle(attributes));
            put(
                    zip,
                    counting,
                    "code/__torch__.py",
                    source(spec, attributes.keySet()).getBytes(StandardCharsets.UTF_8));
            put(
                    zip,
                    counting,
                    "constants.pkl",
                    new Pickle().op(Pickle.EMPTY_TUPLE).finish());
            int key = 0;
            for (Tensor t : attributes.values()) {
                ByteBuffer data = t.data();
                byte[] bytes = new byte[data.remaining()];
                data.get(bytes);
                put(zip, counting, "data/" + key++, bytes);
            }
            put(zip, counting, "version", "3\n".getBytes(StandardCharsets.US_ASCII));
            put(zip, counting, "byteorder", "little".getBytes(StandardCharsets.US_ASCII));
        }
    }

    /**
     * Exports {@code model} as the next version under {@code modelDir} ({@code <models>/<name>}), as
     * {@link ModelFolder#saveNextVersion} numbers and publishes versions: {@value #FILE} and a {@code model.json} of
     * architecture {@code torchscript} with the source's name, feature schema, heads, calibration and training facts
     * (plus {@code exported_from}: the source version). Returns the new version's folder.
     */
    public static Path exportVersion(Model.Dcn model, Path modelDir) throws IOException {
        ModelSpec source = model.spec();
        Map<String, Object> training = new LinkedHashMap<>(source.training());
        training.put("exported_from", source.version());
        return ModelFolder.writeNextVersion(modelDir, (version, dir) -> {
            write(model, dir.resolve(FILE));
            ModelJson.write(
                    new ModelSpec(
                            source.name(),
                            version,
                            Architecture.TORCHSCRIPT,
                            source.schema(),
                            0,
                            0,
                            List.of(),
                            source.heads(),
                            source.calibration(),
                            new ModelSpec.TorchScriptSpec(FILE, SPARSE_INPUT, DENSE_INPUT),
                            training),
                    dir.resolve(ModelFolder.MODEL_JSON));
        });
    }

    /** The module object: its class, then every declared attribute by name (eval mode: training False). */
    private static byte[] modulePickle(Map<String, Tensor> attributes) {
        Pickle p = new Pickle()
                .global("__torch__", CLASS)
                .op(Pickle.EMPTY_TUPLE)
                .op(Pickle.NEWOBJ)
                .op(Pickle.EMPTY_DICT)
                .op(Pickle.MARK);
        p.string("training").bool(false);
        int key = 0;
        for (Map.Entry<String, Tensor> a : attributes.entrySet()) {
            long[] shape = a.getValue().shape();
            long[] stride = new long[shape.length];
            for (int i = shape.length - 1, s = 1; i >= 0; s *= (int) shape[i], i--) {
                stride[i] = s;
            }
            p.string(a.getKey())
                    .global("torch._utils", "_rebuild_tensor_v2")
                    .op(Pickle.MARK)
                    .op(Pickle.MARK)
                    .string("storage")
                    .global("torch", "FloatStorage")
                    .string(Integer.toString(key++))
                    .string("cpu")
                    .integer(a.getValue().numel())
                    .op(Pickle.TUPLE)
                    .op(Pickle.BINPERSID)
                    .integer(0)
                    .tuple(shape)
                    .tuple(stride)
                    .bool(false)
                    .global("collections", "OrderedDict")
                    .op(Pickle.EMPTY_TUPLE)
                    .op(Pickle.REDUCE)
                    .op(Pickle.TUPLE)
                    .op(Pickle.REDUCE);
        }
        return p.op(Pickle.SETITEMS).op(Pickle.BUILD).finish();
    }

    /** The module's TorchScript source, the DCN unrolled layer by layer over the named attributes. */
    private static String source(ModelSpec spec, Iterable<String> attributes) {
        StringBuilder s = new StringBuilder("class " + CLASS + "(Module):\n  __parameters__ = [");
        String separator = "";
        for (String a : attributes) {
            s.append(separator).append('"').append(a).append('"');
            separator = ", ";
        }
        s.append("]\n  __buffers__ = []\n  training : bool\n");
        for (String a : attributes) {
            s.append("  ").append(a).append(" : Tensor\n");
        }
        s.append("  def forward(self: __torch__.")
                .append(CLASS)
                .append(", ")
                .append(SPARSE_INPUT)
                .append(": Tensor, ")
                .append(DENSE_INPUT)
                .append(": Tensor) -> Tensor:\n");
        s.append("    x0 = torch.cat([torch.flatten(torch.embedding(self.embedding, ")
                .append(SPARSE_INPUT)
                .append("), 1), ")
                .append(DENSE_INPUT)
                .append("], 1)\n    x = x0\n");
        for (int l = 0; l < spec.crossLayers(); l++) {
            s.append("    x = torch.add(torch.mul(x0, torch.linear(x, self.cross_")
                    .append(l)
                    .append("_weight, self.cross_")
                    .append(l)
                    .append("_bias)), x)\n");
        }
        s.append("    h = x\n");
        for (int l = 0; l < spec.mlp().size(); l++) {
            s.append("    h = torch.relu(torch.linear(h, self.mlp_")
                    .append(l)
                    .append("_weight, self.mlp_")
                    .append(l)
                    .append("_bias))\n");
        }
        return s.append("    return torch.sigmoid(torch.linear(h, self.head_weight, self.head_bias))\n")
                .toString();
    }

    /** Adds one STORED entry under {@link #ROOT}, padded so that its data starts on an {@link #ALIGNMENT} boundary. */
    private static void put(ZipOutputStream zip, Counting counting, String name, byte[] data) throws IOException {
        String fullName = ROOT + name;
        ZipEntry entry = new ZipEntry(fullName);
        entry.setMethod(ZipEntry.STORED);
        entry.setSize(data.length);
        entry.setCompressedSize(data.length);
        CRC32 crc = new CRC32();
        crc.update(data);
        entry.setCrc(crc.getValue());
        entry.setTimeLocal(ENTRY_TIME);
        // The local header is 30 bytes, the name, then the extra field (4 bytes of id and length, then padding).
        long unpadded = counting.written + LOCAL_HEADER_BYTES + fullName.getBytes(StandardCharsets.UTF_8).length + 4;
        int padding = (int) ((ALIGNMENT - unpadded % ALIGNMENT) % ALIGNMENT);
        byte[] extra = new byte[4 + padding];
        ByteBuffer.wrap(extra)
                .order(ByteOrder.LITTLE_ENDIAN)
                .putShort((short) PADDING_FIELD_ID)
                .putShort((short) padding);
        entry.setExtra(extra);
        zip.putNextEntry(entry);
        zip.write(data);
        zip.closeEntry();
    }

    /** Counts the bytes the zip writer has emitted, which is where its next local header starts. */
    private static final class Counting extends FilterOutputStream {
        long written;

        Counting(OutputStream out) {
            super(out);
        }

        @Override
        public void write(int b) throws IOException {
            out.write(b);
            written++;
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            out.write(b, off, len);
            written += len;
        }
    }

    /** Just the pickle opcodes (protocol 2) that PyTorch's TorchScript unpickler reads back. */
    private static final class Pickle {
        static final int MARK = '(';
        static final int STOP = '.';
        static final int BINPERSID = 'Q';
        static final int REDUCE = 'R';
        static final int BUILD = 'b';
        static final int GLOBAL = 'c';
        static final int EMPTY_DICT = '}';
        static final int EMPTY_TUPLE = ')';
        static final int SETITEMS = 'u';
        static final int TUPLE = 't';
        static final int BININT = 'J';
        static final int BINUNICODE = 'X';
        static final int PROTO = 0x80;
        static final int NEWOBJ = 0x81;
        static final int NEWTRUE = 0x88;
        static final int NEWFALSE = 0x89;

        private final ByteArrayOutputStream out = new ByteArrayOutputStream();

        Pickle() {
            out.write(PROTO);
            out.write(2);
        }

        Pickle op(int opcode) {
            out.write(opcode);
            return this;
        }

        Pickle global(String module, String name) {
            op(GLOBAL);
            out.writeBytes((module + "\n" + name + "\n").getBytes(StandardCharsets.US_ASCII));
            return this;
        }

        Pickle string(String s) {
            byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
            op(BINUNICODE).int32(bytes.length);
            out.writeBytes(bytes);
            return this;
        }

        /** A signed 32-bit int: every size, stride and element count here fits (Tensor caps data at 2 GiB). */
        Pickle integer(long v) {
            return op(BININT).int32(Math.toIntExact(v));
        }

        Pickle bool(boolean v) {
            return op(v ? NEWTRUE : NEWFALSE);
        }

        Pickle tuple(long[] values) {
            op(MARK);
            for (long v : values) {
                integer(v);
            }
            return op(TUPLE);
        }

        byte[] finish() {
            op(STOP);
            return out.toByteArray();
        }

        private Pickle int32(int v) {
            for (int i = 0; i < 4; i++) {
                out.write(v >>> (8 * i));
            }
            return this;
        }
    }
}
