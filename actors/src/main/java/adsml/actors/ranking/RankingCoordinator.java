package adsml.actors.ranking;

import adsml.actors.models.ActiveModel;
import adsml.platform.auction.Auction;
import adsml.platform.auction.AuctionResult;
import adsml.platform.auction.Outcome;
import adsml.platform.features.DemoFeatures;
import adsml.platform.world.Campaign;
import adsml.platform.world.Vocab;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.DeadlineExceededException;
import adsml.scheduler.LoadedVersion;
import adsml.scheduler.Priority;
import adsml.scheduler.Ticker;
import adsml.scheduler.VersionRetiredException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.pattern.StatusReply;

/**
 * Runs one rank request, then stops: retrieval, features, scoring, auction, each stage timed.
 * The model version is read once, when scoring starts, so the whole request is scored by one
 * version even if a swap lands meanwhile. When the deadline passes first, the request fails with
 * {@link DeadlineExceededException} and whatever is still running for it is ignored (the scheduler
 * drops it unscored).
 */
public final class RankingCoordinator extends AbstractBehavior<RankingCoordinator.Command> {

    public sealed interface Command {
    }

    private record Retrieved(CandidateRetriever.Candidates candidates) implements Command {
    }

    private record Assembled(FeatureAssembler.Features features) implements Command {
    }

    private record Scored(FeatureAssembler.Features features, String version, float[] scores) implements Command {
    }

    private record Failed(Throwable cause) implements Command {
    }

    private enum DeadlineReached implements Command {
        INSTANCE
    }

    /** Everything a coordinator talks to; shared by all requests. */
    public record Pipeline(ActorRef<CandidateRetriever.Command> retriever, ActorRef<FeatureAssembler.Command> assembler,
                           BatchingScheduler scheduler, ActiveModel model, Auction auction, Ticker ticker) {
    }

    private final RankQuery query;
    private final Pipeline pipeline;
    private final ActorRef<StatusReply<RankResult>> replyTo;
    private final long started;
    private long retrieved;
    private long assembled;
    private long scored;
    private int candidates;
    private boolean coldStart;
    private FeatureAssembler.Features features;
    private boolean resubmitted;

    private RankingCoordinator(ActorContext<Command> context, RankQuery query, Pipeline pipeline,
                               ActorRef<StatusReply<RankResult>> replyTo) {
        super(context);
        this.query = query;
        this.pipeline = pipeline;
        this.replyTo = replyTo;
        this.started = pipeline.ticker().nanos();
    }

    public static Behavior<Command> create(RankQuery query, Pipeline pipeline, ActorRef<StatusReply<RankResult>> replyTo) {
        return Behaviors.setup(context -> Behaviors.withTimers(timers -> {
            RankingCoordinator coordinator = new RankingCoordinator(context, query, pipeline, replyTo);
            // A timer, not scheduleOnce: it is cancelled when the coordinator stops, so no dead letters.
            timers.startSingleTimer(DeadlineReached.INSTANCE,
                    Duration.ofNanos(Math.max(0, query.deadlineNanos() - coordinator.started)));
            ActorRef<CandidateRetriever.Candidates> adapter = context.messageAdapter(CandidateRetriever.Candidates.class, Retrieved::new);
            pipeline.retriever().tell(new CandidateRetriever.Retrieve(query, adapter));
            return coordinator;
        }));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Retrieved.class, this::onRetrieved)
                .onMessage(Assembled.class, this::onAssembled)
                .onMessage(Scored.class, this::onScored)
                .onMessage(Failed.class, this::onFailed)
                .onMessageEquals(DeadlineReached.INSTANCE, this::onDeadline)
                .build();
    }

    private Behavior<Command> onRetrieved(Retrieved r) {
        retrieved = pipeline.ticker().nanos();
        candidates = r.candidates().count();
        coldStart = r.candidates().coldStart();
        ActorRef<FeatureAssembler.Features> adapter = getContext().messageAdapter(FeatureAssembler.Features.class, Assembled::new);
        pipeline.assembler().tell(new FeatureAssembler.Assemble(query, r.candidates(), adapter));
        return this;
    }

    private Behavior<Command> onAssembled(Assembled a) {
        assembled = pipeline.ticker().nanos();
        if (a.features().batch().rows() == 0) {
            return pipeline.model().current().map(v -> finish(a.features(), v.id(), new float[0]))
                    .orElseGet(() -> fail(new NoActiveModelException()));
        }
        features = a.features();
        return submit();
    }

    /** Scores the features with the version active now; the whole request is scored by that one version. */
    private Behavior<Command> submit() {
        Optional<LoadedVersion> version = pipeline.model().current();
        if (version.isEmpty()) {
            return fail(new NoActiveModelException());
        }
        String id = version.get().id();
        FeatureAssembler.Features f = features;
        getContext().pipeToSelf(pipeline.scheduler().submit(version.get(), f.batch(), query.deadlineNanos(), Priority.LIVE),
                (scores, failure) -> failure == null ? new Scored(f, id, scores) : new Failed(failure));
        return this;
    }

    private Behavior<Command> onScored(Scored s) {
        if (pipeline.ticker().nanos() > query.deadlineNanos()) {
            return onDeadline(); // scores that come after the deadline are as good as none
        }
        try {
            return finish(s.features(), s.version(), s.scores());
        } catch (RuntimeException e) {
            getContext().getLog().error("ranking failed after scoring", e);
            return fail(e);
        }
    }

    private Behavior<Command> finish(FeatureAssembler.Features features, String version, float[] scores) {
        scored = pipeline.ticker().nanos();
        int rows = features.batch().rows();
        int heads = scores.length / Math.max(1, rows);
        float[] pctr = new float[rows];
        float[] pcvr = new float[rows];
        for (int i = 0; i < rows; i++) {
            pctr[i] = scores[i * heads];
            pcvr[i] = heads > 1 ? scores[i * heads + 1] : 0f;
        }
        int[] adIds = features.bids().adIds();
        AuctionResult auction = pipeline.auction().run(features.bids(), pctr, pcvr, query.slots());
        long done = pipeline.ticker().nanos();
        List<RankResult.RankedAd> ads = new ArrayList<>(auction.winners());
        for (int slot = 0; slot < auction.winners(); slot++) {
            int i = auction.candidateIndex(slot);
            Campaign c = features.campaigns()[i];
            ads.add(new RankResult.RankedAd(auction.adId(slot), c.id(), c.bidType().name(), c.bid(), pctr[i], pcvr[i],
                    auction.ecpm(slot), auction.priceBid(slot), slot));
        }
        List<RankResult.Candidate> debug = query.debug() ? explain(features, auction, adIds, pctr, pcvr) : List.of();
        RankResult.Timings timings = new RankResult.Timings(ms(retrieved - started), ms(assembled - retrieved),
                ms(scored - assembled), ms(done - scored), ms(done - started));
        replyTo.tell(StatusReply.success(new RankResult(version, ads, candidates, rows, timings, debug)));
        return Behaviors.stopped();
    }

    /** Every candidate with its features, scores and outcome, for {@code debug}: off the hot path, so objects per row are fine. */
    private List<RankResult.Candidate> explain(FeatureAssembler.Features features, AuctionResult auction, int[] adIds,
                                               float[] pctr, float[] pcvr) {
        int rows = features.batch().rows();
        int[] slotOf = new int[rows];
        Arrays.fill(slotOf, -1);
        for (int slot = 0; slot < auction.winners(); slot++) {
            slotOf[auction.candidateIndex(slot)] = slot;
        }
        double lastWinningEcpm = auction.winners() == 0 ? Double.NaN : auction.ecpm(auction.winners() - 1);
        double reserve = pipeline.auction().settings().reserveEcpm();
        String source = coldStart ? "cold-start" : "embedding";
        List<RankResult.Candidate> debug = new ArrayList<>(rows);
        float[] dense = features.batch().dense();
        int width = features.batch().denseDims();
        for (int i = 0; i < rows; i++) {
            Campaign c = features.campaigns()[i];
            float affinity = 0f;
            for (int d = 0; d < Vocab.EMBEDDING_DIM; d++) {
                affinity += dense[i * width + d] * dense[i * width + Vocab.EMBEDDING_DIM + d];
            }
            int slot = slotOf[i];
            Double price = slot < 0 ? null : auction.priceBid(slot);
            double ecpm = auction.candidateEcpm(i);
            debug.add(new RankResult.Candidate(adIds[i], c.id(), c.bidType().name(), c.bid(), features.ads()[i].category(),
                    Vocab.CREATIVE_TYPES[features.ads()[i].creativeType()], source, features.retrievalRank()[i], affinity,
                    dense[i * width + DemoFeatures.INTEREST_IN_CATEGORY], pctr[i], pcvr[i], ecpm, auction.outcome(i),
                    slot < 0 ? null : slot, price, reason(auction.outcome(i), c, ecpm, slot, price, reserve, lastWinningEcpm)));
        }
        return debug;
    }

    private static String reason(Outcome outcome, Campaign c, double ecpm, int slot, Double price, double reserve,
                                 double lastWinningEcpm) {
        return switch (outcome) {
            case WON -> String.format(Locale.ROOT, "won slot %d with eCPM %.4f; pays %.4f per %s (bid %.4f)",
                    slot, ecpm, price, unit(c), c.bid());
            case BELOW_RESERVE -> ecpm > 0
                    ? String.format(Locale.ROOT, "eCPM %.4f is below the reserve %.4f", ecpm, reserve)
                    : "eCPM is not positive: a zero or undefined prediction cannot win";
            case OUTBID -> Double.isNaN(lastWinningEcpm) ? "outbid: the request asked for no slot"
                    : String.format(Locale.ROOT, "outbid: eCPM %.4f is below the last winner's %.4f", ecpm, lastWinningEcpm);
            case OUT_OF_BUDGET -> "campaign " + c.id() + "'s daily budget is spent";
        };
    }

    private static String unit(Campaign c) {
        return switch (c.bidType()) {
            case CPC -> "click";
            case CPA -> "conversion";
            case CPM -> "1000 impressions";
        };
    }

    private Behavior<Command> onFailed(Failed f) {
        Throwable cause = f.cause() instanceof CompletionException && f.cause().getCause() != null
                ? f.cause().getCause() : f.cause();
        if (cause instanceof VersionRetiredException && !resubmitted) {
            // Two swaps landed between reading the active version and the job holding it: read it again, once.
            resubmitted = true;
            return submit();
        }
        return fail(cause);
    }

    private Behavior<Command> onDeadline() {
        return fail(new DeadlineExceededException("deadline of the request passed before it was ranked"));
    }

    private Behavior<Command> fail(Throwable cause) {
        replyTo.tell(StatusReply.error(cause));
        return Behaviors.stopped();
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
