package adsml.actors.ranking;

import adsml.platform.auction.Bids;
import adsml.platform.features.DemoFeatures;
import adsml.platform.features.FeatureBatch;
import adsml.platform.index.AdIndex;
import adsml.platform.world.Ad;
import adsml.platform.world.Campaign;
import adsml.scheduler.Ticker;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Turns a request's candidates into one columnar {@link FeatureBatch}: the user row computed by
 * the retriever, each ad's row from the index (one consistent read for all candidates), the
 * context from the request. An ad removed between retrieval and assembly is dropped, not an error.
 */
public final class FeatureAssembler extends AbstractBehavior<FeatureAssembler.Command> {

    public sealed interface Command {
    }

    public record Assemble(RankQuery query, CandidateRetriever.Candidates candidates, ActorRef<Features> replyTo)
            implements Command {
    }

    /**
     * The batch and, row for row, the ad and campaign each row was built from, and what the auction
     * reads of them, gathered here while they are in cache.
     */
    public record Features(FeatureBatch batch, Ad[] ads, Campaign[] campaigns, Bids bids, int[] retrievalRank) {
    }

    private final AdIndex index;
    private final Ticker ticker;

    private FeatureAssembler(ActorContext<Command> context, AdIndex index, Ticker ticker) {
        super(context);
        this.index = index;
        this.ticker = ticker;
    }

    public static Behavior<Command> create(AdIndex index, Ticker ticker) {
        return Behaviors.setup(context -> new FeatureAssembler(context, index, ticker));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Assemble.class, this::onAssemble)
                .build();
    }

    private Behavior<Command> onAssemble(Assemble assemble) {
        if (ticker.nanos() >= assemble.query().deadlineNanos()) {
            return this; // answered at its deadline already
        }
        CandidateRetriever.Candidates c = assemble.candidates();
        FeatureBatch batch = FeatureBatch.forSchema(DemoFeatures.SCHEMA, c.count());
        Ad[] ads = new Ad[c.count()];
        Campaign[] campaigns = new Campaign[c.count()];
        int[] rank = new int[c.count()];
        int rows = index.resolve(c.adIds(), c.count(), ads, campaigns, rank);
        DemoFeatures.fillRows(batch, c.user(), ads, campaigns, rows, assemble.query().context());
        batch.setRows(rows);
        int[] adIds = new int[rows];
        for (int r = 0; r < rows; r++) {
            adIds[r] = ads[r].id();
        }
        Bids bids = Bids.gather(rows, adIds, campaigns);
        assemble.replyTo().tell(new Features(batch, ads, campaigns, bids, rank));
        return this;
    }
}
