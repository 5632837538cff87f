package adsml.bench;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.RandomFeatures;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.platform.scoring.ReferenceScorer;
import adsml.platform.scoring.Scorer;
import adsml.scheduler.gpu.CudaDevices;
import adsml.scheduler.gpu.EmbeddingStorage;
import adsml.scheduler.gpu.GpuDevice;
import adsml.scheduler.gpu.GpuSettings;
import adsml.scheduler.gpu.Precision;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The GPU backend's benchmark, for a GPU machine: for the demo and x100 presets, in fp32, TF32 and BF16, at batches of
 * 256 to 16384 rows, it reports
 *
 * <ul>
 *   <li>kernel time per batch with the inputs on the device (CUDA events), as candidates/s and TFLOP/s beside the
 *       card's datasheet peak;
 *   <li>{@code score()} per batch as the scheduler calls it (stage in pinned memory, copy ids and dense values in,
 *       kernels, copy scores out): p50 and p99 from one caller, and candidates/s from two callers on the device's two
 *       streams;
 *   <li>the largest difference from the Java reference on fresh random rows, in the same run.
 * </ul>
 *
 * It also writes the presets' shapes for {@code dcn_torch.py}, which times the same models in PyTorch on the same card.
 * Usage: {@code GpuBenchmark OUT_DIR}. Exits 2, saying why, without a GPU.
 */
public final class GpuBenchmark {
    private static final int[] BATCHES = {256, 1024, 4096, 16384};
    private static final ModelPreset[] PRESETS = {ModelPreset.DEMO, ModelPreset.X100};
    private static final long MEASURE_NANOS = 600_000_000L;
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private GpuBenchmark() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 1) {
            System.err.println("usage: GpuBenchmark OUT_DIR");
            System.exit(64);
        }
        CudaDevices.Discovery discovery = CudaDevices.discover();
        if (!discovery.found()) {
            System.err.println("no CUDA device: " + discovery.reason());
            System.exit(2);
        }
        Path out = Files.createDirectories(Path.of(args[0]));
        CudaDevices.Info card = discovery.devices().get(0);
        System.out.printf(
                Locale.ROOT,
                "card: %s, %.1f GiB, compute %d.%d, CUDA driver API %d%n",
                card.name(),
                card.totalBytes() / (double) (1L << 30),
                card.major(),
                card.minor(),
                discovery.driverVersion());
        writeShapes(out.resolve("shapes.json"));

        List<Map<String, Object>> rows = new ArrayList<>();
        for (ModelPreset preset : PRESETS) {
            ModelSpec spec = preset.spec(preset.name().toLowerCase(Locale.ROOT), "1");
            Model.Dcn model = new Model.Dcn(spec, DcnWeights.random(spec, 7));
            FeatureBatch check = RandomFeatures.batch(spec.schema(), preset == ModelPreset.X100 ? 32 : 256, 99);
            float[] expected = new float[check.rows() * spec.heads().size()];
            ReferenceScorer.of(model).score(check, expected);
            for (Precision precision : Precision.values()) {
                GpuSettings settings =
                        new GpuSettings(2, BATCHES[BATCHES.length - 1], 0, precision, EmbeddingStorage.FP32);
                try (GpuDevice device = GpuDevice.open(card, settings);
                        Scorer scorer = device.load(model)) {
                    double diff = maxDiff(scorer, check, expected);
                    for (int batch : BATCHES) {
                        Map<String, Object> row = measure(device, scorer, spec, batch);
                        row.put("preset", preset.name().toLowerCase(Locale.ROOT));
                        row.put("precision", precision.name().toLowerCase(Locale.ROOT));
                        row.put("maxAbsDiffVsReference", diff);
                        row.put("tolerance", precision.tolerance());
                        row.put("peakTflops", peakTflops(card.name(), precision));
                        rows.add(row);
                        print(row);
                    }
                }
            }
        }
        Map<String, Object> result = new LinkedHashMap<>();
        result.put("card", card.name());
        result.put("cudaDriverApi", discovery.driverVersion());
        result.put("rows", rows);
        JSON.writeValue(out.resolve("java.json").toFile(), result);
    }

    private static Map<String, Object> measure(GpuDevice device, Scorer scorer, ModelSpec spec, int batch)
            throws Exception {
        // Several input sets, rotated, so that no timing reads one batch from cache again and again.
        FeatureBatch[] inputs = new FeatureBatch[4];
        for (int i = 0; i < inputs.length; i++) {
            inputs[i] = RandomFeatures.batch(spec.schema(), batch, 1000L * batch + i);
        }
        double kernelMs = device.kernelMillis(scorer, inputs[0], 5, 1);
        int repeats = (int) Math.max(5, Math.min(500, 300 / Math.max(kernelMs, 1e-3)));
        kernelMs = device.kernelMillis(scorer, inputs[1], 5, repeats);

        float[] out = new float[batch * spec.heads().size()];
        for (int i = 0; i < 10; i++) {
            scorer.score(inputs[i % inputs.length], out);
        }
        long[] nanos = new long[20_000];
        int n = 0;
        long until = System.nanoTime() + MEASURE_NANOS;
        while (n < nanos.length && (n < 20 || System.nanoTime() < until)) {
            long t0 = System.nanoTime();
            scorer.score(inputs[n % inputs.length], out);
            nanos[n++] = System.nanoTime() - t0;
        }
        long[] sorted = Arrays.copyOf(nanos, n);
        Arrays.sort(sorted);
        double meanMs = Arrays.stream(sorted).average().orElse(Double.NaN) / 1e6;

        double twoCallers = twoCallerCandidatesPerSecond(scorer, inputs, spec);
        double flops = (double) spec.flopsPerCandidate() * batch;
        Map<String, Object> row = new LinkedHashMap<>();
        row.put("batch", batch);
        row.put("kernelMs", kernelMs);
        row.put("kernelCandidatesPerSecond", batch / kernelMs * 1e3);
        row.put("kernelTflops", flops / (kernelMs * 1e-3) / 1e12);
        row.put("scoreP50Ms", sorted[n / 2] / 1e6);
        row.put("scoreP99Ms", sorted[Math.min(n - 1, (int) Math.ceil(n * 0.99) - 1)] / 1e6);
        row.put("scoreCandidatesPerSecond", batch / meanMs * 1e3);
        row.put("scoreCandidatesPerSecondTwoCallers", twoCallers);
        row.put("scoreSamples", n);
        return row;
    }

    /**
     * Two threads score for a fixed time, as the device's two scheduler workers do: their copies and kernels overlap.
     */
    private static double twoCallerCandidatesPerSecond(Scorer scorer, FeatureBatch[] inputs, ModelSpec spec)
            throws Exception {
        AtomicLong rows = new AtomicLong();
        long start = System.nanoTime();
        long until = start + MEASURE_NANOS;
        List<Thread> threads = new ArrayList<>();
        List<Throwable> errors = new java.util.concurrent.CopyOnWriteArrayList<>();
        for (int t = 0; t < 2; t++) {
            int first = t;
            Thread thread = new Thread(() -> {
                float[] out = new float[inputs[0].rows() * spec.heads().size()];
                try {
                    for (int i = first; System.nanoTime() < until; i += 2) {
                        scorer.score(inputs[i % inputs.length], out);
                        rows.addAndGet(inputs[0].rows());
                    }
                } catch (Throwable e) {
                    errors.add(e);
                }
            });
            threads.add(thread);
            thread.start();
        }
        for (Thread thread : threads) {
            thread.join();
        }
        if (!errors.isEmpty()) {
            throw new IllegalStateException("a scoring thread failed", errors.get(0));
        }
        return rows.get() / ((System.nanoTime() - start) / 1e9);
    }

    private static double maxDiff(Scorer scorer, FeatureBatch batch, float[] expected) {
        float[] out = new float[expected.length];
        Arrays.fill(out, Float.NaN);
        scorer.score(batch, out);
        double max = 0;
        for (int i = 0; i < out.length; i++) {
            max = Float.isNaN(out[i]) ? Double.POSITIVE_INFINITY : Math.max(max, Math.abs(out[i] - expected[i]));
        }
        return max;
    }

    /**
     * Dense datasheet peaks (TFLOP/s) of the cards this project is lent; NaN for others. Leads, not measurements:
     * kernels are held against measured ceilings where known.
     */
    private static double peakTflops(String card, Precision precision) {
        boolean pcie = card.contains("PCIe");
        if (card.contains("H100") || card.contains("H200")) {
            return switch (precision) {
                case FP32 -> pcie ? 51 : 67;
                case TF32 -> pcie ? 378 : 495;
                case BF16 -> pcie ? 756 : 989;
            };
        }
        return Double.NaN;
    }

    /** The presets' shapes, for dcn_torch.py to build the same models. */
    private static void writeShapes(Path file) throws Exception {
        List<Map<String, Object>> shapes = new ArrayList<>();
        for (ModelPreset preset : PRESETS) {
            ModelSpec spec = preset.spec(preset.name().toLowerCase(Locale.ROOT), "1");
            Map<String, Object> shape = new LinkedHashMap<>();
            shape.put("preset", spec.name());
            shape.put("tableRows", spec.schema().totalRows());
            shape.put("slots", spec.schema().sparseSlots());
            shape.put(
                    "slotVocabs",
                    spec.schema().slots().stream().map(s -> s.vocab()).toList());
            shape.put("embeddingDim", spec.embeddingDim());
            shape.put("dense", spec.schema().denseDims());
            shape.put("crossLayers", spec.crossLayers());
            shape.put("mlp", spec.mlp());
            shape.put("heads", spec.heads().size());
            shape.put("flopsPerCandidate", spec.flopsPerCandidate());
            shape.put("batches", Arrays.stream(BATCHES).boxed().toList());
            shapes.add(shape);
        }
        JSON.writeValue(file.toFile(), shapes);
    }

    private static void print(Map<String, Object> r) {
        System.out.printf(
                Locale.ROOT,
                "%-5s %-5s batch %5d | kernels %8.3f ms %7.2fM cand/s %6.1f TFLOP/s (peak %s) | score() p50 %8.3f"
                        + " p99 %8.3f ms, %7.2fM cand/s, two callers %7.2fM cand/s | max |diff| %.2e%n",
                r.get("preset"),
                r.get("precision"),
                (Integer) r.get("batch"),
                (Double) r.get("kernelMs"),
                (Double) r.get("kernelCandidatesPerSecond") / 1e6,
                (Double) r.get("kernelTflops"),
                r.get("peakTflops"),
                (Double) r.get("scoreP50Ms"),
                (Double) r.get("scoreP99Ms"),
                (Double) r.get("scoreCandidatesPerSecond") / 1e6,
                (Double) r.get("scoreCandidatesPerSecondTwoCallers") / 1e6,
                (Double) r.get("maxAbsDiffVsReference"));
    }
}
