package adsml.actors.ranking;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.pattern.StatusReply;

/** Where rank requests enter the actor system: it spawns one {@link RankingCoordinator} per request. */
public final class RankingGateway extends AbstractBehavior<RankingGateway.Command> {

    public sealed interface Command {
    }

    public record Rank(RankQuery query, ActorRef<StatusReply<RankResult>> replyTo) implements Command {
    }

    private final RankingCoordinator.Pipeline pipeline;

    private RankingGateway(ActorContext<Command> context, RankingCoordinator.Pipeline pipeline) {
        super(context);
        this.pipeline = pipeline;
    }

    public static Behavior<Command> create(RankingCoordinator.Pipeline pipeline) {
        return Behaviors.setup(context -> new RankingGateway(context, pipeline));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Rank.class, this::onRank)
                .build();
    }

    private Behavior<Command> onRank(Rank rank) {
        getContext().spawnAnonymous(RankingCoordinator.create(rank.query(), pipeline, rank.replyTo()));
        return this;
    }
}
