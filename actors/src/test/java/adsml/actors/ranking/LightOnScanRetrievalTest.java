package adsml.actors.ranking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.auction.Auction;
import adsml.platform.counters.EmbeddedCounterStore;
import adsml.platform.domain.Ad;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import adsml.platform.funnel.LightOnScan;
import adsml.platform.funnel.LightRanker;
import adsml.platform.index.BudgetTracker;
import adsml.platform.index.IvfAdIndex;
import adsml.platform.index.RetrievalTower;
import adsml.platform.index.ScanAdIndex;
import adsml.platform.index.ann.AdFilter;
import adsml.platform.index.ann.CpuInventoryScan;
import adsml.platform.index.ann.InventoryScan;
import adsml.platform.model.Architecture;
import adsml.platform.model.LrWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelSpec;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.testing.DelegatingScan;
import adsml.platform.testing.InMemoryUserStore;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import adsml.scheduler.Ticker;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The retriever with an inventory scan that light-ranks ({@link LightOnScan}): a known user's candidates are the light
 * model's best over every eligible ad, and a scan that fails costs the request nothing but the scan's reach.
 */
class LightOnScanRetrievalTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final World WORLD =
            WorldGenerator.generate(new WorldConfig(8, 3_000, 20, 0, 0), ProgressListener.NONE);

    @TempDir
    Path dir;

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    /** The CPU twin, whose searches fail while {@link #failing} is set. */
    private static final class SwitchableScan extends DelegatingScan {
        final AtomicBoolean failing = new AtomicBoolean();
        final AtomicInteger searches = new AtomicInteger();

        SwitchableScan(CpuInventoryScan inner) {
            super(inner);
        }

        @Override
        public int[] search(int from, float[][] queries, AdFilter[] filters, BitSet exhausted, int k, long[][] out) {
            searches.incrementAndGet();
            if (failing.get()) {
                throw new IllegalStateException("gpu0: an injected launch failure");
            }
            return inner.search(from, queries, filters, exhausted, k, out);
        }
    }

    /** A light-v1 LR whose weights are all 0: one pCTR and one pCVR for every ad, so its best are the best bids. */
    private Path zeroLight(float ctrLogit, float cvrLogit) throws Exception {
        FeatureSchema schema = FeatureSets.builtIn().require("light-v1").schema();
        ModelSpec spec = new ModelSpec(
                "light", "0", Architecture.LR, schema, 0, 0, List.of(), ModelSpec.CTR_CVR, Map.of(), null, Map.of());
        return ModelFolder.saveNextVersion(
                new Model.Lr(
                        spec,
                        new LrWeights(
                                new float[2 * schema.totalRows()],
                                new float[2 * schema.denseDims()],
                                new float[] {ctrLogit, cvrLogit})),
                dir.resolve("models").resolve("light"));
    }

    @Test
    void theScansLightRanking_givesTheBestOverEveryEligibleAd_andAFailingScanFallsBackToTheCpu() throws Exception {
        BudgetTracker budget = new BudgetTracker(Clock.systemUTC());
        RetrievalTower tower = new RetrievalTower(64, 8);
        SwitchableScan[] scan = new SwitchableScan[1];
        LightRanker light = new LightRanker();
        light.activate(LightRanker.load(zeroLight(-4f, -3f), FeatureSets.builtIn()));
        try (EmbeddedCounterStore counters = new EmbeddedCounterStore(1000);
                ScanAdIndex index = ScanAdIndex.open(
                        IvfAdIndex.open(WORLD, budget, tower, dir.resolve("ivf.bin")),
                        tower,
                        budget,
                        (dim, capacity) -> scan[0] = new SwitchableScan(new CpuInventoryScan(dim, capacity)),
                        Duration.ofSeconds(10)); // a loaded machine's pauses are not the scan's faults
                LightOnScan keeper = LightOnScan.start(light, index, counters, () -> 0L)) {
            long giveUp = System.nanoTime() + 10_000_000_000L;
            while (keeper.live().isEmpty()) {
                assertTrue(System.nanoTime() < giveUp, "the scan light-ranks within 10 s");
                Thread.sleep(10);
            }
            assertEquals(Optional.of("light/1"), keeper.live());
            FeatureStores stores = new FeatureStores(FeatureSets.builtIn(), counters, () -> 0L);
            ActorRef<CandidateRetriever.Command> retriever = KIT.spawn(CandidateRetriever.create(
                    index,
                    new InMemoryUserStore(WORLD.users()),
                    Runnable::run,
                    new CandidateRetriever.Funnel(5, 2_000, light, stores, Optional.of(keeper)),
                    Ticker.SYSTEM));
            TestProbe<FeatureAssembler.Command> probe = KIT.createTestProbe();

            User user = WORLD.user(4);
            float pCtr = (float) (1 / (1 + Math.exp(4))), pCvr = (float) (1 / (1 + Math.exp(3)));
            List<Integer> best = WORLD.ads().stream()
                    .filter(a -> WORLD.campaign(a.campaignId()).targeting().matches(user))
                    .sorted(Comparator.<Ad>comparingDouble(
                                    a -> -(float) Auction.ecpm(WORLD.campaign(a.campaignId()), pCtr, pCvr))
                            .thenComparingInt(Ad::id))
                    .limit(5)
                    .map(Ad::id)
                    .toList();

            int before = scan[0].searches.get();
            retriever.tell(retrieve(user, probe));
            CandidateRetriever.Candidates ranked = handedOn(probe);
            assertEquals(before + 1, scan[0].searches.get(), "the scan ranked it");
            assertEquals("light/1", ranked.lightVersion());
            assertTrue(ranked.retrieved() > 5 && ranked.retrieved() <= InventoryScan.MAX_K, "the scan's best");
            assertEquals(
                    best,
                    java.util.Arrays.stream(ranked.adIds(), 0, ranked.count())
                            .boxed()
                            .toList());

            scan[0].failing.set(true);
            retriever.tell(retrieve(user, probe));
            CandidateRetriever.Candidates fellBack = handedOn(probe);
            assertEquals(before + 2, scan[0].searches.get(), "the scan was asked, and failed");
            assertEquals("light/1", fellBack.lightVersion(), "the CPU cut of the standby's retrieval");
            assertEquals(5, fellBack.count());
            assertTrue(fellBack.retrieved() > 5, "the standby's retrieval");
        }
    }

    private static CandidateRetriever.Retrieve retrieve(User user, TestProbe<FeatureAssembler.Command> assembler) {
        return new CandidateRetriever.Retrieve(
                41,
                new RankQuery("r1", "u" + user.id(), user.id(), 0, 0, new Context(0, 12, 0), 1, Long.MAX_VALUE, false),
                assembler.getRef(),
                KIT.<FeatureAssembler.Scored>createTestProbe().getRef());
    }

    private static CandidateRetriever.Candidates handedOn(TestProbe<FeatureAssembler.Command> assembler) {
        return assembler
                .expectMessageClass(FeatureAssembler.Assemble.class, Duration.ofSeconds(5))
                .candidates();
    }
}
