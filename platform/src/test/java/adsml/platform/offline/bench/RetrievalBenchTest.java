package adsml.platform.offline.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.index.ann.IvfIndex;
import adsml.platform.offline.generator.InventoryGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RetrievalBenchTest {
    @TempDir
    Path data;

    @Test
    void measuresRecallLatencyAndUpdates_andTheSecondRunLoadsTheIndex() throws IOException {
        RetrievalBench.Config config = new RetrievalBench.Config(
                20_000,
                new InventoryGenerator.Space(32, 8),
                80,
                200,
                1,
                0.2,
                IvfIndex.Settings.forAds(20_000),
                data,
                false);
        PrintStream log = new PrintStream(new ByteArrayOutputStream());
        RetrievalBench.Report first = RetrievalBench.run(config, log);
        assertFalse(first.loaded());
        assertTrue(
                first.ivf().recall() > 0.9 && first.ivf().recall() <= 1,
                "recall " + first.ivf().recall());
        assertTrue(first.ivf().p50Ms() > 0 && first.ivf().p99Ms() >= first.ivf().p50Ms());
        assertTrue(first.updateVisibleMs() < 1_000, "update visible in " + first.updateVisibleMs() + " ms");
        assertTrue(first.minEligibleShare() < 0.05, "a selective request: " + first.minEligibleShare());
        assertTrue(first.ivf().bytesPerAd() > 32 && first.ivf().bytesPerAd() < 400);

        RetrievalBench.Report second = RetrievalBench.run(config, log);
        assertTrue(second.loaded(), "the index was kept in " + data);
        assertEquals(first.ivf().recall(), second.ivf().recall(), 1e-12, "the same lists answer the same");
    }

    @Test
    void recall_countsTheShareOfTheExactTopFound() {
        assertEquals(0.5, RetrievalBench.recall(new int[] {4, 9, 7}, 3, new int[] {9, 1}), 1e-12);
        assertEquals(1.0, RetrievalBench.recall(new int[0], 0, new int[0]), 1e-12);
    }
}
