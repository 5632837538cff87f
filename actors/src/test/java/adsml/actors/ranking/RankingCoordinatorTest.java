package adsml.actors.ranking;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.actors.models.ActiveModel;
import adsml.platform.auction.Auction;
import adsml.platform.auction.AuctionSettings;
import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.Targeting;
import adsml.platform.domain.Vocab;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSets;
import adsml.platform.features.RequestRow;
import adsml.platform.index.BudgetTracker;
import adsml.platform.testing.CandidateColumns;
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
import org.apache.pekko.actor.typed.ActorRef;
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
        return new RankQuery("r1", "u1", 1, 0, 0, new Context(0, 12, 0), 3, deadlineNanos, false);
    }

    private static final Campaign CAMPAIGN = new Campaign(0, 0, BidType.CPC, 1f, 100f, 0, Targeting.ANY);

    /** A coordinator whose retrieval is {@code retriever} and whose features go to {@code assembler}. */
    private static ActorRef<RankingCoordinator.Command> coordinator(
            TestProbe<CandidateRetriever.Command> retriever, TestProbe<FeatureAssembler.Command> assembler) {
        BatchingScheduler scheduler = new BatchingScheduler(
                SchedulerSettings.defaults(), List.of(new CpuDevice("cpu0", 1, 1L << 20)), Ticker.SYSTEM);
        BudgetTracker budget = new BudgetTracker(Clock.systemUTC());
        budget.register(CAMPAIGN);
        return KIT.spawn(RankingCoordinator.create(new RankingCoordinator.Pipeline(
                new StagePool<>(List.of(retriever.getRef())),
                new StagePool<>(List.of(assembler.getRef())),
                scheduler,
                new ActiveModel(),
                new FeatureStores(FeatureSets.builtIn(), null, () -> 0L),
                new Auction(new AuctionSettings(0.0, 10), budget),
                ServedLog.NONE,
                ShadowLog.NONE,
                Ticker.SYSTEM)));
    }

    @Test
    void deadlinePassing_answersDeadlineExceeded_evenWhenAStageNeverAnswers() {
        TestProbe<CandidateRetriever.Command> retriever = KIT.createTestProbe();
        TestProbe<FeatureAssembler.Command> assembler = KIT.createTestProbe();
        TestProbe<StatusReply<RankResult>> reply = KIT.createTestProbe();
        coordinator(retriever, assembler)
                .tell(new RankingCoordinator.Rank(
                        query(Ticker.SYSTEM.nanos() + Duration.ofMillis(50).toNanos()), reply.getRef()));
        retriever.expectMessageClass(CandidateRetriever.Retrieve.class);
        StatusReply<RankResult> answer = reply.receiveMessage(Duration.ofSeconds(2));
        assertTrue(answer.isError());
        assertInstanceOf(DeadlineExceededException.class, answer.getError());
    }

    @Test
    void aRequestTheAssemblerCouldNotScore_failsWithTheReason() {
        TestProbe<CandidateRetriever.Command> retriever = KIT.createTestProbe();
        TestProbe<FeatureAssembler.Command> assembler = KIT.createTestProbe();
        TestProbe<StatusReply<RankResult>> reply = KIT.createTestProbe();
        coordinator(retriever, assembler)
                .tell(new RankingCoordinator.Rank(
                        query(Ticker.SYSTEM.nanos() + Duration.ofSeconds(5).toNanos()), reply.getRef()));
        CandidateRetriever.Retrieve retrieve = retriever.expectMessageClass(CandidateRetriever.Retrieve.class);
        assertEquals(
                assembler.getRef(), retrieve.assembler(), "retrieval hands its candidates to the pool's assembler");
        retrieve.replyTo()
                .tell(new FeatureAssembler.Scored.Failed(retrieve.request(), features(), new NoActiveModelException()));
        StatusReply<RankResult> answer = reply.receiveMessage(Duration.ofSeconds(2));
        assertInstanceOf(NoActiveModelException.class, answer.getError());
    }

    @Test
    void requestsInFlightTogether_eachGetTheirOwnAnswer_andALateAnswerIsDropped() {
        TestProbe<CandidateRetriever.Command> retriever = KIT.createTestProbe();
        TestProbe<FeatureAssembler.Command> assembler = KIT.createTestProbe();
        TestProbe<StatusReply<RankResult>> first = KIT.createTestProbe();
        TestProbe<StatusReply<RankResult>> second = KIT.createTestProbe();
        ActorRef<RankingCoordinator.Command> coordinator = coordinator(retriever, assembler);
        long deadline = Ticker.SYSTEM.nanos() + Duration.ofSeconds(5).toNanos();
        coordinator.tell(new RankingCoordinator.Rank(query(deadline), first.getRef()));
        coordinator.tell(new RankingCoordinator.Rank(query(deadline), second.getRef()));
        CandidateRetriever.Retrieve r1 = retriever.expectMessageClass(CandidateRetriever.Retrieve.class);
        CandidateRetriever.Retrieve r2 = retriever.expectMessageClass(CandidateRetriever.Retrieve.class);
        assertNotEquals(r1.request(), r2.request());

        // Answered in the other order: the second's scores, then the first's failure.
        r2.replyTo().tell(new FeatureAssembler.Scored.Ready(r2.request(), features(), "v7", new float[] {0.5f}));
        r1.replyTo().tell(new FeatureAssembler.Scored.Failed(r1.request(), features(), new NoActiveModelException()));
        RankResult ranked = second.receiveMessage(Duration.ofSeconds(2)).getValue();
        assertEquals("v7", ranked.modelVersion());
        assertEquals(7, ranked.ads().get(0).adId());
        assertEquals(0.5f, ranked.ads().get(0).pctr());
        assertInstanceOf(
                NoActiveModelException.class,
                first.receiveMessage(Duration.ofSeconds(2)).getError());

        r2.replyTo().tell(new FeatureAssembler.Scored.Ready(r2.request(), features(), "v7", new float[] {0.5f}));
        second.expectNoMessage(Duration.ofMillis(200));
    }

    /** One assembled row: ad 7 of {@link #CAMPAIGN}, for a cold-start user. */
    static FeatureAssembler.Features features() {
        CandidateRetriever.Candidates candidates = new CandidateRetriever.Candidates(
                RequestRow.coldStart(0, 0, 1L, new Context(0, 12, 0)), true, new int[] {7}, 1, Ticker.SYSTEM.nanos());
        FeatureAssembly set = FeatureSets.builtIn(FeatureSets.DEFAULT);
        FeatureBatch batch = set.batch(1);
        batch.setRows(1);
        AdColumns ads = CandidateColumns.of(
                new Ad[] {new Ad(7, CAMPAIGN.id(), 0, 0, new float[Vocab.EMBEDDING_DIM])}, new Campaign[] {CAMPAIGN});
        return new FeatureAssembler.Features(set, batch, ads, null, candidates, 0L, true, Ticker.SYSTEM.nanos());
    }
}
