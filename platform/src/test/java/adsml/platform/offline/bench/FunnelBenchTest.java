package adsml.platform.offline.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import adsml.platform.funnel.LightRanker;
import adsml.platform.model.Architecture;
import adsml.platform.model.LrWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelSpec;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FunnelBenchTest {
    private static final FeatureSets SETS = FeatureSets.builtIn();

    /** An LR over {@code set} that gives every row the same pCTR and pCVR: it ranks by bid alone. */
    private static Model flat(String name, String set) {
        FeatureSchema schema = SETS.require(set).schema();
        ModelSpec spec = new ModelSpec(
                name, "1", Architecture.LR, schema, 0, 0, List.of(), ModelSpec.CTR_CVR, Map.of(), null, Map.of());
        return new Model.Lr(
                spec,
                new LrWeights(
                        new float[2 * schema.totalRows()], new float[2 * schema.denseDims()], new float[] {-4f, -3f}));
    }

    @Test
    void everyWidthIsMeasuredAgainstTheOracle(@TempDir Path models) throws Exception {
        World world = WorldGenerator.generate(new WorldConfig(4, 3_000, 200, 2_000, 0), ProgressListener.NONE);
        Path light = ModelFolder.saveNextVersion(flat("light", "light-v1"), models.resolve("light"));
        FunnelBench.Config config = new FunnelBench.Config(60, 3, 50, List.of(50, 500, 3_000), 7);
        FunnelBench.Report report =
                FunnelBench.run(world, flat("ctr", "demo-v1"), LightRanker.load(light, SETS), SETS, config);

        assertEquals(3, report.rows().size());
        assertEquals(
                List.of(50, 500, 3_000),
                report.rows().stream().map(FunnelBench.Row::retrieved).toList());
        assertTrue(report.rows().stream().allMatch(r -> r.scored() == 50));
        assertTrue(report.oracleRpm() > 0, "the oracle earns");
        for (FunnelBench.Row row : report.rows()) {
            assertTrue(row.rpm() > 0 && row.ofOracle() > 0, row::toString);
            assertTrue(row.ctr() > 0 && row.ctr() < 0.5, row::toString);
        }

        FunnelBench.Report again =
                FunnelBench.run(world, flat("ctr", "demo-v1"), LightRanker.load(light, SETS), SETS, config);
        assertEquals(report.oracleRpm(), again.oracleRpm());
        assertEquals(report.rows().get(1).rpm(), again.rows().get(1).rpm());
    }

    @Test
    void widthsNarrowerThanTheHeavyModelAreRefused() {
        assertThrows(IllegalArgumentException.class, () -> new FunnelBench.Config(10, 3, 100, List.of(50), 1));
        assertThrows(IllegalArgumentException.class, () -> new FunnelBench.Config(10, 0, 100, List.of(100), 1));
    }
}
