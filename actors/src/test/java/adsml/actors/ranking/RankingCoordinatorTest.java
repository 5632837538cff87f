package adsml.actors.ranking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.actors.models.ActiveModel;
import adsml.platform.auction.Auction;
import adsml.platform.auction.Bids;
import adsml.platform.auction.AuctionSettings;
import adsml.platform.features.DemoFeatures;
import adsml.platform.features.FeatureBatch;
import adsml.platform.index.BudgetTracker;
import adsml.platform.world.Ad;
import adsml.platform.world.BidType;
import adsml.platform.world.Campaign;
import adsml.platform.world.Context;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.CpuDevice;
import adsml.scheduler.DeadlineExceededException;
import adsml.scheduler.SchedulerSettings;
import adsml.scheduler.Ticker;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

class RankingCoordinatorTest {
    private static final ActorTestKit KIT = ActorTestKit.create();

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    private static RankQuery query(long deadlineNanos) {
        return new RankQuery(1, 0, 0, new Context(0, 12, 0), 3, deadlineNanos, false);
    }

    private static RankingCoordinator.Pipeline pipeline(TestProbe<CandidateRetriever.Command> retriever,
                                                        TestProbe<FeatureAssembler.Command> assembler, ActiveModel model) {
        BatchingScheduler scheduler = new BatchingScheduler(SchedulerSettings.defaults(),
                List.of(new CpuDevice("cpu0", 1, 1L << 20)), Ticker.SYSTEM);
        return new RankingCoordinator.Pipeline(retriever.getRef(), assembler.getRef(), scheduler, model,
                new Auction(new AuctionSettings(0.0, 10), new BudgetTracker(Clock.systemUTC())), Ticker.SYSTEM);
    }

    @Test
    void deadlinePassing_answersDeadlineExceeded_evenWhenAStageNeverAnswers() {
        TestProbe<CandidateRetriever.Command> retriever = KIT.createTestProbe();
        TestProbe<FeatureAssembler.Command> assembler = KIT.createTestProbe();
        TestProbe<StatusReply<RankResult>> reply = KIT.createTestProbe();
        KIT.spawn(RankingCoordinator.create(query(Ticker.SYSTEM.nanos() + Duration.ofMillis(50).toNanos()),
                pipeline(retriever, assembler, new ActiveModel()), reply.getRef()));
        retriever.expectMessageClass(CandidateRetriever.Retrieve.class);
        StatusReply<RankResult> answer = reply.receiveMessage(Duration.ofSeconds(2));
        assertTrue(answer.isError());
        assertInstanceOf(DeadlineExceededException.class, answer.getError());
    }

    @Test
    void noActiveModel_answersNoActiveModel() {
        TestProbe<CandidateRetriever.Command> retriever = KIT.createTestProbe();
        TestProbe<FeatureAssembler.Command> assembler = KIT.createTestProbe();
        TestProbe<StatusReply<RankResult>> reply = KIT.createTestProbe();
        KIT.spawn(RankingCoordinator.create(query(Ticker.SYSTEM.nanos() + Duration.ofSeconds(5).toNanos()),
                pipeline(retriever, assembler, new ActiveModel()), reply.getRef()));
        CandidateRetriever.Retrieve retrieve = retriever.expectMessageClass(CandidateRetriever.Retrieve.class);
        retrieve.replyTo().tell(new CandidateRetriever.Candidates(DemoFeatures.coldStart(0, 0), true, new int[] {7}, 1));
        FeatureAssembler.Assemble assemble = assembler.expectMessageClass(FeatureAssembler.Assemble.class);
        assertEquals(1, assemble.candidates().count());
        FeatureBatch batch = FeatureBatch.forSchema(DemoFeatures.SCHEMA, 1);
        batch.setRows(1);
        assemble.replyTo().tell(new FeatureAssembler.Features(batch, new Ad[1], new Campaign[1], new Bids(new int[1], new int[1], new float[1], new BidType[] {BidType.CPC}), new int[1]));
        StatusReply<RankResult> answer = reply.receiveMessage(Duration.ofSeconds(2));
        assertInstanceOf(NoActiveModelException.class, answer.getError());
    }
}
