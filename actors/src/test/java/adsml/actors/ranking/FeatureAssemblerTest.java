package adsml.actors.ranking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import adsml.actors.models.ActiveModel;
import adsml.platform.domain.Ad;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.Targeting;
import adsml.platform.domain.Vocab;
import adsml.platform.features.FeatureSets;
import adsml.platform.features.RequestRow;
import adsml.platform.index.BudgetTracker;
import adsml.platform.index.ExactAdIndex;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.CpuDevice;
import adsml.scheduler.SchedulerSettings;
import adsml.scheduler.Ticker;
import java.time.Clock;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class FeatureAssemblerTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    @Test
    void withoutAnActiveModel_theCandidatesComeBackUnscored_withTheReason() {
        Campaign campaign = new Campaign(0, 0, BidType.CPC, 1f, 100f, 0, Targeting.ANY);
        ExactAdIndex index = new ExactAdIndex(
                List.of(new Ad(0, 0, 0, 0, new float[Vocab.EMBEDDING_DIM])),
                List.of(campaign),
                new BudgetTracker(Clock.systemUTC()));
        BatchingScheduler scheduler = new BatchingScheduler(
                SchedulerSettings.defaults(), List.of(new CpuDevice("cpu0", 1, 1L << 20)), Ticker.SYSTEM);
        ActorRef<FeatureAssembler.Command> assembler = KIT.spawn(FeatureAssembler.create(
                index,
                scheduler,
                new ActiveModel(),
                new FeatureStores(FeatureSets.builtIn(), null, () -> 0L),
                Ticker.SYSTEM));
        TestProbe<FeatureAssembler.Scored> probe = KIT.createTestProbe();
        RankQuery query = new RankQuery("r1", "x", -1, 0, 0, new Context(0, 12, 0), 1, Long.MAX_VALUE, false);
        assembler.tell(new FeatureAssembler.Assemble(
                9,
                query,
                new CandidateRetriever.Candidates(
                        RequestRow.coldStart(0, 0, 1L, query.context()), true, new int[] {0}, 1, 0L),
                probe.getRef()));

        FeatureAssembler.Scored.Failed answer =
                assertInstanceOf(FeatureAssembler.Scored.Failed.class, probe.receiveMessage());
        assertInstanceOf(NoActiveModelException.class, answer.failure());
        assertEquals(9, answer.request(), "answered for the coordinator's request");
        assertEquals(0, answer.features().ads().adIds()[0], "the candidates come back, unscored");
        scheduler.close();
    }
}
