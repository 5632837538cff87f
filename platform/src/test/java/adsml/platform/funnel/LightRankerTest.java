package adsml.platform.funnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.auction.Auction;
import adsml.platform.counters.EmbeddedCounterStore;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.Context;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import adsml.platform.features.RequestRow;
import adsml.platform.index.BudgetTracker;
import adsml.platform.index.ExactAdIndex;
import adsml.platform.model.Architecture;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.InvalidModelException;
import adsml.platform.model.LrWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LightRankerTest {
    private static final World WORLD =
            WorldGenerator.generate(new WorldConfig(3, 2_000, 20, 0, 0), ProgressListener.NONE);
    private static final FeatureSets SETS = FeatureSets.builtIn();

    @TempDir
    Path models;

    /** An LR over {@code set} whose every weight is 0 but the biases: one pCTR and one pCVR for every row. */
    private Path save(String name, String set, float ctrLogit, float cvrLogit) throws Exception {
        FeatureSchema schema = SETS.require(set).schema();
        ModelSpec spec = new ModelSpec(
                name, "0", Architecture.LR, schema, 0, 0, List.of(), ModelSpec.CTR_CVR, Map.of(), null, Map.of());
        LrWeights weights = new LrWeights(
                new float[2 * schema.totalRows()], new float[2 * schema.denseDims()], new float[] {ctrLogit, cvrLogit});
        return ModelFolder.saveNextVersion(new Model.Lr(spec, weights), models.resolve(name));
    }

    @Test
    void cut_keepsTheBestByEcpmBestFirst() throws Exception {
        LightRanker.Version light = LightRanker.load(save("light", "light-v1", -3f, -2f), SETS);
        assertEquals("light/1", light.id());
        ExactAdIndex index = ExactAdIndex.of(WORLD, new BudgetTracker(Clock.systemUTC()));
        int[] ids = IntStream.range(0, 1500).toArray();
        AdColumns ads = index.resolve(ids, ids.length);
        RequestRow row = RequestRow.of(WORLD.user(4), new Context(0, 12, 0));
        int[] out = new int[100];
        int n;
        try (EmbeddedCounterStore counters = new EmbeddedCounterStore(1000)) {
            n = LightRanker.cut(light, row, ads, counters, 0L, 100, out);
        }
        assertEquals(100, n);
        // Every row scores the same probabilities: the cut is the ads by bid's eCPM, ties to the lower id.
        float ctr = (float) (1 / (1 + Math.exp(3))), cvr = (float) (1 / (1 + Math.exp(2)));
        int[] expected = IntStream.range(0, ads.rows())
                .boxed()
                .sorted(Comparator.<Integer>comparingDouble(
                                r -> -(float) Auction.ecpm(ads.bidTypes()[r], ads.bids()[r], ctr, cvr))
                        .thenComparingInt(r -> ads.adIds()[r]))
                .limit(100)
                .mapToInt(r -> ads.adIds()[r])
                .toArray();
        assertArrayEquals(expected, out);
        assertEquals(0, LightRanker.cut(light, row, ads, null, 0L, 0, out));
    }

    @Test
    void cut_onAThreadThatCutBefore_isTheCutOfAFreshOne() throws Exception {
        // Weights that read the rows: the category and the towers' affinity move pCTR.
        FeatureSchema schema = SETS.require("light-v1").schema();
        float[] sparse = new float[2 * schema.totalRows()];
        float[] dense = new float[2 * schema.denseDims()];
        SplittableRandom random = new SplittableRandom(5);
        for (int i = 0; i < sparse.length; i++) {
            sparse[i] = (float) random.nextGaussian(0, 0.5);
        }
        for (int i = 0; i < dense.length; i++) {
            dense[i] = (float) random.nextGaussian(0, 0.5);
        }
        ModelSpec spec = new ModelSpec(
                "light", "0", Architecture.LR, schema, 0, 0, List.of(), ModelSpec.CTR_CVR, Map.of(), null, Map.of());
        Path dir = ModelFolder.saveNextVersion(
                new Model.Lr(spec, new LrWeights(sparse, dense, new float[] {-3f, -2f})), models.resolve("light"));
        LightRanker.Version light = LightRanker.load(dir, SETS);
        ExactAdIndex index = ExactAdIndex.of(WORLD, new BudgetTracker(Clock.systemUTC()));
        AdColumns wide = index.resolve(IntStream.range(0, 2_000).toArray(), 2_000);
        AdColumns narrow =
                index.resolve(IntStream.range(0, 300).map(i -> 1_999 - i).toArray(), 300);
        RequestRow a = RequestRow.of(WORLD.user(1), new Context(0, 12, 0));
        RequestRow b = RequestRow.coldStart(2, 1, 7L, new Context(1, 20, 0));
        try (EmbeddedCounterStore counters = new EmbeddedCounterStore(1000)) {
            int[] fresh = new int[40];
            Thread other = new Thread(() -> LightRanker.cut(light, b, narrow, counters, 0L, 40, fresh));
            other.start();
            other.join();
            int[] reused = new int[40];
            LightRanker.cut(light, a, wide, counters, 0L, 40, new int[40]);
            assertEquals(40, LightRanker.cut(light, b, narrow, counters, 0L, 40, reused));
            assertArrayEquals(fresh, reused);
        }
    }

    @Test
    void activeVersion_swapsAndEnds() throws Exception {
        LightRanker ranker = new LightRanker();
        assertFalse(ranker.active().isPresent());
        LightRanker.Version v1 = LightRanker.load(save("light", "light-v1", 0f, 0f), SETS);
        LightRanker.Version v2 = LightRanker.load(save("light", "light-v1", 1f, 0f), SETS);
        ranker.activate(v1);
        ranker.activate(v2);
        assertEquals("light/2", ranker.active().orElseThrow().id());
        ranker.end();
        assertTrue(ranker.active().isEmpty());
    }

    @Test
    void load_refusesWhatCannotServe() throws Exception {
        Path v = save("light", "light-v1", 0f, 0f);
        Path renamed = models.resolve("other").resolve("1");
        Files.createDirectories(renamed.getParent());
        Files.move(v, renamed);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> LightRanker.load(renamed, SETS));
        assertTrue(e.getMessage().contains("other/1"), e.getMessage());
        assertThrows(InvalidModelException.class, () -> LightRanker.load(models.resolve("none/1"), SETS));
        ModelSpec dcnSpec = ModelPreset.DEMO.spec("dcn", "0");
        Path dcn = ModelFolder.saveNextVersion(
                new Model.Dcn(dcnSpec, DcnWeights.random(dcnSpec, 3)), models.resolve("dcn"));
        InvalidModelException notLr = assertThrows(InvalidModelException.class, () -> LightRanker.load(dcn, SETS));
        assertTrue(notLr.getMessage().contains("must be an LR"), notLr.getMessage());
    }
}
