package adsml.platform.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.RandomFeatures;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/** 10^5 batches through one scorer: no native array may outlive its batch, and native memory stays flat. */
class DjlScorerMemoryTest {

    @Test
    void score_100kBatches_leaksNoNativeMemory() throws IOException {
        ModelSpec spec = ModelPreset.DEMO.spec("t", "1");
        FeatureBatch batch = RandomFeatures.batch(spec.schema(), 4, 11);
        float[] out = new float[4 * 2];
        try (DjlScorer scorer = DjlScorer.of(new Model.Dcn(spec, DcnWeights.random(spec, 1)))) {
            for (int i = 0; i < 10_000; i++) {
                scorer.score(batch, out);
            }
            int arraysAfterWarmup = scorer.liveNativeArrays();
            long nativeAfterWarmup = nativeKb();
            for (int i = 0; i < 100_000; i++) {
                scorer.score(batch, out);
            }
            assertEquals(arraysAfterWarmup, scorer.liveNativeArrays(), "native arrays grew");
            long growthKb = nativeKb() - nativeAfterWarmup;
            // A batch whose native scope leaked would keep its inputs and activations (over 10 kB
            // at 4 rows): above 1 GB here. The bound leaves room for what is not a leak: the JVM
            // touching fresh pages of a large young generation moves this figure by ~100 MB.
            assertTrue(
                    growthKb < 384 * 1024,
                    "memory outside the Java heap grew by " + growthKb + " kB over 10^5 batches");
        }
    }

    /** Resident memory less the committed Java heap, whose growth is the collector's business, not a leak. */
    private static long nativeKb() throws IOException {
        System.gc();
        return residentKb() - Runtime.getRuntime().totalMemory() / 1024;
    }

    private static long residentKb() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IllegalStateException("no VmRSS in /proc/self/status");
    }
}
