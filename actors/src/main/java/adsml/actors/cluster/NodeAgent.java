package adsml.actors.cluster;

import adsml.actors.models.ActiveModel;
import adsml.actors.models.ModelRegistry;
import adsml.actors.models.VersionInfo;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.pattern.StatusReply;

/**
 * One per node, found through the receptionist: what the cluster asks of this node's model registry (a rollout's two
 * steps, a rollback, a canary) and what it tells of itself (its version, readiness and load). Each answer names the
 * node, so that a rollout can say which node refused and why.
 */
public final class NodeAgent {
    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "adsml-node");

    public sealed interface Command extends ClusterSerializable {}

    /** Load and validate a version (the registry's LOADING, WARMING, READY); the answer comes when it is READY. */
    public record Prepare(String name, String version, ActorRef<StepResult> replyTo) implements Command {}

    /** Make a READY version the active one. */
    public record Switch(String name, String version, ActorRef<StepResult> replyTo) implements Command {}

    /** The registry's rollback to the version active before. */
    public record Rollback(ActorRef<StepResult> replyTo) implements Command {}

    /** A READY version scores {@code share} of the users, by the same hash of their id on every node. */
    public record StartCanary(String name, String version, double share, ActorRef<StepResult> replyTo)
            implements Command {}

    public record EndCanary(ActorRef<StepResult> replyTo) implements Command {}

    public record Status(ActorRef<NodeStatus> replyTo) implements Command {}

    /**
     * How one step went on one node.
     *
     * @param step prepare, switch, rollback, canary or end-canary
     * @param version the version the step left in place (the prepared one, or the active one after a switch)
     * @param detail the registry's reason when it refused, else its validation or state
     */
    public record StepResult(String node, String step, boolean ok, String version, String detail)
            implements ClusterSerializable {}

    /**
     * What a node tells of itself.
     *
     * @param api where its public HTTP listener is
     * @param activeVersion {@code name/version}, or null before one is active
     * @param canary the canary's {@code name/version}, or null
     * @param load its serving figures now
     */
    public record NodeStatus(String node, String api, String activeVersion, String canary, NodeLoad load)
            implements ClusterSerializable {}

    /**
     * A node's serving figures, as its overview samples them.
     *
     * @param ready whether {@code /health/ready} answers 200
     * @param rankQps rank requests answered per second, over the last sample
     * @param rankP99Ms their 99th percentile latency; null without requests
     */
    public record NodeLoad(boolean ready, double rankQps, Double rankP99Ms) implements ClusterSerializable {}

    private NodeAgent() {}

    /**
     * @param node this node's name in the cluster ({@code host:port} of its remoting address)
     * @param api where this node's public HTTP listener is
     * @param load this node's figures, read when asked
     */
    public static Behavior<Command> create(
            String node,
            Supplier<String> api,
            ActorRef<ModelRegistry.Command> registry,
            ActiveModel model,
            Supplier<NodeLoad> load,
            Duration loadTimeout) {
        return Behaviors.setup(context -> {
            context.getSystem().receptionist().tell(Receptionist.register(KEY, context.getSelf()));
            return Behaviors.receive(Command.class)
                    .onMessage(Prepare.class, p -> {
                        ask(
                                context,
                                node,
                                "prepare",
                                registry,
                                loadTimeout,
                                p.replyTo(),
                                r -> new ModelRegistry.Load(p.name(), p.version(), r));
                        return Behaviors.same();
                    })
                    .onMessage(Switch.class, s -> {
                        ask(
                                context,
                                node,
                                "switch",
                                registry,
                                loadTimeout,
                                s.replyTo(),
                                r -> new ModelRegistry.Activate(s.name(), s.version(), r));
                        return Behaviors.same();
                    })
                    .onMessage(Rollback.class, b -> {
                        ask(context, node, "rollback", registry, loadTimeout, b.replyTo(), ModelRegistry.Rollback::new);
                        return Behaviors.same();
                    })
                    .onMessage(StartCanary.class, c -> {
                        ask(
                                context,
                                node,
                                "canary",
                                registry,
                                loadTimeout,
                                c.replyTo(),
                                r -> new ModelRegistry.StartCanary(c.name(), c.version(), c.share(), r));
                        return Behaviors.same();
                    })
                    .onMessage(EndCanary.class, c -> {
                        ask(
                                context,
                                node,
                                "end-canary",
                                registry,
                                loadTimeout,
                                c.replyTo(),
                                ModelRegistry.EndCanary::new);
                        return Behaviors.same();
                    })
                    .onMessage(Status.class, s -> {
                        s.replyTo()
                                .tell(new NodeStatus(
                                        node,
                                        api.get(),
                                        model.current().map(v -> v.id()).orElse(null),
                                        model.canary()
                                                .map(c -> c.version().id())
                                                .orElse(null),
                                        load.get()));
                        return Behaviors.same();
                    })
                    .build();
        });
    }

    /** Asks the registry and answers {@code replyTo} with how it went, from the ask's own thread. */
    private static void ask(
            ActorContext<Command> context,
            String node,
            String step,
            ActorRef<ModelRegistry.Command> registry,
            Duration timeout,
            ActorRef<StepResult> replyTo,
            Function<ActorRef<StatusReply<VersionInfo>>, ModelRegistry.Command> command) {
        AskPattern.askWithStatus(
                        registry, command::apply, timeout, context.getSystem().scheduler())
                .whenComplete((info, failure) -> replyTo.tell(
                        failure == null
                                ? new StepResult(node, step, true, info.id(), info.state() + ": " + info.detail())
                                : new StepResult(node, step, false, null, reason(failure))));
    }

    private static String reason(Throwable failure) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }
}
