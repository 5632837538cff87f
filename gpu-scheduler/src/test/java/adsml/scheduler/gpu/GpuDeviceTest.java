package adsml.scheduler.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.platform.scoring.CpuScorers;
import adsml.platform.scoring.Scorer;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.CpuDevice;
import adsml.scheduler.Device;
import adsml.scheduler.DeviceMemoryException;
import adsml.scheduler.FaultSettings;
import adsml.scheduler.LoadedVersion;
import adsml.scheduler.Priority;
import adsml.scheduler.SchedulerSettings;
import adsml.scheduler.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The GPU backend on a real device against the Java reference. Skips, with discovery's reason, where no CUDA device
 * answers (gpu-scheduler/bench/gpu-bench.sh runs these on a GPU machine).
 */
@Tag("gpu")
class GpuDeviceTest {
    /** Small enough that the larger batches below run in several chunks per lane. */
    private static final int LANE_ROWS = 256;

    private static CudaDevices.Info gpu;

    /** Per test, not per class: each test then reports itself skipped with the reason. */
    @BeforeEach
    void findGpu() {
        CudaDevices.Discovery discovery = CudaDevices.discover();
        assumeTrue(discovery.found(), () -> "no CUDA device: " + discovery.reason());
        gpu = discovery.devices().get(0);
    }

    private static GpuDevice open(Precision precision, long budget) {
        return GpuDevice.open(gpu, new GpuSettings(2, LANE_ROWS, budget, precision, EmbeddingStorage.FP32));
    }

    /**
     * Both precisions against one reference per preset (the reference is plain Java in double: x100's costs seconds, so
     * it is computed once). Odd sizes leave partial tiles on every edge; 600 rows run as three chunks of a lane.
     */
    @ParameterizedTest
    @EnumSource(ModelPreset.class)
    void everyPreset_matchesTheReference_fp32Within1e4_tf32WithinItsBound_writingEveryScore(ModelPreset preset) {
        Model.Dcn model = Models.calibrated(preset, 41);
        int[] sizes = {1, 67, 600};
        List<FeatureBatch> batches = new ArrayList<>();
        List<float[]> expected = new ArrayList<>();
        for (int rows : sizes) {
            FeatureBatch batch = Models.rows(model, rows, 1000 + rows);
            batches.add(batch);
            expected.add(Models.reference(model, batch));
        }
        for (Precision precision : Precision.values()) {
            try (GpuDevice device = open(precision, 0);
                    Scorer scorer = device.load(model)) {
                for (int i = 0; i < sizes.length; i++) {
                    int rows = sizes[i];
                    float[] out = Models.poisoned(rows * 2 + 5);
                    scorer.score(batches.get(i), out);
                    double diff = Models.maxAbsDiff(expected.get(i), out, rows * 2);
                    assertTrue(
                            diff <= precision.tolerance(),
                            preset + " " + precision + " at " + rows + " rows: max |diff| " + diff);
                    for (int j = rows * 2; j < out.length; j++) {
                        assertTrue(Float.isNaN(out[j]), "wrote past the batch's scores at " + j);
                    }
                }
            }
        }
    }

    /**
     * The 128 x 128 kernels, both precisions, with partial tiles on every edge, float4 and scalar loads, and the cross
     * epilogue.
     */
    @Test
    void bigTiles_matchTheReference_atEveryEdge() {
        Model.Dcn model = Models.odd(43);
        FeatureBatch batch = Models.rows(model, Models.ODD_ROWS, 4343);
        float[] expected = Models.reference(model, batch);
        for (Precision precision : Precision.values()) {
            try (GpuDevice device = GpuDevice.open(
                            gpu, new GpuSettings(2, Models.ODD_ROWS, 0, precision, EmbeddingStorage.FP32));
                    Scorer scorer = device.load(model)) {
                float[] out = Models.poisoned(Models.ODD_ROWS * 2 + 3);
                scorer.score(batch, out);
                double diff = Models.maxAbsDiff(expected, out, Models.ODD_ROWS * 2);
                assertTrue(diff <= precision.tolerance(), precision + ": max |diff| " + diff);
                for (int j = Models.ODD_ROWS * 2; j < out.length; j++) {
                    assertTrue(Float.isNaN(out[j]), "wrote past the batch's scores at " + j);
                }
            }
        }
    }

    /**
     * BF16 storage on the card is its CPU twin's (weights, x0 and every layer's output stored in bf16, widths padded to
     * 8), over each table storage (each has its own _into_bf16 gather): within 5e-4, room for the tensor cores' sums to
     * flip a stored value's rounding here and there (the twin summing in double instead moved demo's scores by 0 and
     * the odd model's by 5e-6) while a systematic error, say truncating instead of rounding, would not fit (BF16's
     * whole effect on demo is 1e-3). The odd model pads every width and leaves partial tiles on every edge.
     */
    @ParameterizedTest
    @EnumSource(EmbeddingStorage.class)
    void bf16Storage_scoresAsItsCpuTwin(EmbeddingStorage storage) {
        for (Model.Dcn model : List.of(Models.calibrated(ModelPreset.DEMO, 53), Models.odd(59))) {
            int rows = 300;
            FeatureBatch batch = Models.rows(model, rows, 5353);
            DcnPlan plan = DcnPlan.of(model.spec(), rows, storage, Precision.BF16);
            float[] twin = Models.poisoned(rows * 2);
            PlanEmulator.score(plan, model.weights(), batch, twin);
            try (GpuDevice device =
                            GpuDevice.open(gpu, new GpuSettings(2, Models.ODD_ROWS, 0, Precision.BF16, storage));
                    Scorer scorer = device.load(model)) {
                float[] out = Models.poisoned(rows * 2 + 3);
                scorer.score(batch, out);
                double diff = Models.maxAbsDiff(twin, out, rows * 2);
                String what = model.spec().name() + " over " + storage + " tables";
                System.out.println("GpuDeviceTest BF16 " + what + ": max |diff| from the twin " + diff);
                assertTrue(diff <= 5e-4, what + ": max |diff| from the twin " + diff);
                for (int j = rows * 2; j < out.length; j++) {
                    assertTrue(Float.isNaN(out[j]), "wrote past the batch's scores at " + j);
                }
            }
        }
    }

    /**
     * BF16 and INT8 tables: the scores are the CPU twin's on the same encoded table within fp32's bound (only the
     * gather's decoding differs from an fp32 table), and the reference's within fp32's bound plus the storage's.
     */
    @ParameterizedTest
    @EnumSource(
            value = EmbeddingStorage.class,
            names = {"BF16", "INT8"})
    void embeddingStorages_scoreAsTheirCpuTwin_withinTheirBound(EmbeddingStorage storage) {
        Model.Dcn model = Models.calibrated(ModelPreset.DEMO, 47);
        int rows = 300; // two chunks of a lane
        FeatureBatch batch = Models.rows(model, rows, 4747);
        DcnPlan plan = DcnPlan.of(model.spec(), rows, storage, Precision.FP32);
        float[] twin = Models.poisoned(rows * 2);
        PlanEmulator.score(plan, model.weights(), batch, twin);
        float[] expected = Models.reference(model, batch);
        try (GpuDevice device = GpuDevice.open(gpu, new GpuSettings(2, LANE_ROWS, 0, Precision.FP32, storage));
                Scorer scorer = device.load(model)) {
            float[] out = Models.poisoned(rows * 2 + 3);
            scorer.score(batch, out);
            double twinDiff = Models.maxAbsDiff(twin, out, rows * 2);
            double referenceDiff = Models.maxAbsDiff(expected, out, rows * 2);
            System.out.println("GpuDeviceTest " + storage + " embeddings: max |diff| " + twinDiff + " from the twin, "
                    + referenceDiff + " from the reference");
            assertTrue(twinDiff <= Precision.FP32.tolerance(), storage + ": max |diff| from the twin " + twinDiff);
            assertTrue(
                    referenceDiff <= device.referenceTolerance(),
                    storage + ": max |diff| from the reference " + referenceDiff);
            for (int j = rows * 2; j < out.length; j++) {
                assertTrue(Float.isNaN(out[j]), "wrote past the batch's scores at " + j);
            }
        }
    }

    /** ReLU and calibration must pass a NaN on, as the CPU does: fmaxf/fmin would turn it into a plausible score. */
    @Test
    void aNaNFeature_scoresNaN_asTheReferenceDoes() {
        Model.Dcn model = Models.calibrated(ModelPreset.DEMO, 7);
        FeatureBatch batch = Models.rows(model, 3, 77);
        batch.dense()[batch.denseDims()] = Float.NaN; // row 1's first dense value
        float[] expected = Models.reference(model, batch);
        assertTrue(Float.isNaN(expected[2]) && Float.isNaN(expected[3]), "the reference scores row 1 NaN");
        for (Precision precision : Precision.values()) {
            try (GpuDevice device = open(precision, 0);
                    Scorer scorer = device.load(model)) {
                float[] out = new float[6];
                java.util.Arrays.fill(out, 0.5f);
                scorer.score(batch, out);
                assertTrue(
                        Float.isNaN(out[2]) && Float.isNaN(out[3]),
                        precision + ": row 1 scored " + out[2] + ", " + out[3]);
                for (int j : new int[] {0, 1, 4, 5}) {
                    assertEquals(expected[j], out[j], precision.tolerance(), precision + ": score " + j);
                }
            }
        }
    }

    @SuppressWarnings("try") // a loaded scorer holds device memory while it is open, which the body checks
    @Test
    void load_refusesAVersionThatDoesNotFitTheBudget_andTwoVersionsBothCount() {
        Model.Dcn model = Models.calibrated(ModelPreset.DEMO, 1);
        long one = DcnPlan.of(model.spec(), LANE_ROWS).deviceBytes(2);
        try (GpuDevice device = open(Precision.FP32, one * 2 - 1)) {
            try (Scorer first = device.load(model)) {
                assertEquals(one, device.usedBytes());
                DeviceMemoryException e = assertThrows(
                        DeviceMemoryException.class, () -> device.load(Models.calibrated(ModelPreset.DEMO, 2)));
                assertEquals("gpu" + gpu.ordinal(), e.device());
                assertEquals(one, e.neededBytes());
                assertEquals(one - 1, e.freeBytes());
            }
            assertEquals(0, device.usedBytes(), "closing the scorer returns its memory");
            assertTrue(device.healthy());
        }
    }

    @Test
    void scheduler_scoresConcurrentJobsOnTheGpu_matchingTheReference() throws Exception {
        Model.Dcn model = Models.calibrated(ModelPreset.REF, 5);
        try (GpuDevice device = open(Precision.FP32, 0)) {
            List<Device> devices = List.of(device);
            try (LoadedVersion version = LoadedVersion.load(model, devices);
                    BatchingScheduler scheduler = new BatchingScheduler(
                            SchedulerSettings.defaults()
                                    .withMaxBatchRows(LANE_ROWS)
                                    .withMaxQueueDelay(Duration.ofMillis(1)),
                            devices,
                            Ticker.SYSTEM)) {
                List<FeatureBatch> inputs = new ArrayList<>();
                List<CompletableFuture<float[]>> futures = new ArrayList<>();
                for (int i = 0; i < 16; i++) {
                    FeatureBatch rows = Models.rows(model, 20 + 37 * i, i);
                    inputs.add(rows);
                    futures.add(scheduler.submit(
                            version, rows, System.nanoTime() + TimeUnit.SECONDS.toNanos(30), Priority.LIVE));
                }
                for (int i = 0; i < futures.size(); i++) {
                    float[] scores = futures.get(i).get(30, TimeUnit.SECONDS);
                    double diff = Models.maxAbsDiff(Models.reference(model, inputs.get(i)), scores, scores.length);
                    assertTrue(diff <= 1e-4, "job " + i + ": max |diff| " + diff);
                }
                assertTrue(scheduler.stats().deviceHealth().get(device.name()));
            }
        }
    }

    /**
     * The fault drill of a real card: an injected fault fails the GPU's batch, which the CPU behind it scores instead;
     * the GPU is quarantined, recovers (a TRAP, sticky, rebuilds its context and uploads the version again) and, after
     * a passing probe, scores the batches again, matching the reference. No restart.
     */
    @ParameterizedTest
    @EnumSource(GpuFault.class)
    void injectedFault_batchRetriedOnTheCpu_andTheGpuReturnsAfterAPassingProbe(GpuFault fault) throws Exception {
        Model.Dcn model = Models.calibrated(ModelPreset.DEMO, 11);
        FaultSettings faults = new FaultSettings(Duration.ofSeconds(1), Duration.ofSeconds(2), 10_000, 0.01);
        try (GpuDevice device = open(Precision.FP32, 0);
                CountingDevice gpuCounted = new CountingDevice(device);
                CountingDevice cpu =
                        new CountingDevice(new CpuDevice("cpu0", 1, 1L << 30, true, CpuScorers.Engine.REFERENCE, 0))) {
            List<Device> devices = List.of(gpuCounted, cpu);
            try (LoadedVersion version = LoadedVersion.load(model, devices);
                    BatchingScheduler scheduler = new BatchingScheduler(
                            SchedulerSettings.defaults()
                                    .withMaxBatchRows(LANE_ROWS)
                                    .withMaxQueueDelay(Duration.ofMillis(1)),
                            faults,
                            devices,
                            Ticker.SYSTEM)) {
                scoreAndCheck(scheduler, version, model, 1);
                int gpuBatches = gpuCounted.batches.get();
                assertTrue(gpuBatches >= 1, "the GPU scores while healthy");

                device.injectFault(fault);
                scoreAndCheck(scheduler, version, model, 2);
                assertFalse(scheduler.stats().deviceHealth().get(device.name()), fault + ": quarantined");
                assertTrue(cpu.batches.get() >= 1, fault + ": the failed batch was scored on the CPU");
                assertEquals(gpuBatches + 1, gpuCounted.batches.get(), "one batch tried on the GPU, and failed");

                long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
                while (!scheduler.stats().deviceHealth().get(device.name()) && System.nanoTime() < until) {
                    Thread.sleep(20);
                }
                assertTrue(scheduler.stats().deviceHealth().get(device.name()), fault + ": back after a probe");
                assertTrue(device.healthy());
                int cpuBatches = cpu.batches.get();
                int before = gpuCounted.batches.get();
                scoreAndCheck(scheduler, version, model, 3);
                assertTrue(gpuCounted.batches.get() > before, fault + ": the GPU scores again");
                assertEquals(cpuBatches, cpu.batches.get(), fault + ": and the CPU is left alone");
            }
        }
    }

    private static void scoreAndCheck(BatchingScheduler scheduler, LoadedVersion version, Model.Dcn model, int seed)
            throws Exception {
        FeatureBatch rows = Models.rows(model, 100, seed);
        float[] scores = scheduler
                .submit(version, rows, System.nanoTime() + TimeUnit.SECONDS.toNanos(30), Priority.LIVE)
                .get(30, TimeUnit.SECONDS);
        double diff = Models.maxAbsDiff(Models.reference(model, rows), scores, scores.length);
        assertTrue(diff <= 1e-4, "max |diff| " + diff);
    }

    /** A device whose scorers count the batches they are asked to score, failed ones included. */
    private static final class CountingDevice implements Device {
        final Device inner;
        final AtomicInteger batches = new AtomicInteger();

        CountingDevice(Device inner) {
            this.inner = inner;
        }

        @Override
        public String name() {
            return inner.name();
        }

        @Override
        public int workers() {
            return inner.workers();
        }

        @Override
        public long memoryBudgetBytes() {
            return inner.memoryBudgetBytes();
        }

        @Override
        public boolean runs(Model model) {
            return inner.runs(model);
        }

        @Override
        public boolean fallbackOnly() {
            return inner.fallbackOnly();
        }

        @Override
        public boolean healthy() {
            return inner.healthy();
        }

        @Override
        public boolean recover() {
            return inner.recover();
        }

        @Override
        public Scorer load(Model model) {
            Scorer scorer = inner.load(model);
            return new Scorer() {
                @Override
                public ModelSpec spec() {
                    return scorer.spec();
                }

                @Override
                public void score(FeatureBatch batch, float[] out) {
                    batches.incrementAndGet();
                    scorer.score(batch, out);
                }

                @Override
                public void close() {
                    scorer.close();
                }
            };
        }

        @Override
        public void close() {
            // The test closes the device it wraps.
        }
    }

    @Test
    void kernelMillis_timesAForwardPass() {
        Model.Dcn model = Models.calibrated(ModelPreset.DEMO, 3);
        try (GpuDevice device = open(Precision.FP32, 0);
                Scorer scorer = device.load(model)) {
            double ms = device.kernelMillis(scorer, Models.rows(model, LANE_ROWS, 9), 3, 10);
            assertTrue(ms > 0 && ms < 1000, "ms per pass: " + ms);
            assertFalse(Double.isNaN(ms));
        }
    }
}
