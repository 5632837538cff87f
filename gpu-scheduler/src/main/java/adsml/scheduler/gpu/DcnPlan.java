package adsml.scheduler.gpu;

import adsml.platform.model.Architecture;
import adsml.platform.model.Calibration;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.ModelSpec;
import java.util.ArrayList;
import java.util.List;

/**
 * What the GPU runs for one DCN version in one {@link Precision}, worked out in plain Java so that it is tested without
 * a GPU: where each tensor lives in the one weight allocation (the packed fp32 tensors; in BF16 the cross and MLP
 * weights in bf16 after them; then the embedding table in its {@link EmbeddingStorage}), the buffers of one stream
 * lane, and the launches of a forward pass, in order, with their grids.
 *
 * <p>The forward pass is a gather, one linear launch per cross and MLP layer, and a head launch (see {@code dcn.cu}).
 * Activations alternate between two buffers so that no launch reads what it writes; {@code x0}, the gather's output,
 * stays for every cross layer. In BF16 the activations and the layers' weights are bf16 in device memory, and every
 * width is padded to whole 16-byte rows ({@link #BF16_ROW_MULTIPLE}) with zeros: zero weights in the padding keep its
 * columns zero through every layer, so the scores are those of the unpadded model.
 */
final class DcnPlan {
    /** Tensors start on 128-byte boundaries in the packed weights: aligned, coalesced rows for every kernel. */
    static final int ALIGN_BYTES = 128;
    /** The head kernel keeps one sum per head in registers; dcn.cu's MAX_HEADS. */
    static final int MAX_HEADS = 8;
    /** Per head in the calibration block: type, a, b, breakpoints, offset of x; dcn.cu's CAL_HEADER. */
    static final int CAL_HEADER = 5;

    static final int CAL_IDENTITY = 0;
    static final int CAL_PLATT = 1;
    static final int CAL_ISOTONIC = 2;
    /** Rows per block of the head kernel: 256 threads, a warp per row. */
    static final int HEAD_ROWS_PER_BLOCK = 8;

    static final int TILE = 64;
    static final int BIG_TILE = 128;
    /**
     * A linear launch takes the 128 x 128 tiles when they make at least this many blocks: about one per multiprocessor
     * of an H100/H200 (132). Below that smaller tiles keep more of the chip busy.
     */
    static final int BIG_TILE_MIN_BLOCKS = 128;
    /** A BF16 plan pads every width to a multiple of this: 16 bytes of bf16, the mma kernels' cp.async chunk. */
    static final int BF16_ROW_MULTIPLE = 8;

    /** The widest layer input that fp32 runs on 3xTF32: x100's 4096, the widest its 1e-4 bound was checked on. */
    static final int MAX_3XTF32_WIDTH = 4096;

    private static final int MAX_GRID_Y = 65_535;
    private static final int MAX_GATHER_BLOCKS = 1 << 20;

    /**
     * The activation buffers of a lane; the gather writes {@code X0}, the layers alternate {@code PING} and
     * {@code PONG}.
     */
    enum Buffer {
        X0,
        PING,
        PONG
    }

    /** dcn.cu's EPILOGUE_* codes. */
    enum Epilogue {
        BIAS(0),
        RELU(1),
        CROSS(2);

        final int code;

        Epilogue(int code) {
            this.code = code;
        }
    }

    /** Which packed array of the weight allocation a tensor is in. */
    enum Block {
        /** The fp32 tensors, at the allocation's start. */
        FP32,
        /** A BF16 plan's cross and MLP weights, in bf16, after them. */
        BF16
    }

    /**
     * A tensor of {@code rows x columns} values, stored at {@code offset} values into its block as {@code paddedRows}
     * rows of {@code paddedColumns} (zeros in the padding).
     */
    record Region(String name, Block block, long offset, int rows, int columns, int paddedRows, int paddedColumns) {
        long length() {
            return (long) paddedRows * paddedColumns;
        }
    }

    /** One launch of the forward pass. */
    sealed interface Step permits Gather, Linear, Head {}

    /**
     * {@code x0 = [table[ids], dense]}, rows of {@code ld} values (zeros past the features): {@code gather_concat} (or
     * its {@code _bf16} / {@code _int8} twin; in BF16 their {@code _into_bf16} twins), the table at
     * {@link #tableOffsetBytes()} of the weight allocation and an INT8 table's scales at {@link #scalesOffsetBytes()}.
     */
    record Gather(EmbeddingStorage storage, int slots, int dim, int denseDims, int tableRows, int ld) implements Step {}

    /**
     * {@code out[rows, outWidth] = epilogue(in[rows, inWidth] W^T + b)}, one of the {@link LinearKernel}s; the widths
     * as stored (padded in BF16).
     */
    record Linear(
            String name,
            Region weight,
            Region bias,
            Buffer in,
            Buffer out,
            int outWidth,
            int inWidth,
            Epilogue epilogue)
            implements Step {}

    /**
     * {@code out[rows, heads] = calibrate(sigmoid(in W^T + b))}: {@code head_sigmoid_calibrate}, or its {@code _bf16}
     * twin reading bf16 activations.
     */
    record Head(Region weight, Region bias, Region calibration, Buffer in, int inWidth, int heads) implements Step {}

    /**
     * Bytes of one row of a K step in the mma kernels' shared buffers: 128 (32 fp32 or 64 bf16 values) and 16 of
     * padding (dcn.cu's MMA_LDS_BYTES).
     */
    private static final int MMA_ROW_BYTES = 144;

    /**
     * dcn.cu's linear kernels: function name, rows and columns of C per block, threads per block and dynamic shared
     * memory. The mma.sync kernels need rows of 16 bytes (inWidth a multiple of 4, or of 8 in bf16); the others take
     * any shape. The BF16 kernels read and write bf16 activations and weights, the others fp32.
     */
    enum LinearKernel {
        /** CUDA-core fp32. */
        F32("linear_f32", TILE, TILE, 256, 0),
        /** CUDA-core fp32, register-blocked. */
        F32_128("linear_f32_128", BIG_TILE, BIG_TILE, 256, 0),
        /** 3xTF32 on mma.sync (within FP32's 1e-4 up to 4096 inputs), 3 stages of cp.async. */
        F32X3_MMA_128("linear_f32x3_mma_128x128", BIG_TILE, BIG_TILE, 256, 3 * (BIG_TILE + BIG_TILE) * MMA_ROW_BYTES),
        F32X3_MMA_128X64("linear_f32x3_mma_128x64", BIG_TILE, TILE, 128, 4 * (BIG_TILE + TILE) * MMA_ROW_BYTES),
        F32X3_MMA("linear_f32x3_mma_64x64", TILE, TILE, 128, 4 * (TILE + TILE) * MMA_ROW_BYTES),
        /** TF32 wmma. */
        TF32_WMMA("linear_tf32", TILE, TILE, 128, 0),
        TF32_WMMA_128("linear_tf32_128", BIG_TILE, BIG_TILE, 256, 0),
        /** TF32 mma.sync. */
        TF32_MMA_128("linear_tf32_mma_128x128", BIG_TILE, BIG_TILE, 256, 3 * (BIG_TILE + BIG_TILE) * MMA_ROW_BYTES),
        TF32_MMA_128X64("linear_tf32_mma_128x64", BIG_TILE, TILE, 128, 4 * (BIG_TILE + TILE) * MMA_ROW_BYTES),
        TF32_MMA("linear_tf32_mma_64x64", TILE, TILE, 128, 4 * (TILE + TILE) * MMA_ROW_BYTES),
        /** BF16 mma.sync m16n8k16: bf16 operands as stored, fp32 accumulation, bf16 output. */
        BF16_MMA_128("linear_bf16_mma_128x128", BIG_TILE, BIG_TILE, 256, 3 * (BIG_TILE + BIG_TILE) * MMA_ROW_BYTES),
        BF16_MMA_128X64("linear_bf16_mma_128x64", BIG_TILE, TILE, 128, 4 * (BIG_TILE + TILE) * MMA_ROW_BYTES),
        BF16_MMA("linear_bf16_mma_64x64", TILE, TILE, 128, 4 * (TILE + TILE) * MMA_ROW_BYTES);

        final String function;
        final int rows;
        final int columns;
        final int threads;
        final int sharedBytes;

        LinearKernel(String function, int rows, int columns, int threads, int sharedBytes) {
            this.function = function;
            this.rows = rows;
            this.columns = columns;
            this.threads = threads;
            this.sharedBytes = sharedBytes;
        }

        long blocks(int rows, int outWidth) {
            return ceilDiv(outWidth, columns) * ceilDiv(rows, this.rows);
        }
    }

    /**
     * How a linear kernel takes its operands: as fp32 (or 3xTF32, within fp32's bound), rounded to TF32, or to BF16.
     */
    enum Operands {
        FP32,
        TF32,
        BF16
    }

    /** How this plan's linear kernels take their operands: what PlanEmulator rounds to. */
    Operands operands() {
        return switch (precision) {
            case FP32 -> Operands.FP32;
            case TF32 -> Operands.TF32;
            case BF16 -> Operands.BF16;
        };
    }

    /**
     * The mma.sync kernels copy rows in 16-byte chunks: 4 fp32 values, or 8 bf16 ones (a BF16 plan's widths are padded
     * to them).
     */
    private static boolean mmaWidth(Linear l, Precision precision) {
        return l.inWidth() % (precision == Precision.BF16 ? BF16_ROW_MULTIPLE : 4) == 0;
    }

    /** A launch's geometry: blocks in x and y, threads per block, and for a linear launch its kernel (else null). */
    record Grid(int x, int y, int threads, LinearKernel kernel) {
        Grid(int x, int y, int threads) {
            this(x, y, threads, null);
        }

        int sharedBytes() {
            return kernel == null ? 0 : kernel.sharedBytes;
        }
    }

    private final ModelSpec spec;
    private final EmbeddingStorage storage;
    private final Precision precision;
    private final int maxRows;
    private final List<Region> regions = new ArrayList<>();
    private final List<Step> steps = new ArrayList<>();
    private final int activationWidth;
    private final long[] blockValues = new long[Block.values().length];

    private DcnPlan(ModelSpec spec, int maxRows, EmbeddingStorage storage, Precision precision) {
        this.spec = spec;
        this.storage = storage;
        this.precision = precision;
        this.maxRows = maxRows;
        Block layerWeights = precision == Precision.BF16 ? Block.BF16 : Block.FP32;
        int features = spec.inputWidth();
        int d = stored(features);
        int heads = spec.heads().size();
        int slots = spec.schema().sparseSlots();
        int dim = spec.embeddingDim();
        steps.add(new Gather(
                storage, slots, dim, spec.schema().denseDims(), spec.schema().totalRows(), d));

        Buffer in = Buffer.X0;
        int width = features;
        int widest = d;
        for (int l = 0; l < spec.crossLayers(); l++) {
            Buffer out = next(in);
            steps.add(new Linear(
                    "cross." + l,
                    region("cross." + l + ".weight", layerWeights, features, features, d),
                    region("cross." + l + ".bias", Block.FP32, 1, features, d),
                    in,
                    out,
                    d,
                    d,
                    Epilogue.CROSS));
            in = out;
        }
        for (int l = 0; l < spec.mlp().size(); l++) {
            int out = spec.mlp().get(l);
            Buffer target = next(in);
            steps.add(new Linear(
                    "mlp." + l,
                    region("mlp." + l + ".weight", layerWeights, out, width, stored(width)),
                    region("mlp." + l + ".bias", Block.FP32, 1, out, stored(out)),
                    in,
                    target,
                    stored(out),
                    stored(width),
                    Epilogue.RELU));
            in = target;
            width = out;
            widest = Math.max(widest, stored(out));
        }
        steps.add(new Head(
                region("head.weight", Block.FP32, heads, width, stored(width)),
                region("head.bias", Block.FP32, 1, heads, heads),
                region("calibration", Block.FP32, 1, (int) calibrationFloats(spec), (int) calibrationFloats(spec)),
                in,
                stored(width),
                heads));
        this.activationWidth = widest;
    }

    /**
     * The plan of {@code spec} in FP32 for lanes of {@code maxRows} rows, its embedding table kept in fp32.
     *
     * @throws IllegalArgumentException when the version is not a DCN, has more heads than the head kernel keeps, or a
     *     lane of {@code maxRows} would pass a grid limit
     */
    static DcnPlan of(ModelSpec spec, int maxRows) {
        return of(spec, maxRows, EmbeddingStorage.FP32, Precision.FP32);
    }

    /**
     * The plan of {@code spec} in {@code precision} for lanes of {@code maxRows} rows, its embedding table kept in
     * {@code storage}.
     */
    static DcnPlan of(ModelSpec spec, int maxRows, EmbeddingStorage storage, Precision precision) {
        if (spec.architecture() != Architecture.DCN) {
            throw new IllegalArgumentException("the GPU backend runs DCN versions; " + spec.name() + "/"
                    + spec.version() + " is " + spec.architecture());
        }
        if (spec.heads().isEmpty() || spec.heads().size() > MAX_HEADS) {
            throw new IllegalArgumentException("the GPU head kernel takes 1 to " + MAX_HEADS + " heads, " + spec.name()
                    + "/" + spec.version() + " has " + spec.heads().size());
        }
        if (maxRows < 1 || ceilDiv(maxRows, TILE) > MAX_GRID_Y) {
            throw new IllegalArgumentException(
                    "maxRows must be within [1, " + (long) MAX_GRID_Y * TILE + "], was " + maxRows);
        }
        return new DcnPlan(spec, maxRows, storage, precision);
    }

    /** A width as this plan stores it: padded to {@link #BF16_ROW_MULTIPLE} in BF16, else as it is. */
    private int stored(int width) {
        return precision == Precision.BF16 ? (int) ceilDiv(width, BF16_ROW_MULTIPLE) * BF16_ROW_MULTIPLE : width;
    }

    private static Buffer next(Buffer in) {
        return in == Buffer.PING ? Buffer.PONG : Buffer.PING;
    }

    /**
     * The next {@code rows x columns} tensor of {@code block}, on 128 bytes, its rows {@code paddedColumns} long; a
     * bf16 layer weight's rows are padded too, to its padded output width.
     */
    private Region region(String name, Block block, int rows, int columns, int paddedColumns) {
        int paddedRows = block == Block.BF16 ? stored(rows) : rows;
        long offset = blockValues[block.ordinal()];
        Region r = new Region(name, block, offset, rows, columns, paddedRows, paddedColumns);
        regions.add(r);
        int align = ALIGN_BYTES / (block == Block.BF16 ? Short.BYTES : Float.BYTES);
        blockValues[block.ordinal()] += ceilDiv(r.length(), align) * align;
        return r;
    }

    private static long calibrationFloats(ModelSpec spec) {
        long n = (long) CAL_HEADER * spec.heads().size();
        for (String head : spec.heads()) {
            if (spec.calibrationOf(head).base() instanceof Calibration.Isotonic iso) {
                n += 2L * iso.x().length;
            }
        }
        return n;
    }

    ModelSpec spec() {
        return spec;
    }

    Precision precision() {
        return precision;
    }

    /** Whether activations are bf16 in device memory (BF16), else fp32. */
    boolean bf16Activations() {
        return precision == Precision.BF16;
    }

    private int activationBytes() {
        return bf16Activations() ? Short.BYTES : Float.BYTES;
    }

    int maxRows() {
        return maxRows;
    }

    List<Step> steps() {
        return List.copyOf(steps);
    }

    List<Region> regions() {
        return List.copyOf(regions);
    }

    /** Widest activation row, as stored: the width of the PING and PONG buffers. */
    int activationWidth() {
        return activationWidth;
    }

    /** The width of x0's rows, as stored. */
    int x0Width() {
        return ((Gather) steps.get(0)).ld();
    }

    /** Bytes of the packed fp32 tensors, at the start of the weight allocation. */
    long packedBytes() {
        return blockValues[Block.FP32.ordinal()] * Float.BYTES;
    }

    /** Where the bf16 layer weights start in the weight allocation, on 256 bytes (a BF16 plan's; else none). */
    long bf16OffsetBytes() {
        return ceilDiv(packedBytes(), 256) * 256;
    }

    /** Bytes of the bf16 layer weights: none unless BF16. */
    long bf16Bytes() {
        return blockValues[Block.BF16.ordinal()] * Short.BYTES;
    }

    /** Where {@code r} starts in the weight allocation. */
    long offsetBytes(Region r) {
        return r.block() == Block.BF16 ? bf16OffsetBytes() + r.offset() * Short.BYTES : r.offset() * Float.BYTES;
    }

    /** Where the embedding table's values start in the weight allocation, on 256 bytes. */
    long tableOffsetBytes() {
        return ceilDiv(bf16OffsetBytes() + bf16Bytes(), 256) * 256;
    }

    /** Bytes of the table's values: rows x dim in its storage, padded to whole 4-byte words. */
    long tableValueBytes() {
        return ceilDiv((long) spec.schema().totalRows() * spec.embeddingDim() * storage.bytesPerValue(), 4) * 4;
    }

    /** Where an INT8 table's per-row fp32 scales start, on 256 bytes after its values. */
    long scalesOffsetBytes() {
        return ceilDiv(tableOffsetBytes() + tableValueBytes(), 256) * 256;
    }

    /** Bytes of the weight allocation on the device: the packed tensors and the table (with its scales). */
    long weightBytes() {
        return storage == EmbeddingStorage.INT8
                ? scalesOffsetBytes() + (long) spec.schema().totalRows() * Float.BYTES
                : tableOffsetBytes() + tableValueBytes();
    }

    /** Bytes of a lane's pinned host buffers for {@link #maxRows()} rows: ids, dense values, scores. */
    long[] laneHostPieces() {
        long rows = maxRows;
        return new long[] {
            rows * spec.schema().sparseSlots() * Integer.BYTES,
            rows * spec.schema().denseDims() * Float.BYTES,
            rows * spec.heads().size() * Float.BYTES
        };
    }

    /** Bytes of a lane's device buffers: the host pieces' twins, then x0, ping and pong. */
    long[] laneDevicePieces() {
        long[] host = laneHostPieces();
        long rows = maxRows;
        long activations = rows * activationWidth * activationBytes();
        return new long[] {host[0], host[1], host[2], rows * x0Width() * activationBytes(), activations, activations};
    }

    /**
     * Where each piece starts when they share one allocation, each on a 256-byte boundary; the last element is the
     * allocation's size.
     */
    static long[] layout(long[] pieces) {
        long[] at = new long[pieces.length + 1];
        for (int i = 0; i < pieces.length; i++) {
            at[i + 1] = at[i] + (pieces[i] + 255) / 256 * 256;
        }
        return at;
    }

    /** Device bytes of one lane: its pieces, laid out in one allocation. */
    long laneDeviceBytes() {
        long[] pieces = laneDevicePieces();
        return layout(pieces)[pieces.length];
    }

    /** Device bytes of a version with {@code lanes} lanes: what it reserves against the device's budget. */
    long deviceBytes(int lanes) {
        return weightBytes() + lanes * laneDeviceBytes();
    }

    /** The smallest padded chunk: a lane captures at most a few graphs per doubling of rows. */
    static final int MIN_PADDED_ROWS = 64;

    /**
     * The rows a lane runs for a chunk of {@code rows} (1 to {@link #maxRows()}): rows rounded up to a quarter of the
     * power of two at or below them (at least {@link #MIN_PADDED_ROWS}), at most {@link #maxRows()}. A lane keeps one
     * CUDA graph per padded size, so this bounds the graphs to about four per doubling, and the padding to a quarter of
     * the rows (or 63 rows).
     */
    int paddedRows(int rows) {
        if (rows < 1 || rows > maxRows) {
            throw new IllegalArgumentException("rows must be within [1, " + maxRows + "], was " + rows);
        }
        int step = Math.max(MIN_PADDED_ROWS, Integer.highestOneBit(rows) / 4);
        return (int) Math.min(maxRows, ceilDiv(rows, step) * step);
    }

    /** Floating-point operations of the linear and head launches for {@code rows} rows (the gather does none). */
    long flops(int rows) {
        long perRow = 0;
        for (Step step : steps) {
            if (step instanceof Linear l) {
                perRow += 2L * l.outWidth() * l.inWidth();
            } else if (step instanceof Head h) {
                perRow += 2L * h.heads() * h.inWidth();
            }
        }
        return perRow * rows;
    }

    /**
     * The geometry of {@code step} for a batch of {@code rows} rows, on a device that allows a block
     * {@code maxSharedBytes} of shared memory (CudaContext's opt-in limit: 227 KiB on an H100 or H200, 99 KiB on
     * compute 12.x cards).
     */
    static Grid grid(Step step, int rows, Precision precision, int maxSharedBytes) {
        if (step instanceof Gather g) {
            long elements = (long) rows * g.ld();
            return new Grid((int) Math.max(1, Math.min(ceilDiv(elements, 256), MAX_GATHER_BLOCKS)), 1, 256);
        }
        if (step instanceof Linear l) {
            LinearKernel kernel = linearKernel(l, rows, precision, maxSharedBytes);
            return new Grid(
                    (int) ceilDiv(l.outWidth(), kernel.columns),
                    (int) ceilDiv(rows, kernel.rows),
                    kernel.threads,
                    kernel);
        }
        return new Grid((int) ceilDiv(rows, HEAD_ROWS_PER_BLOCK), 1, 32 * HEAD_ROWS_PER_BLOCK);
    }

    /**
     * The mma.sync kernels wherever the input width allows and their shared memory fits (faster at every x100 and demo
     * layer: gpu-scheduler/bench/PERF-NOTES.md), in the largest tile that still makes about a block per multiprocessor:
     * 128 x 128, else 128 x 64, else 64 x 64. For fp32 (3xTF32) only up to {@link #MAX_3XTF32_WIDTH} inputs: the tensor
     * cores' accumulation error grows with K, and that is the widest layer its 1e-4 was measured on. BF16 has only its
     * mma kernels (the others read fp32 activations).
     *
     * @throws IllegalArgumentException for BF16 on a device whose blocks cannot have the 72 KiB of shared memory of the
     *     smallest BF16 tile
     */
    private static LinearKernel linearKernel(Linear l, int rows, Precision precision, int maxSharedBytes) {
        boolean tf32 = precision != Precision.FP32;
        boolean mma = mmaWidth(l, precision) && (tf32 || l.inWidth() <= MAX_3XTF32_WIDTH);
        List<LinearKernel> bySize = !mma
                ? List.of()
                : switch (precision) {
                    case FP32 ->
                        List.of(LinearKernel.F32X3_MMA_128, LinearKernel.F32X3_MMA_128X64, LinearKernel.F32X3_MMA);
                    case TF32 ->
                        List.of(LinearKernel.TF32_MMA_128, LinearKernel.TF32_MMA_128X64, LinearKernel.TF32_MMA);
                    case BF16 ->
                        List.of(LinearKernel.BF16_MMA_128, LinearKernel.BF16_MMA_128X64, LinearKernel.BF16_MMA);
                };
        List<LinearKernel> fitting =
                bySize.stream().filter(k -> k.sharedBytes <= maxSharedBytes).toList();
        for (LinearKernel kernel : fitting) {
            if (kernel.blocks(rows, l.outWidth()) >= BIG_TILE_MIN_BLOCKS) {
                return kernel;
            }
        }
        if (!fitting.isEmpty()) {
            return fitting.get(fitting.size() - 1); // the smallest tile: the most blocks it can make
        }
        if (precision == Precision.BF16) {
            throw new IllegalArgumentException(
                    !mma
                            ? l.name() + "'s input width " + l.inWidth() + " is not padded to " + BF16_ROW_MULTIPLE
                            : "BF16 needs " + LinearKernel.BF16_MMA.sharedBytes
                                    + " bytes of shared memory per block, this device allows " + maxSharedBytes);
        }
        boolean big = LinearKernel.F32_128.blocks(rows, l.outWidth()) >= BIG_TILE_MIN_BLOCKS;
        return tf32
                ? (big ? LinearKernel.TF32_WMMA_128 : LinearKernel.TF32_WMMA)
                : (big ? LinearKernel.F32_128 : LinearKernel.F32);
    }

    /**
     * The packed fp32 weights: every tensor of {@code weights} in the FP32 block (all but the embedding table, and in
     * BF16 but the layers' weights) at its region's offset, then the calibration block, zeros in the alignment gaps and
     * the padding.
     *
     * @throws IllegalArgumentException when the weights do not have the plan's shapes, or are too large for one Java
     *     array
     */
    float[] pack(DcnWeights weights) {
        float[] packed = new float[blockLength(Block.FP32)];
        for (Region r : regions) {
            if (r.block() == Block.FP32) {
                place(tensor(weights, r), r, (from, to) -> packed[to] = from);
            }
        }
        return packed;
    }

    /**
     * A BF16 plan's cross and MLP weights in bf16 (rounded to nearest, ties to even, as {@link EmbeddingTable} rounds),
     * each at its region's offset, zeros in the gaps and the padding; empty in other precisions.
     */
    short[] packBf16(DcnWeights weights) {
        short[] packed = new short[blockLength(Block.BF16)];
        for (Region r : regions) {
            if (r.block() == Block.BF16) {
                place(tensor(weights, r), r, (from, to) -> packed[to] = (short) EmbeddingTable.Bf16.bf16(from));
            }
        }
        return packed;
    }

    private int blockLength(Block block) {
        long values = blockValues[block.ordinal()];
        if (values > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(spec.name() + "/" + spec.version() + ": " + values + " " + block
                    + " values of weights are too many for one array");
        }
        return (int) values;
    }

    @FunctionalInterface
    private interface Store {
        void put(float value, int at);
    }

    /** Stores row-major {@code source} ({@code r.rows() x r.columns()}) at {@code r}'s place, row by padded row. */
    private static void place(float[] source, Region r, Store store) {
        if (source.length != (long) r.rows() * r.columns()) {
            throw new IllegalArgumentException(
                    r.name() + " has " + source.length + " values, " + (long) r.rows() * r.columns() + " expected");
        }
        for (int row = 0; row < r.rows(); row++) {
            int to = (int) (r.offset() + (long) row * r.paddedColumns());
            for (int c = 0; c < r.columns(); c++) {
                store.put(source[row * r.columns() + c], to + c);
            }
        }
    }

    private float[] tensor(DcnWeights weights, Region r) {
        return switch (r.name()) {
            case "head.weight" -> weights.headWeight();
            case "head.bias" -> weights.headBias();
            case "calibration" -> calibrationBlock(spec);
            default -> layerTensor(weights, r.name());
        };
    }

    /** {@code weights}'s embedding table in this plan's storage. */
    EmbeddingTable table(DcnWeights weights) {
        return EmbeddingTable.encode(storage, weights.embedding(), spec.schema().totalRows(), spec.embeddingDim());
    }

    private static float[] layerTensor(DcnWeights w, String name) {
        String[] parts = name.split("\\.");
        int layer = Integer.parseInt(parts[1]);
        boolean weight = parts[2].equals("weight");
        if (parts[0].equals("cross")) {
            return weight ? w.crossWeight()[layer] : w.crossBias()[layer];
        }
        return weight ? w.mlpWeight()[layer] : w.mlpBias()[layer];
    }

    /** Per head: type, a, b, breakpoints, offset of x (from the block's start); then each isotonic head's x and y. */
    static float[] calibrationBlock(ModelSpec spec) {
        float[] block = new float[(int) calibrationFloats(spec)];
        int tail = CAL_HEADER * spec.heads().size();
        for (int h = 0; h < spec.heads().size(); h++) {
            int at = h * CAL_HEADER;
            // A sliced head's offsets need the rows' ids: the host adds them (Scorer.addSliceOffsets).
            Calibration c = spec.calibrationOf(spec.heads().get(h)).base();
            if (c instanceof Calibration.Platt platt) {
                block[at] = CAL_PLATT;
                block[at + 1] = (float) platt.a();
                block[at + 2] = (float) platt.b();
            } else if (c instanceof Calibration.Isotonic iso) {
                float[] x = iso.x();
                block[at] = CAL_ISOTONIC;
                block[at + 3] = x.length;
                block[at + 4] = tail;
                System.arraycopy(x, 0, block, tail, x.length);
                System.arraycopy(iso.y(), 0, block, tail + x.length, x.length);
                tail += 2 * x.length;
            } else {
                block[at] = CAL_IDENTITY;
            }
        }
        return block;
    }

    private static long ceilDiv(long a, long b) {
        return (a + b - 1) / b;
    }
}
