package adsml.actors.ranking;

import adsml.actors.models.ActiveModel;
import adsml.platform.auction.Auction;
import adsml.platform.auction.AuctionResult;
import adsml.platform.auction.AuctionSettings;
import adsml.platform.auction.Outcome;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Vocab;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.RequestRow;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.DeadlineExceededException;
import adsml.scheduler.LoadedVersion;
import adsml.scheduler.Priority;
import adsml.scheduler.Ticker;
import adsml.scheduler.VersionRetiredException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.pattern.StatusReply;

/**
 * Coordinates rank requests, many at a time: retrieval, which hands its candidates straight to feature assembly, which
 * hands the batch to the scheduler and answers with the scores; then the auction and the answer. Each stage is timed.
 * The model version is read once, when scoring starts, so the whole request is scored by one version even if a swap
 * lands meanwhile. When a request's deadline passes first, it fails with {@link DeadlineExceededException} and whatever
 * is still running for it is ignored (the scheduler drops it unscored).
 *
 * <p>Long-lived, one per core, each holding its requests in flight by number: an actor per request would cost a spawn,
 * its start and stop messages and its parent's notice of the stop, on every request, on the dispatcher that also runs
 * HTTP.
 */
public final class RankingCoordinator extends AbstractBehavior<RankingCoordinator.Command> {

    public sealed interface Command {}

    /** Rank {@code query}; the answer, or why not, goes to {@code replyTo} by the query's deadline. */
    public record Rank(RankQuery query, ActorRef<StatusReply<RankResult>> replyTo) implements Command {}

    private record Answered(FeatureAssembler.Scored scored) implements Command {}

    private record DeadlineReached(long request) implements Command {}

    /** Everything a coordinator talks to; shared by all requests. */
    public record Pipeline(
            StagePool<CandidateRetriever.Command> retrievers,
            StagePool<FeatureAssembler.Command> assemblers,
            BatchingScheduler scheduler,
            ActiveModel model,
            FeatureStores stores,
            Auction auction,
            ServedLog servedLog,
            ShadowLog shadowLog,
            Ticker ticker) {}

    /** A request in flight. */
    private static final class InFlight {
        final RankQuery query;
        final ActorRef<StatusReply<RankResult>> replyTo;
        final long started;
        boolean resubmitted;
        // Set once ranked: what a shadow version's scores of the same rows are compared with.
        float[] pCtr;
        AuctionResult auction;

        InFlight(RankQuery query, ActorRef<StatusReply<RankResult>> replyTo, long started) {
            this.query = query;
            this.replyTo = replyTo;
            this.started = started;
        }
    }

    private final Pipeline pipeline;
    private final TimerScheduler<Command> timers;
    private final ActorRef<FeatureAssembler.Scored> answers;
    private final Map<Long, InFlight> inFlight = new HashMap<>();
    private long nextRequest;

    private RankingCoordinator(ActorContext<Command> context, TimerScheduler<Command> timers, Pipeline pipeline) {
        super(context);
        this.pipeline = pipeline;
        this.timers = timers;
        this.answers = context.messageAdapter(FeatureAssembler.Scored.class, Answered::new);
    }

    public static Behavior<Command> create(Pipeline pipeline) {
        return Behaviors.setup(
                context -> Behaviors.withTimers(timers -> new RankingCoordinator(context, timers, pipeline)));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Rank.class, this::onRank)
                .onMessage(Answered.class, this::onAnswered)
                .onMessage(DeadlineReached.class, d -> onDeadline(d.request()))
                .build();
    }

    private Behavior<Command> onRank(Rank rank) {
        long request = nextRequest++;
        InFlight r =
                new InFlight(rank.query(), rank.replyTo(), pipeline.ticker().nanos());
        inFlight.put(request, r);
        // A keyed timer, cancelled when the request is answered: no message for a request long gone.
        timers.startSingleTimer(
                request,
                new DeadlineReached(request),
                Duration.ofNanos(Math.max(0, r.query.deadlineNanos() - r.started)));
        pipeline.retrievers()
                .next()
                .tell(new CandidateRetriever.Retrieve(
                        request, r.query, pipeline.assemblers().next(), answers));
        return this;
    }

    private Behavior<Command> onAnswered(Answered a) {
        FeatureAssembler.Scored s = a.scored();
        InFlight r = inFlight.get(s.request());
        if (r == null) {
            return this; // answered at its deadline already
        }
        if (s instanceof FeatureAssembler.Scored.Failed failed) {
            Throwable cause = failed.failure() instanceof CompletionException
                            && failed.failure().getCause() != null
                    ? failed.failure().getCause()
                    : failed.failure();
            if (cause instanceof VersionRetiredException && !r.resubmitted) {
                // Two swaps landed between reading the active version and the job holding it: read it again, once.
                r.resubmitted = true;
                Optional<LoadedVersion> now = pipeline.model().current();
                if (now.isEmpty()) {
                    return fail(s.request(), new NoActiveModelException());
                }
                FeatureAssembler.Features features = s.features();
                FeatureAssembly set = pipeline.stores().setOf(now.get());
                if (set != features.set()) {
                    // The new version reads another feature set: its rows are built again, here, once. Rare (two
                    // swaps within one request); a failure fails this request only.
                    try {
                        features = FeatureAssembler.assemble(
                                set, features.ads(), features.candidates(), pipeline.stores(), pipeline.ticker());
                    } catch (RuntimeException e) {
                        return fail(s.request(), e);
                    }
                }
                FeatureAssembler.score(s.request(), features, r.query, now.get(), pipeline.scheduler(), answers);
                return this;
            }
            return fail(s.request(), cause);
        }
        FeatureAssembler.Scored.Ready ready = (FeatureAssembler.Scored.Ready) s;
        if (pipeline.ticker().nanos() > r.query.deadlineNanos()) {
            return onDeadline(s.request()); // scores that come after the deadline are as good as none
        }
        RankResult result;
        try {
            result = result(r, ready.features(), ready.version(), ready.scores());
        } catch (RuntimeException e) {
            getContext().getLog().error("ranking failed after scoring", e);
            return fail(s.request(), e);
        }
        done(s.request()).replyTo.tell(StatusReply.success(result));
        mirror(r, ready.features(), ready.version());
        return this;
    }

    /**
     * Has the shadow version, if one is set, score the rows the live version just scored, as shadow work: after the
     * answer went, never waited for, shed first by the scheduler when live work queues. The shadow gets the time the
     * request had, from now. Its scores, or that it was shed, go to the shadow log from the thread that completes them.
     */
    private void mirror(InFlight r, FeatureAssembler.Features features, String version) {
        Optional<LoadedVersion> shadow = pipeline.model().shadow();
        if (shadow.isEmpty() || features.batch().rows() == 0) {
            return;
        }
        LoadedVersion s = shadow.get();
        String id = s.id();
        if (id.equals(version)) {
            return; // a canary's user, served by the shadow itself: nothing to compare
        }
        ShadowLog log = pipeline.shadowLog();
        if (pipeline.stores().setOf(s) != features.set()) {
            log.shed(id); // the active version changed to one of another feature set since the shadow started
            return;
        }
        String requestId = r.query.requestId();
        float[] livePctr = r.pCtr;
        AuctionResult auction = r.auction;
        long deadline = pipeline.ticker().nanos() + (r.query.deadlineNanos() - r.started);
        pipeline.scheduler()
                .submit(s, features.batch(), deadline, Priority.SHADOW)
                .whenComplete((scores, failure) -> {
                    if (failure == null) {
                        log.scored(id, requestId, livePctr, scores, auction);
                    } else {
                        log.shed(id);
                    }
                });
    }

    private Behavior<Command> onDeadline(long request) {
        return fail(request, new DeadlineExceededException("deadline of the request passed before it was ranked"));
    }

    private Behavior<Command> fail(long request, Throwable cause) {
        InFlight r = done(request);
        if (r != null) {
            r.replyTo.tell(StatusReply.error(cause));
        }
        return this;
    }

    /** Forgets {@code request} and its timer; returns it, or null when it was answered already. */
    private InFlight done(long request) {
        timers.cancel(request);
        return inFlight.remove(request);
    }

    private RankResult result(InFlight r, FeatureAssembler.Features features, String version, float[] scores) {
        long scored = pipeline.ticker().nanos();
        long retrieved = features.candidates().retrievedNanos();
        long assembled = features.assembledNanos();
        int rows = features.batch().rows();
        int heads = scores.length / Math.max(1, rows);
        float[] pctr = new float[rows];
        float[] pcvr = new float[rows];
        for (int i = 0; i < rows; i++) {
            pctr[i] = scores[i * heads];
            pcvr[i] = heads > 1 ? scores[i * heads + 1] : 0f;
        }
        int[] adIds = features.ads().adIds();
        AuctionResult auction = pipeline.auction().run(features.bids(), pctr, pcvr, r.query.slots());
        long done = pipeline.ticker().nanos();
        List<RankResult.RankedAd> ads = new ArrayList<>(auction.winners());
        AdColumns columns = features.ads();
        for (int slot = 0; slot < auction.winners(); slot++) {
            int i = auction.candidateIndex(slot);
            ads.add(new RankResult.RankedAd(
                    auction.adId(slot),
                    columns.campaignIds()[i],
                    columns.bidTypes()[i].name(),
                    columns.bids()[i],
                    pctr[i],
                    pcvr[i],
                    (float) auction.ecpm(slot),
                    (float) auction.priceBid(slot),
                    (float) auction.priceEcpm(slot),
                    slot,
                    auction.propensity(slot)));
        }
        List<RankResult.Candidate> debug = r.query.debug() ? explain(features, auction, adIds, pctr, pcvr) : List.of();
        long cut = features.candidates().cutNanos();
        RankResult.Timings timings = new RankResult.Timings(
                ms(retrieved - r.started),
                ms(cut - retrieved),
                ms(assembled - cut),
                ms(scored - assembled),
                ms(done - scored),
                ms(done - r.started));
        if (r.query.requestId() != null) {
            pipeline.servedLog().served(r.query, features, version, pctr, pcvr, auction);
        }
        r.pCtr = pctr;
        r.auction = auction;
        return new RankResult(
                version,
                features.candidates().lightVersion(),
                ads,
                features.candidates().retrieved(),
                rows,
                timings,
                debug,
                r.query.debug() ? features.set().groups() : Map.of());
    }

    /**
     * Every candidate with its features, scores and outcome, for {@code debug}: off the hot path, so objects per row
     * are fine.
     */
    private List<RankResult.Candidate> explain(
            FeatureAssembler.Features features, AuctionResult auction, int[] adIds, float[] pctr, float[] pcvr) {
        int rows = features.batch().rows();
        int[] slotOf = new int[rows];
        Arrays.fill(slotOf, -1);
        for (int slot = 0; slot < auction.winners(); slot++) {
            slotOf[auction.candidateIndex(slot)] = slot;
        }
        double lastWinningEcpm = auction.winners() == 0 ? Double.NaN : auction.ecpm(auction.winners() - 1);
        AuctionSettings settings = pipeline.auction().settings();
        double reserve =
                settings.reserveEcpm(features.candidates().user().context().surface());
        CandidateRetriever.Candidates c = features.candidates();
        String source = c.coldStart() ? "cold-start" : c.lightVersion() != null ? "light-model" : "embedding";
        List<RankResult.Candidate> debug = new ArrayList<>(rows);
        AdColumns ads = features.ads();
        RequestRow user = features.candidates().user();
        for (int i = 0; i < rows; i++) {
            BidType bidType = ads.bidTypes()[i];
            float bid = ads.bids()[i];
            float affinity = 0f;
            for (int d = 0; d < Vocab.EMBEDDING_DIM; d++) {
                affinity += user.embedding()[d] * ads.embeddings()[i * Vocab.EMBEDDING_DIM + d];
            }
            int slot = slotOf[i];
            Float price = slot < 0 ? null : (float) auction.priceBid(slot);
            double ecpm = auction.candidateEcpm(i);
            debug.add(new RankResult.Candidate(
                    adIds[i],
                    ads.campaignIds()[i],
                    bidType.name(),
                    bid,
                    ads.categories()[i],
                    Vocab.CREATIVE_TYPES[ads.creativeTypes()[i]],
                    source,
                    ads.positions()[i],
                    affinity,
                    user.weightByCategory()[ads.categories()[i]],
                    pctr[i],
                    pcvr[i],
                    (float) ecpm,
                    auction.outcome(i),
                    slot < 0 ? null : slot,
                    price,
                    reason(
                            auction.outcome(i),
                            ads.campaignIds()[i],
                            ads.advertiserIds()[i],
                            bidType,
                            bid,
                            ecpm,
                            slot,
                            price,
                            reserve,
                            lastWinningEcpm,
                            pctr[i],
                            settings,
                            features.shown() == null ? 0 : features.shown().ads()[i],
                            features.shown() == null ? 0 : features.shown().campaigns()[i]),
                    features.set().describe(features.batch(), i)));
        }
        return debug;
    }

    private static String reason(
            Outcome outcome,
            int campaignId,
            int advertiserId,
            BidType bidType,
            float bid,
            double ecpm,
            int slot,
            Float price,
            double reserve,
            double lastWinningEcpm,
            float pCtr,
            AuctionSettings settings,
            float adShown,
            float campaignShown) {
        return switch (outcome) {
            case WON ->
                String.format(
                        Locale.ROOT,
                        "won slot %d with eCPM %.4f; pays %.4f per %s (bid %.4f)",
                        slot,
                        ecpm,
                        price,
                        unit(bidType),
                        bid);
            case BELOW_RESERVE ->
                ecpm > 0
                        ? String.format(Locale.ROOT, "eCPM %.4f is below the reserve %.4f", ecpm, reserve)
                        : "eCPM is not positive: a zero or undefined prediction cannot win";
            case OUTBID ->
                Double.isNaN(lastWinningEcpm)
                        ? "outbid: the request asked for no slot"
                        : String.format(
                                Locale.ROOT,
                                "outbid: eCPM %.4f is below the last winner's %.4f",
                                ecpm,
                                lastWinningEcpm);
            case DIVERSITY ->
                String.format(
                        Locale.ROOT,
                        "diversity: eCPM %.4f ranked for a slot, but advertiser %d (campaign %d) already holds as many"
                                + " slots of this response as the auction allows",
                        ecpm,
                        advertiserId,
                        campaignId);
            case OUT_OF_BUDGET ->
                "campaign " + campaignId + "'s daily budget is spent, or what is left of it is held for a winner in"
                        + " flight";
            case PACED_OUT ->
                "paced out: campaign " + campaignId + " sat this auction out, to spread its daily budget over the day";
            case FREQUENCY_CAPPED ->
                String.format(
                        Locale.ROOT,
                        "frequency cap: the user was shown this ad %d times and campaign %d %d times today (caps: %d"
                                + " per ad, %d per campaign a day)",
                        (int) adShown,
                        campaignId,
                        (int) campaignShown,
                        settings.frequencyCap().adPerDay(),
                        settings.frequencyCap().campaignPerDay());
            case BELOW_QUALITY_FLOOR ->
                String.format(
                        Locale.ROOT,
                        "below the quality floor: pCTR %.5f is below the %.5f a slot needs",
                        pCtr,
                        settings.qualityFloor());
            case INVALID_SCORE -> "a prediction outside [0, 1] or not finite: the model's output cannot be priced";
        };
    }

    private static String unit(BidType bidType) {
        return switch (bidType) {
            case CPC -> "click";
            case CPA -> "conversion";
            case CPM -> "1000 impressions";
        };
    }

    private static double ms(long nanos) {
        return nanos / 1e6;
    }
}
