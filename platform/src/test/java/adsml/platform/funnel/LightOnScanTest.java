package adsml.platform.funnel;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.counters.EmbeddedCounterStore;
import adsml.platform.domain.Ad;
import adsml.platform.domain.Context;
import adsml.platform.features.FeatureSets;
import adsml.platform.features.RequestRow;
import adsml.platform.index.Audience;
import adsml.platform.index.BudgetTracker;
import adsml.platform.index.IvfAdIndex;
import adsml.platform.index.RetrievalTower;
import adsml.platform.index.ScanAdIndex;
import adsml.platform.index.ann.AdFilter;
import adsml.platform.index.ann.CpuInventoryScan;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LightOnScanTest {
    private static final World WORLD =
            WorldGenerator.generate(new WorldConfig(4, 3_000, 20, 0, 0), ProgressListener.NONE);
    private static final LightRanker.Version LIGHT =
            LightModels.randomLr("light/1", FeatureSets.builtIn().require("light-v1"), 0.5, 2, 11);

    @TempDir
    Path dir;

    @Test
    void followsTheActiveVersion_leavesOneItCannotCarryToTheCpu_andEndsWithIt() throws Exception {
        BudgetTracker budget = new BudgetTracker(Clock.systemUTC());
        RetrievalTower tower = new RetrievalTower(64, 4);
        LightRanker light = new LightRanker();
        RequestRow row = RequestRow.of(WORLD.user(2), new Context(1, 12, 0));
        AdFilter filter = Audience.of(WORLD.user(2)).filter();
        int[] out = new int[1000];
        try (EmbeddedCounterStore counters = new EmbeddedCounterStore(1000);
                ScanAdIndex index = ScanAdIndex.open(
                        IvfAdIndex.open(WORLD, budget, tower, dir.resolve("ivf.bin")),
                        tower,
                        budget,
                        CpuInventoryScan::new,
                        Duration.ofSeconds(10));
                LightOnScan keeper = LightOnScan.manual(light, index, counters, () -> 0L)) {
            keeper.keep();
            assertEquals(Optional.empty(), keeper.live());

            light.activate(LIGHT);
            assertTrue(keeper.retrieveLater(LIGHT, row, filter, 1000, out).isEmpty(), "not before its priors");
            keeper.keep();
            assertEquals(Optional.of("light/1"), keeper.live());
            assertEquals(Optional.of("light/1"), index.lightRanking());
            int found = keeper.retrieveLater(LIGHT, row, filter, 1000, out)
                    .orElseThrow()
                    .toCompletableFuture()
                    .join();
            // The scan's best 1,000 hold the CPU cut's best 50 over every eligible ad.
            int[] scanCut = new int[50];
            LightRanker.cut(LIGHT, row, index.resolve(out, found), counters, 0L, 50, scanCut);
            int[] eligible = WORLD.ads().stream()
                    .filter(a -> WORLD.campaign(a.campaignId()).targeting().matches(WORLD.user(2)))
                    .mapToInt(Ad::id)
                    .toArray();
            int[] exactCut = new int[50];
            LightRanker.cut(LIGHT, row, index.resolve(eligible, eligible.length), counters, 0L, 50, exactCut);
            assertArrayEquals(exactCut, scanCut);

            LightRanker.Version crossed = LightModels.bidByUser("bids/1");
            light.activate(crossed);
            keeper.keep();
            assertEquals(Optional.empty(), keeper.live(), "a version the scan cannot carry: the CPU cut's");
            assertEquals(Optional.empty(), index.lightRanking());
            assertTrue(keeper.retrieveLater(crossed, row, filter, 1000, out).isEmpty());

            light.activate(LIGHT);
            keeper.keep();
            assertEquals(Optional.of("light/1"), keeper.live());
            light.end();
            keeper.keep();
            assertEquals(Optional.empty(), keeper.live());
            assertEquals(Optional.empty(), index.lightRanking());
        }
    }
}
