package adsml.actors.ranking;

import adsml.platform.features.DemoFeatures;
import adsml.platform.index.AdIndex;
import adsml.platform.index.Audience;
import adsml.platform.store.UserStore;
import adsml.platform.world.User;
import adsml.scheduler.Ticker;
import java.util.Optional;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Finds who the request is for and which ads may answer it: the user from the feature store
 * (a cold start when unknown, never an error), then up to {@code maxCandidates} eligible ads by
 * embedding affinity. The user's feature row is computed here, once per request. Runs as a pool
 * on the CPU dispatcher, since retrieval scans the index.
 */
public final class CandidateRetriever extends AbstractBehavior<CandidateRetriever.Command> {

    public sealed interface Command {
    }

    public record Retrieve(RankQuery query, ActorRef<Candidates> replyTo) implements Command {
    }

    /** The request's user row, whether it was a cold start, and the candidate ids {@code adIds[0..count)}, best first. */
    public record Candidates(DemoFeatures.UserRow user, boolean coldStart, int[] adIds, int count) {
    }

    private final AdIndex index;
    private final UserStore users;
    private final int maxCandidates;
    private final Ticker ticker;

    private CandidateRetriever(ActorContext<Command> context, AdIndex index, UserStore users, int maxCandidates,
                               Ticker ticker) {
        super(context);
        this.ticker = ticker;
        this.index = index;
        this.users = users;
        this.maxCandidates = maxCandidates;
    }

    public static Behavior<Command> create(AdIndex index, UserStore users, int maxCandidates, Ticker ticker) {
        return Behaviors.setup(context -> new CandidateRetriever(context, index, users, maxCandidates, ticker));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Retrieve.class, this::onRetrieve)
                .build();
    }

    private Behavior<Command> onRetrieve(Retrieve retrieve) {
        RankQuery q = retrieve.query();
        if (ticker.nanos() >= q.deadlineNanos()) {
            // Its coordinator has answered at the deadline already: scanning now would only delay live requests.
            return this;
        }
        int[] ids = new int[maxCandidates];
        Optional<User> user = q.userId() < 0 ? Optional.empty() : users.get(q.userId());
        int count;
        DemoFeatures.UserRow row;
        if (user.isPresent()) {
            count = index.retrieve(user.get(), q.context(), maxCandidates, ids);
            row = DemoFeatures.user(user.get());
        } else {
            Audience unknown = new Audience(q.country(), q.device(), -1, 0L, Audience.UNKNOWN.embedding());
            count = index.retrieve(unknown, q.context(), maxCandidates, ids);
            row = DemoFeatures.coldStart(q.country(), q.device());
        }
        retrieve.replyTo().tell(new Candidates(row, user.isEmpty(), ids, count));
        return this;
    }
}
