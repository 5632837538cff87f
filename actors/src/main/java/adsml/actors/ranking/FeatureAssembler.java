package adsml.actors.ranking;

import adsml.actors.models.ActiveModel;
import adsml.platform.auction.Bids;
import adsml.platform.domain.AdColumns;
import adsml.platform.features.DemoFeatures;
import adsml.platform.features.FeatureBatch;
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
 * Turns a request's candidates into one columnar {@link FeatureBatch}: the user row computed by the retriever, the ads'
 * attributes from the index as columns (one consistent read for all candidates), the context from the request. An ad
 * removed between retrieval and assembly is dropped, not an error. It hands the batch to the scheduler with the version
 * active now, which scores the whole request, and answers with the scores: the scheduler's checks of the batch read it
 * here, while it is still in this core's cache, and the coordinator is woken once for scoring, not once more for
 * features.
 */
public final class FeatureAssembler extends AbstractBehavior<FeatureAssembler.Command> {

    public sealed interface Command {}

    /** Assemble, score and answer {@code replyTo} with the coordinator's number for the request, {@code request}. */
    public record Assemble(
            long request, RankQuery query, CandidateRetriever.Candidates candidates, ActorRef<Scored> replyTo)
            implements Command {}

    /**
     * The batch and, row for row, the ad and campaign attributes each row was built from (their positions are the
     * retrieval ranks); with the retrieval they came from and the ticker's time when assembly finished.
     */
    public record Features(
            FeatureBatch batch, AdColumns ads, CandidateRetriever.Candidates candidates, long assembledNanos) {
        /** What the auction reads of the rows: views of the same columns, nothing copied. */
        public Bids bids() {
            return new Bids(ads.adIds(), ads.campaignIds(), ads.bids(), ads.bidTypes());
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
    private final Ticker ticker;

    private FeatureAssembler(
            ActorContext<Command> context,
            AdIndex index,
            BatchingScheduler scheduler,
            ActiveModel model,
            Ticker ticker) {
        super(context);
        this.index = index;
        this.scheduler = scheduler;
        this.model = model;
        this.ticker = ticker;
    }

    public static Behavior<Command> create(
            AdIndex index, BatchingScheduler scheduler, ActiveModel model, Ticker ticker) {
        return Behaviors.setup(context -> new FeatureAssembler(context, index, scheduler, model, ticker));
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
        FeatureBatch batch = FeatureBatch.forSchema(DemoFeatures.SCHEMA, ads.rows());
        DemoFeatures.fillRows(batch, c.user(), ads, assemble.query().context());
        batch.setRows(ads.rows());
        Features features = new Features(batch, ads, c, ticker.nanos());
        score(assemble.request(), features, assemble.query(), model, scheduler, assemble.replyTo());
        return this;
    }

    /**
     * Scores {@code features} with the version active now and answers {@code replyTo} when the scores are back, from
     * the thread that completes them. Shared with the coordinator, which scores a request again when a swap retired its
     * version before the batch held it.
     */
    static void score(
            long request,
            Features features,
            RankQuery query,
            ActiveModel model,
            BatchingScheduler scheduler,
            ActorRef<Scored> replyTo) {
        Optional<LoadedVersion> version = model.current();
        if (version.isEmpty()) {
            replyTo.tell(new Scored.Failed(request, features, new NoActiveModelException()));
            return;
        }
        String id = version.get().id();
        if (features.batch().rows() == 0) {
            replyTo.tell(new Scored.Ready(request, features, id, new float[0]));
            return;
        }
        scheduler
                .submit(version.get(), features.batch(), query.deadlineNanos(), Priority.LIVE)
                .whenComplete((scores, failure) -> replyTo.tell(
                        failure == null
                                ? new Scored.Ready(request, features, id, scores)
                                : new Scored.Failed(request, features, failure)));
    }
}
