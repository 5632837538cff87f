package adsml.actors.ranking;

import adsml.actors.models.ActiveModel;
import adsml.platform.auction.Bids;
import adsml.platform.domain.AdColumns;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureBatch;
import adsml.platform.features.ShownToday;
import adsml.platform.index.AdIndex;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.LoadedVersion;
import adsml.scheduler.Priority;
import adsml.scheduler.Ticker;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Turns a request's candidates into one columnar {@link FeatureBatch} with the feature set of the version active now,
 * which scores the whole request: the request's row from the retriever, the ads' attributes from the index as columns
 * (one consistent read for all candidates), the real-time counters of every candidate in one read. An ad removed
 * between retrieval and assembly is dropped, not an error. It hands the batch to the scheduler with that version and
 * answers with the scores: the scheduler's checks of the batch read it here, while it is still in this core's cache,
 * and the coordinator is woken once for scoring, not once more for features.
 */
public final class FeatureAssembler extends AbstractBehavior<FeatureAssembler.Command> {

    public sealed interface Command {}

    /** Assemble, score and answer {@code replyTo} with the coordinator's number for the request, {@code request}. */
    public record Assemble(
            long request, RankQuery query, CandidateRetriever.Candidates candidates, ActorRef<Scored> replyTo)
            implements Command {}

    /**
     * The batch, the feature set that filled it, and, row for row, the ad and campaign attributes each row was built
     * from (their positions are the retrieval ranks) and how often the user was shown each today (null when the
     * counters could not be read); with the retrieval they came from, the wall-clock time the counters were read at,
     * whether they could be read, and the ticker's time when assembly finished.
     */
    public record Features(
            FeatureAssembly set,
            FeatureBatch batch,
            AdColumns ads,
            ShownToday shown,
            CandidateRetriever.Candidates candidates,
            long servedAtMs,
            boolean countersRead,
            long assembledNanos) {
        /** What the auction reads of the rows: views of the same columns, nothing copied. */
        public Bids bids() {
            return new Bids(
                    candidates.user().context().surface(),
                    ads.adIds(),
                    ads.campaignIds(),
                    ads.advertiserIds(),
                    ads.bids(),
                    ads.bidTypes(),
                    shown == null ? null : shown.ads(),
                    shown == null ? null : shown.campaigns());
        }
    }

    /** The answer to {@link Assemble}: the request's features, scored or not. */
    public sealed interface Scored {
        long request();

        Features features();

        /**
         * Row-major {@code [rows, heads]} scores by {@code version}. A request without rows has no scores to wait for:
         * it is answered at once, with the active version.
         */
        record Ready(long request, Features features, String version, float[] scores) implements Scored {}

        /** The features could not be scored, for {@code failure}. */
        record Failed(long request, Features features, Throwable failure) implements Scored {}
    }

    private final AdIndex index;
    private final BatchingScheduler scheduler;
    private final ActiveModel model;
    private final FeatureStores stores;
    private final Ticker ticker;

    private FeatureAssembler(
            ActorContext<Command> context,
            AdIndex index,
            BatchingScheduler scheduler,
            ActiveModel model,
            FeatureStores stores,
            Ticker ticker) {
        super(context);
        this.index = index;
        this.scheduler = scheduler;
        this.model = model;
        this.stores = stores;
        this.ticker = ticker;
    }

    public static Behavior<Command> create(
            AdIndex index, BatchingScheduler scheduler, ActiveModel model, FeatureStores stores, Ticker ticker) {
        return Behaviors.setup(context -> new FeatureAssembler(context, index, scheduler, model, stores, ticker));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder().onMessage(Assemble.class, this::onAssemble).build();
    }

    private Behavior<Command> onAssemble(Assemble assemble) {
        if (ticker.nanos() >= assemble.query().deadlineNanos()) {
            return this; // answered at its deadline already
        }
        CandidateRetriever.Candidates c = assemble.candidates();
        AdColumns ads = index.resolve(c.adIds(), c.count());
        Optional<LoadedVersion> version = model.forUser(c.user().userHash());
        if (version.isEmpty()) {
            assemble.replyTo()
                    .tell(new Scored.Failed(
                            assemble.request(),
                            new Features(null, null, ads, null, c, 0, false, ticker.nanos()),
                            new NoActiveModelException()));
            return this;
        }
        Features features;
        try {
            features = assemble(stores.setOf(version.get()), ads, c, stores, ticker);
        } catch (RuntimeException e) {
            // Answered now, as a failure the coordinator maps to a status: not left to its deadline.
            assemble.replyTo()
                    .tell(new Scored.Failed(
                            assemble.request(), new Features(null, null, ads, null, c, 0, false, ticker.nanos()), e));
            return this;
        }
        score(assemble.request(), features, assemble.query(), version.get(), scheduler, assemble.replyTo());
        return this;
    }

    /** Fills the candidates' rows with {@code set}: one batch, one read of the counters for every row. */
    static Features assemble(
            FeatureAssembly set, AdColumns ads, CandidateRetriever.Candidates c, FeatureStores stores, Ticker ticker) {
        FeatureBatch batch = set.batch(ads.rows());
        long now = stores.wallClockMs().getAsLong();
        boolean countersRead = set.fill(batch, 0, c.user(), ads, stores.counters(), now);
        batch.setRows(ads.rows());
        ShownToday shown = ShownToday.read(stores.counters(), c.user(), ads, now);
        return new Features(set, batch, ads, shown, c, now, countersRead && shown != null, ticker.nanos());
    }

    /**
     * Scores {@code features}, filled with {@code version}'s feature set, with that version and answers {@code replyTo}
     * when the scores are back, from the thread that completes them. Shared with the coordinator, which scores a
     * request again when a swap retired its version before the batch held it.
     */
    static void score(
            long request,
            Features features,
            RankQuery query,
            LoadedVersion version,
            BatchingScheduler scheduler,
            ActorRef<Scored> replyTo) {
        String id = version.id();
        if (features.batch().rows() == 0) {
            replyTo.tell(new Scored.Ready(request, features, id, new float[0]));
            return;
        }
        scheduler
                .submit(version, features.batch(), query.deadlineNanos(), Priority.LIVE)
                .whenComplete((scores, failure) -> replyTo.tell(
                        failure == null
                                ? new Scored.Ready(request, features, id, scores)
                                : new Scored.Failed(request, features, failure)));
    }
}
