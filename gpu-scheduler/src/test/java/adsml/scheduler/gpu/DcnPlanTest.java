package adsml.scheduler.gpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.features.FeatureSchema;
import adsml.platform.model.Architecture;
import adsml.platform.model.Calibration;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

class DcnPlanTest {
    /** What an H100 or H200 lets a block opt in to: 227 KiB. */
    private static final int HOPPER_SHARED = 227 * 1024;

    private static final FeatureSchema TINY = new FeatureSchema(
            "tiny", List.of(new FeatureSchema.Slot("a", 10), new FeatureSchema.Slot("b", 5)), List.of("x", "y", "z"));

    private static ModelSpec tiny() {
        return new ModelSpec(
                "tiny", "1", Architecture.DCN, TINY, 3, 2, List.of(7, 5), ModelSpec.CTR_CVR, Map.of(), null, Map.of());
    }

    @Test
    void paddedRows_coverTheRows_padAtMostAQuarter_andStayWithinTheLane() {
        DcnPlan plan = DcnPlan.of(tiny(), 16384);
        assertEquals(64, plan.paddedRows(1));
        assertEquals(256, plan.paddedRows(256));
        assertEquals(1024, plan.paddedRows(1024));
        assertEquals(1280, plan.paddedRows(1025));
        assertEquals(16384, plan.paddedRows(16384));
        java.util.Set<Integer> sizes = new java.util.HashSet<>();
        for (int rows = 1; rows <= 16384; rows++) {
            int padded = plan.paddedRows(rows);
            assertTrue(padded >= rows && padded <= 16384, rows + " -> " + padded);
            assertTrue(padded - rows < Math.max(64, rows / 4), rows + " -> " + padded);
            sizes.add(padded);
        }
        assertTrue(sizes.size() <= 40, sizes.size() + " graphs per lane");
        DcnPlan small = DcnPlan.of(tiny(), 100);
        assertEquals(64, small.paddedRows(64));
        assertEquals(100, small.paddedRows(65));
        assertThrows(IllegalArgumentException.class, () -> small.paddedRows(101));
        assertThrows(IllegalArgumentException.class, () -> small.paddedRows(0));
    }

    @Test
    void demo_gathersThenCrossesThenMlpThenHead_alternatingBuffers() {
        DcnPlan plan = DcnPlan.of(ModelPreset.DEMO.spec("demo", "1"), 1024);
        List<DcnPlan.Step> steps = plan.steps();
        assertEquals(7, steps.size());
        DcnPlan.Gather gather = assertInstanceOf(DcnPlan.Gather.class, steps.get(0));
        assertEquals(20, gather.slots());
        assertEquals(8, gather.dim());
        assertEquals(16, gather.denseDims());
        assertLinear(steps.get(1), DcnPlan.Buffer.X0, DcnPlan.Buffer.PING, 176, 176, DcnPlan.Epilogue.CROSS);
        assertLinear(steps.get(2), DcnPlan.Buffer.PING, DcnPlan.Buffer.PONG, 176, 176, DcnPlan.Epilogue.CROSS);
        assertLinear(steps.get(3), DcnPlan.Buffer.PONG, DcnPlan.Buffer.PING, 256, 176, DcnPlan.Epilogue.RELU);
        assertLinear(steps.get(4), DcnPlan.Buffer.PING, DcnPlan.Buffer.PONG, 128, 256, DcnPlan.Epilogue.RELU);
        assertLinear(steps.get(5), DcnPlan.Buffer.PONG, DcnPlan.Buffer.PING, 64, 128, DcnPlan.Epilogue.RELU);
        DcnPlan.Head head = assertInstanceOf(DcnPlan.Head.class, steps.get(6));
        assertEquals(DcnPlan.Buffer.PING, head.in());
        assertEquals(64, head.inWidth());
        assertEquals(2, head.heads());
        assertEquals(256, plan.activationWidth());
    }

    private static void assertLinear(
            DcnPlan.Step step,
            DcnPlan.Buffer in,
            DcnPlan.Buffer out,
            int outWidth,
            int inWidth,
            DcnPlan.Epilogue epilogue) {
        DcnPlan.Linear l = assertInstanceOf(DcnPlan.Linear.class, step);
        assertEquals(
                List.of(in, out, outWidth, inWidth, epilogue),
                List.of(l.in(), l.out(), l.outWidth(), l.inWidth(), l.epilogue()),
                l.name());
    }

    @ParameterizedTest
    @EnumSource(ModelPreset.class)
    void everyPreset_launchesNeverReadWhatTheyWriteAndChainTheirBuffers(ModelPreset preset) {
        DcnPlan plan = DcnPlan.of(preset.spec("p", "1"), 4096);
        DcnPlan.Buffer previous = DcnPlan.Buffer.X0;
        int width = preset.spec("p", "1").inputWidth();
        for (DcnPlan.Step step : plan.steps()) {
            if (step instanceof DcnPlan.Linear l) {
                assertNotEquals(l.in(), l.out(), l.name());
                assertNotEquals(
                        DcnPlan.Buffer.X0, l.out(), l.name() + " must not overwrite x0, which every cross layer reads");
                assertEquals(previous, l.in(), l.name());
                assertEquals(width, l.inWidth(), l.name());
                assertTrue(l.outWidth() <= plan.activationWidth(), l.name());
                previous = l.out();
                width = l.outWidth();
            } else if (step instanceof DcnPlan.Head h) {
                assertEquals(previous, h.in());
                assertEquals(width, h.inWidth());
            }
        }
    }

    @ParameterizedTest
    @EnumSource(ModelPreset.class)
    void everyPreset_flopsAreTheSpecsCount(ModelPreset preset) {
        ModelSpec spec = preset.spec("p", "1");
        assertEquals(spec.flopsPerCandidate() * 1000, DcnPlan.of(spec, 1000).flops(1000));
    }

    @Test
    void x100_hasAbout100TimesTheDemosFlops() {
        double ratio = (double) ModelPreset.X100.spec("x", "1").flopsPerCandidate()
                / ModelPreset.DEMO.spec("d", "1").flopsPerCandidate();
        assertTrue(ratio > 90 && ratio < 110, "x100 / demo FLOPs per candidate = " + ratio);
    }

    @Test
    void pack_putsEveryTensorAtItsAlignedRegion_andNothingElse() {
        ModelSpec spec = tiny();
        DcnWeights w = DcnWeights.random(spec, 3);
        DcnPlan plan = DcnPlan.of(spec, 100);
        float[] packed = plan.pack(w);
        assertEquals(plan.packedBytes(), (long) packed.length * Float.BYTES);
        long end = 0;
        for (DcnPlan.Region r : plan.regions()) {
            assertEquals(0, r.offset() * Float.BYTES % DcnPlan.ALIGN_BYTES, r.name() + " is not 128-byte aligned");
            assertTrue(r.offset() >= end, r.name() + " overlaps the tensor before it");
            end = r.offset() + r.length();
        }
        assertTrue(plan.regions().stream().noneMatch(r -> r.name().equals("embedding")), "the table is not packed");
        assertArrayEquals(w.crossWeight()[1], slice(packed, region(plan, "cross.1.weight")));
        assertArrayEquals(w.crossBias()[0], slice(packed, region(plan, "cross.0.bias")));
        assertArrayEquals(w.mlpWeight()[1], slice(packed, region(plan, "mlp.1.weight")));
        assertArrayEquals(w.mlpBias()[0], slice(packed, region(plan, "mlp.0.bias")));
        assertArrayEquals(w.headWeight(), slice(packed, region(plan, "head.weight")));
        assertArrayEquals(w.headBias(), slice(packed, region(plan, "head.bias")));
    }

    @Test
    void pack_refusesWeightsOfAnotherShape() {
        DcnPlan plan = DcnPlan.of(tiny(), 10);
        DcnWeights other = DcnWeights.random(ModelPreset.DEMO.spec("demo", "1"), 1);
        assertThrows(IllegalArgumentException.class, () -> plan.pack(other));
        assertThrows(IllegalArgumentException.class, () -> plan.table(other));
    }

    /** The table follows the packed tensors on 256 bytes, at its storage's size; an INT8 table's scales follow it. */
    @Test
    void weightAllocation_placesTheTableAfterThePackedTensors_atItsStoragesSize() {
        ModelSpec spec = ModelPreset.DEMO.spec("demo", "1");
        DcnWeights w = DcnWeights.random(spec, 5);
        long values = (long) spec.schema().totalRows() * spec.embeddingDim();
        long[] expected = {values * 4, (values * 2 + 3) / 4 * 4, (values + 3) / 4 * 4};
        for (EmbeddingStorage storage : EmbeddingStorage.values()) {
            DcnPlan plan = DcnPlan.of(spec, 100, storage, Precision.FP32);
            EmbeddingTable table = plan.table(w);
            assertEquals(0, plan.tableOffsetBytes() % 256, storage + ": table offset");
            assertTrue(plan.tableOffsetBytes() >= plan.packedBytes(), storage + ": the table overlaps the tensors");
            assertEquals(expected[storage.ordinal()], plan.tableValueBytes(), storage + ": value bytes");
            assertEquals(plan.tableValueBytes(), table.valueBytes(), storage + ": what is uploaded");
            if (storage == EmbeddingStorage.INT8) {
                assertEquals(0, plan.scalesOffsetBytes() % 256);
                assertTrue(plan.scalesOffsetBytes() >= plan.tableOffsetBytes() + plan.tableValueBytes());
                assertEquals(plan.scalesOffsetBytes() + spec.schema().totalRows() * 4L, plan.weightBytes());
            } else {
                assertEquals(plan.tableOffsetBytes() + plan.tableValueBytes(), plan.weightBytes());
            }
            DcnPlan.Gather gather =
                    assertInstanceOf(DcnPlan.Gather.class, plan.steps().get(0));
            assertEquals(storage, gather.storage());
        }
        EmbeddingTable fp32 = DcnPlan.of(spec, 100).table(w);
        assertEquals(w.embedding()[spec.embeddingDim() + 3], fp32.value(1, 3));
    }

    @Test
    void calibrationBlock_encodesIdentityPlattAndIsotonicPerHead_andASlicedHeadsBase() {
        ModelSpec spec = tiny().withCalibration(Map.of(
                "ctr",
                new Calibration.Sliced(new Calibration.Platt(1.5, -0.25), "b", new float[] {0.5f, 0, 0, 0, -1f}),
                "cvr",
                new Calibration.Isotonic(new float[] {0.1f, 0.6f}, new float[] {0.2f, 0.7f})));
        float[] block = DcnPlan.calibrationBlock(spec);
        assertArrayEquals(
                new float[] {
                    DcnPlan.CAL_PLATT, 1.5f, -0.25f, 0, 0, DcnPlan.CAL_ISOTONIC, 0, 0, 2, 10, 0.1f, 0.6f, 0.2f, 0.7f
                },
                block);
        assertArrayEquals(
                new float[] {DcnPlan.CAL_IDENTITY, 0, 0, 0, 0, DcnPlan.CAL_IDENTITY, 0, 0, 0, 0},
                DcnPlan.calibrationBlock(tiny()));
    }

    @Test
    void grids_coverEveryRowAndColumn_withNoEmptyBlock() {
        boolean big = false;
        for (ModelPreset preset : List.of(ModelPreset.REF, ModelPreset.X100)) {
            for (int rows : new int[] {1, 63, 64, 65, 1000, 4000, 16384}) {
                for (Precision precision : Precision.values()) {
                    DcnPlan plan = DcnPlan.of(preset.spec("p", "1"), 16384, EmbeddingStorage.FP32, precision);
                    for (DcnPlan.Step step : plan.steps()) {
                        DcnPlan.Grid g = DcnPlan.grid(step, rows, precision, HOPPER_SHARED);
                        if (step instanceof DcnPlan.Linear l) {
                            DcnPlan.LinearKernel k = g.kernel();
                            big |= k.rows == DcnPlan.BIG_TILE;
                            assertTrue(
                                    (long) g.x() * k.columns >= l.outWidth() && (g.x() - 1) * k.columns < l.outWidth());
                            assertTrue((long) g.y() * k.rows >= rows && (g.y() - 1) * k.rows < rows);
                            assertEquals(k.threads, g.threads());
                            if (k.rows == DcnPlan.BIG_TILE) {
                                assertTrue(
                                        (long) g.x() * g.y() >= DcnPlan.BIG_TILE_MIN_BLOCKS,
                                        k + " at " + rows + " rows");
                            }
                        } else if (step instanceof DcnPlan.Head) {
                            assertTrue((long) g.x() * DcnPlan.HEAD_ROWS_PER_BLOCK >= rows
                                    && (g.x() - 1) * DcnPlan.HEAD_ROWS_PER_BLOCK < rows);
                            assertEquals(256, g.threads());
                            assertEquals(0, g.sharedBytes());
                        } else {
                            assertTrue(g.x() >= 1 && g.threads() == 256);
                        }
                    }
                }
            }
        }
        assertTrue(big, "some layer takes 128-row tiles");
    }

    /**
     * The mma.sync kernels copy 16-byte pieces of rows, so they take the layers whose input width is a multiple of 4
     * (ref's cross layers and mlp.0, 429 wide, are not: CUDA cores or wmma); among them the largest tile that still
     * makes about a block per multiprocessor.
     */
    @Test
    void linearKernels_mmaWhereRowsAre16ByteAligned_largestTileThatFillsTheChip() {
        List<DcnPlan.Linear> ref = linears(ModelPreset.REF);
        assertEquals(429, ref.get(3).inWidth());
        assertEquals(
                DcnPlan.LinearKernel.F32,
                DcnPlan.grid(ref.get(0), 1000, Precision.FP32, HOPPER_SHARED).kernel());
        assertEquals(
                DcnPlan.LinearKernel.TF32_WMMA_128,
                DcnPlan.grid(ref.get(3), 4000, Precision.TF32, HOPPER_SHARED).kernel());
        // x100 at 1024 rows: cross 656 wide (128x64 makes 88 blocks), mlp.0 4096 (256), mlp.1 2048 (128), mlp.2 1024.
        List<DcnPlan.Linear> x100 = linears(ModelPreset.X100);
        assertEquals(
                DcnPlan.LinearKernel.TF32_MMA,
                DcnPlan.grid(x100.get(0), 1024, Precision.TF32, HOPPER_SHARED).kernel());
        assertEquals(
                DcnPlan.LinearKernel.TF32_MMA_128,
                DcnPlan.grid(x100.get(3), 1024, Precision.TF32, HOPPER_SHARED).kernel());
        assertEquals(
                DcnPlan.LinearKernel.F32X3_MMA_128,
                DcnPlan.grid(x100.get(4), 1024, Precision.FP32, HOPPER_SHARED).kernel());
        assertEquals(
                DcnPlan.LinearKernel.F32X3_MMA_128X64,
                DcnPlan.grid(x100.get(5), 1024, Precision.FP32, HOPPER_SHARED).kernel());
        assertEquals(
                DcnPlan.LinearKernel.TF32_MMA_128X64,
                DcnPlan.grid(x100.get(5), 1024, Precision.TF32, HOPPER_SHARED).kernel());
        assertEquals(
                DcnPlan.LinearKernel.F32X3_MMA_128,
                DcnPlan.grid(x100.get(0), 16384, Precision.FP32, HOPPER_SHARED).kernel());
        DcnPlan.Grid g = DcnPlan.grid(x100.get(5), 1024, Precision.TF32, HOPPER_SHARED);
        assertEquals(1024 / 64, g.x());
        assertEquals(1024 / 128, g.y());
        // Past 48 KiB, the kernels' shared memory is what CudaContext allows per function.
        assertEquals(4 * (128 + 64) * 36 * 4, g.sharedBytes());
    }

    /**
     * Where a block may have only 99 KiB (compute 12.x cards) the 108 KiB tiles are left out, not launched to fail: the
     * 64 x 64 mma.sync kernel (72 KiB) takes their layers. fp32 keeps 3xTF32 to inputs of at most 4096 (its
     * accumulation error grows with K): wider layers run on CUDA cores.
     */
    @Test
    void linearKernels_fitTheDevicesSharedMemory_and3xTf32StopsAt4096Inputs() {
        List<DcnPlan.Linear> x100 = linears(ModelPreset.X100);
        int small = 99 * 1024;
        assertEquals(
                DcnPlan.LinearKernel.TF32_MMA,
                DcnPlan.grid(x100.get(3), 16384, Precision.TF32, small).kernel());
        assertEquals(
                DcnPlan.LinearKernel.F32X3_MMA,
                DcnPlan.grid(x100.get(4), 1024, Precision.FP32, small).kernel());
        assertEquals(
                DcnPlan.LinearKernel.F32_128,
                DcnPlan.grid(x100.get(4), 1024, Precision.FP32, 48 * 1024).kernel());
        for (DcnPlan.Step step :
                DcnPlan.of(ModelPreset.X100.spec("p", "1"), 16384).steps()) {
            for (int limit : new int[] {48 * 1024, small, HOPPER_SHARED}) {
                assertTrue(DcnPlan.grid(step, 16384, Precision.TF32, limit).sharedBytes() <= limit);
            }
        }
        ModelSpec wide = new ModelSpec(
                "wide",
                "1",
                Architecture.DCN,
                tiny().schema(),
                8,
                0,
                List.of(4100, 8),
                ModelSpec.CTR_CVR,
                Map.of(),
                null,
                Map.of());
        List<DcnPlan.Linear> layers = DcnPlan.of(wide, 4096).steps().stream()
                .filter(DcnPlan.Linear.class::isInstance)
                .map(DcnPlan.Linear.class::cast)
                .toList();
        assertEquals(4100, layers.get(1).inWidth());
        assertEquals(
                DcnPlan.LinearKernel.F32,
                DcnPlan.grid(layers.get(1), 4096, Precision.FP32, HOPPER_SHARED).kernel());
        assertEquals(
                DcnPlan.LinearKernel.TF32_MMA,
                DcnPlan.grid(layers.get(1), 4096, Precision.TF32, HOPPER_SHARED).kernel());
    }

    /**
     * The enum's tile, threads and shared memory are what dcn.cu's MMA_KERNEL lines declare: a mismatch would otherwise
     * show only on a GPU, as a wrong grid or an over-long launch.
     */
    @Test
    void mmaKernels_matchTheirDeclarationsInDcnCu() throws Exception {
        String source = Files.readString(Path.of("src/main/cuda/dcn.cu"));
        Matcher m = Pattern.compile(
                        "^MMA_KERNEL\\((\\w+), (\\d+), (\\d+), (\\d+), (\\d+), (\\d+), (MMA_\\w+), (\\d+), ([\\w ]+)\\)$",
                        Pattern.MULTILINE)
                .matcher(source);
        int declared = 0;
        for (; m.find(); declared++) {
            String name = m.group(1);
            DcnPlan.LinearKernel k = Arrays.stream(DcnPlan.LinearKernel.values())
                    .filter(v -> v.function.equals(name))
                    .findFirst()
                    .orElseThrow(() -> new AssertionError(name + " is not in LinearKernel"));
            int bm = Integer.parseInt(m.group(2));
            int bn = Integer.parseInt(m.group(3));
            assertEquals(bm, k.rows, name);
            assertEquals(bn, k.columns, name);
            assertEquals(Integer.parseInt(m.group(4)) * Integer.parseInt(m.group(5)) * 32, k.threads, name);
            assertEquals(Integer.parseInt(m.group(6)) * (bm + bn) * 36 * 4, k.sharedBytes, name);
            String mode = name.contains("f32x3") ? "MMA_F32X3" : name.contains("bf16") ? "MMA_BF16" : "MMA_TF32";
            assertEquals(mode, m.group(7), name);
            assertEquals(mode.equals("MMA_BF16") ? "unsigned short" : "float", m.group(9), name);
        }
        assertEquals(9, declared);
    }

    /**
     * BF16 pads every width to whole 16-byte rows of bf16 and runs its mma kernels on every layer (the others read fp32
     * activations), at every batch size; the emulator rounds as they do.
     */
    @Test
    void bf16_padsEveryWidthTo8_andRunsItsMmaKernelsOnEveryLayer() {
        for (ModelPreset preset : ModelPreset.values()) {
            ModelSpec spec = preset.spec("p", "1");
            DcnPlan plan = DcnPlan.of(spec, 16384, EmbeddingStorage.FP32, Precision.BF16);
            assertEquals(DcnPlan.Operands.BF16, plan.operands());
            assertEquals((spec.inputWidth() + 7) / 8 * 8, plan.x0Width(), preset + " x0");
            for (DcnPlan.Step step : plan.steps()) {
                if (step instanceof DcnPlan.Linear l) {
                    assertEquals(0, l.inWidth() % 8, preset + " " + l.name());
                    assertEquals(0, l.outWidth() % 8, preset + " " + l.name());
                    assertEquals(DcnPlan.Block.BF16, l.weight().block(), preset + " " + l.name());
                    assertEquals(l.outWidth(), l.weight().paddedRows());
                    assertEquals(l.inWidth(), l.weight().paddedColumns());
                    assertEquals(l.outWidth(), l.bias().paddedColumns());
                    for (int rows : new int[] {1, 64, 1024, 16384}) {
                        String kernel = DcnPlan.grid(l, rows, Precision.BF16, HOPPER_SHARED)
                                .kernel()
                                .function;
                        assertTrue(kernel.startsWith("linear_bf16_mma"), preset + " " + l.name() + ": " + kernel);
                    }
                } else if (step instanceof DcnPlan.Head h) {
                    assertEquals(0, h.inWidth() % 8, preset + " head");
                    assertEquals(h.inWidth(), h.weight().paddedColumns());
                }
            }
        }
        DcnPlan.Linear first = linears(ModelPreset.DEMO).get(0);
        assertThrows(
                IllegalArgumentException.class,
                () -> DcnPlan.grid(first, 64, Precision.BF16, DcnPlan.LinearKernel.BF16_MMA.sharedBytes - 1));
    }

    /**
     * A BF16 plan's tensors: the layers' weights in the bf16 block after the fp32 one, each row padded with zeros;
     * biases and the head in fp32, padded as the activations are; lanes' buffers in 2-byte values.
     */
    @Test
    void bf16Pack_putsLayerWeightsInBf16_rowByPaddedRow_andZerosInThePadding() {
        ModelSpec spec = tiny();
        DcnWeights w = DcnWeights.random(spec, 7);
        DcnPlan plan = DcnPlan.of(spec, 100, EmbeddingStorage.FP32, Precision.BF16);
        DcnPlan fp32 = DcnPlan.of(spec, 100);
        float[] packed = plan.pack(w);
        short[] bf16 = plan.packBf16(w);
        assertEquals(0, fp32.packBf16(w).length, "fp32 has no bf16 block");
        assertEquals(0, plan.bf16OffsetBytes() % 256);
        assertTrue(plan.bf16OffsetBytes() >= plan.packedBytes());
        assertEquals(plan.bf16Bytes(), (long) bf16.length * Short.BYTES);
        assertTrue(plan.tableOffsetBytes() >= plan.bf16OffsetBytes() + plan.bf16Bytes());
        DcnPlan.Region cross = region(plan, "cross.1.weight");
        int d = spec.inputWidth();
        assertTrue(cross.paddedColumns() > d, "tiny's input width is not a multiple of 8: " + d);
        for (int row = 0; row < cross.paddedRows(); row++) {
            for (int c = 0; c < cross.paddedColumns(); c++) {
                short bits = bf16[(int) (cross.offset() + (long) row * cross.paddedColumns() + c)];
                short expected =
                        row < d && c < d ? (short) EmbeddingTable.Bf16.bf16(w.crossWeight()[1][row * d + c]) : 0;
                assertEquals(expected, bits, "cross.1.weight at " + row + ", " + c);
            }
        }
        DcnPlan.Region bias = region(plan, "cross.0.bias");
        assertEquals(DcnPlan.Block.FP32, bias.block());
        float[] storedBias = slice(packed, bias);
        assertArrayEquals(w.crossBias()[0], Arrays.copyOf(storedBias, d));
        assertTrue(IntStream.range(d, storedBias.length).allMatch(i -> storedBias[i] == 0));
        long rows = plan.maxRows();
        long[] pieces = plan.laneDevicePieces();
        assertEquals(rows * plan.x0Width() * Short.BYTES, pieces[3]);
        assertEquals(rows * plan.activationWidth() * Short.BYTES, pieces[4]);
    }

    private static List<DcnPlan.Linear> linears(ModelPreset preset) {
        return DcnPlan.of(preset.spec("p", "1"), 16384).steps().stream()
                .filter(DcnPlan.Linear.class::isInstance)
                .map(DcnPlan.Linear.class::cast)
                .toList();
    }

    /** GpuDeviceTest's odd model reaches the 128 x 128 kernels in every layer but the last two small ones. */
    @Test
    void oddModel_takesTheBigTiles_withPartialTilesOnEveryEdge() {
        DcnPlan plan = DcnPlan.of(Models.odd(1).spec(), Models.ODD_ROWS);
        assertEquals(Models.ODD_ROWS, plan.paddedRows(Models.ODD_ROWS));
        int big = 0;
        int mma = 0;
        for (DcnPlan.Step step : plan.steps()) {
            DcnPlan.Grid g = DcnPlan.grid(step, Models.ODD_ROWS, Precision.FP32, HOPPER_SHARED);
            if (step instanceof DcnPlan.Linear l
                    && g.kernel().rows == DcnPlan.BIG_TILE
                    && g.kernel().columns == DcnPlan.BIG_TILE) {
                big++;
                assertTrue(l.outWidth() % 128 != 0 && l.inWidth() % 16 != 0);
                mma += g.kernel() == DcnPlan.LinearKernel.F32X3_MMA_128 ? 1 : 0;
            }
        }
        assertEquals(3, big);
        assertEquals(2, mma, "the cross layer and mlp.0 (input 524 wide) on mma.sync, mlp.1 (521) on CUDA cores");
        assertNotEquals(0, Models.ODD_ROWS % 128);
    }

    @Test
    void deviceBytes_countTheWeightsAndEveryLanesBuffers_eachOn256Bytes() {
        DcnPlan plan = DcnPlan.of(ModelPreset.DEMO.spec("demo", "1"), 1000);
        assertArrayEquals(new long[] {1000 * 20 * 4, 1000 * 16 * 4, 1000 * 2 * 4}, plan.laneHostPieces());
        assertArrayEquals(
                new long[] {1000 * 20 * 4, 1000 * 16 * 4, 1000 * 2 * 4, 1000 * 176 * 4, 1000 * 256 * 4, 1000 * 256 * 4},
                plan.laneDevicePieces());
        // 8000 bytes of scores round up to 8192: every later piece stays 256-byte aligned.
        assertArrayEquals(
                new long[] {0, 80128, 144128, 152320, 856320, 1880320, 2904320},
                DcnPlan.layout(plan.laneDevicePieces()));
        assertEquals(2904320, plan.laneDeviceBytes());
        assertEquals(plan.weightBytes() + 2 * plan.laneDeviceBytes(), plan.deviceBytes(2));
    }

    @Test
    void of_refusesWhatTheKernelsCannotRun() {
        ModelSpec lr = new ModelSpec(
                "lr", "1", Architecture.LR, TINY, 0, 0, List.of(), ModelSpec.CTR_CVR, Map.of(), null, Map.of());
        assertEquals(
                "the GPU backend runs DCN versions; lr/1 is LR",
                assertThrows(IllegalArgumentException.class, () -> DcnPlan.of(lr, 10))
                        .getMessage());
        ModelSpec nineHeads = new ModelSpec(
                "many",
                "1",
                Architecture.DCN,
                TINY,
                3,
                1,
                List.of(4),
                List.of("a", "b", "c", "d", "e", "f", "g", "h", "i"),
                Map.of(),
                null,
                Map.of());
        assertThrows(IllegalArgumentException.class, () -> DcnPlan.of(nineHeads, 10));
        assertThrows(IllegalArgumentException.class, () -> DcnPlan.of(tiny(), 0));
    }

    private static DcnPlan.Region region(DcnPlan plan, String name) {
        return plan.regions().stream()
                .filter(r -> r.name().equals(name))
                .findFirst()
                .orElseThrow();
    }

    private static float[] slice(float[] packed, DcnPlan.Region r) {
        return Arrays.copyOfRange(packed, (int) r.offset(), (int) (r.offset() + r.length()));
    }
}
