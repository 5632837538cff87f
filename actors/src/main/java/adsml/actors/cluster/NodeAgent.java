package adsml.actors.cluster;

import adsml.actors.models.ActiveModel;
import adsml.actors.models.ModelRegistry;
import adsml.actors.models.VersionInfo;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One per node, found through the receptionist: what the cluster asks of this node's model registry (a rollout's two
 * steps, a rollback, a canary) and what it tells of itself (its version, readiness and load). Each answer names the
 * node, so that a rollout can say which node refused and why.
 */
public final class NodeAgent {
    private static final Logger LOG = LoggerFactory.getLogger(NodeAgent.class);
    public static final ServiceKey<Command> KEY = ServiceKey.create(Command.class, "adsml-node");

    public sealed interface Command extends ClusterSerializable {}

    /** Load and validate a version (the registry's LOADING, WARMING, READY); the answer comes when it is READY. */
    public record Prepare(String name, String version, ActorRef<StepResult> replyTo) implements Command {}

    /** Make a READY version the active one. */
    public record Switch(String name, String version, ActorRef<StepResult> replyTo) implements Command {}

    /** A READY version scores {@code share} of the users, by the same hash of their id on every node. */
    public record StartCanary(String name, String version, double share, ActorRef<StepResult> replyTo)
            implements Command {}

    public record EndCanary(ActorRef<StepResult> replyTo) implements Command {}

    public record Status(ActorRef<NodeStatus> replyTo) implements Command {}

    /**
     * This node has activated its version at start and serves: it joins rollouts from now on, and follows the version
     * the cluster serves when that changes without it (it was unreachable during a rollout).
     */
    public enum Serving implements Command {
        INSTANCE
    }

    private record ServedChanged(Replicator.SubscribeResponse<LWWMap<String, String>> response) implements Command {}

    /**
     * How one step went on one node.
     *
     * @param step prepare, switch, canary or end-canary
     * @param version the version the step left in place (the prepared one, or the active one after a switch)
     * @param previous the version active on the node when the step began, or null
     * @param detail the registry's reason when it refused, else its validation or state
     */
    public record StepResult(String node, String step, boolean ok, String version, String previous, String detail)
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
     * @param modelName the served model, whose cluster version this node follows
     * @param load this node's figures, read when asked
     */
    public static Behavior<Command> create(
            String node,
            Supplier<String> api,
            String modelName,
            ActorRef<ModelRegistry.Command> registry,
            ActiveModel model,
            Supplier<NodeLoad> load,
            Duration loadTimeout) {
        return Behaviors.setup(context -> DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, String>> replicator) -> {
                    Steps steps = new Steps(context, node, registry, model, loadTimeout);
                    boolean[] serving = {false};
                    return Behaviors.receive(Command.class)
                            .onMessage(Prepare.class, p -> {
                                steps.ask(
                                        "prepare", p.replyTo(), r -> new ModelRegistry.Load(p.name(), p.version(), r));
                                return Behaviors.same();
                            })
                            .onMessage(Switch.class, w -> {
                                steps.ask(
                                        "switch",
                                        w.replyTo(),
                                        r -> new ModelRegistry.Activate(w.name(), w.version(), r));
                                return Behaviors.same();
                            })
                            .onMessage(StartCanary.class, c -> {
                                steps.ask(
                                        "canary",
                                        c.replyTo(),
                                        r -> new ModelRegistry.StartCanary(c.name(), c.version(), c.share(), r));
                                return Behaviors.same();
                            })
                            .onMessage(EndCanary.class, c -> {
                                steps.ask("end-canary", c.replyTo(), ModelRegistry.EndCanary::new);
                                return Behaviors.same();
                            })
                            .onMessage(Status.class, st -> {
                                st.replyTo()
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
                            .onMessageEquals(Serving.INSTANCE, () -> {
                                if (!serving[0]) {
                                    serving[0] = true;
                                    context.getSystem()
                                            .receptionist()
                                            .tell(Receptionist.register(KEY, context.getSelf()));
                                    replicator.subscribe(ClusterRollout.SERVED, ServedChanged::new);
                                }
                                return Behaviors.same();
                            })
                            .onMessage(ServedChanged.class, changed -> {
                                if (changed.response() instanceof Replicator.Changed<LWWMap<String, String>> c) {
                                    String version = c.dataValue().getEntries().get(modelName);
                                    String current =
                                            model.current().map(v -> v.id()).orElse(null);
                                    if (version != null && !(modelName + "/" + version).equals(current)) {
                                        steps.follow(modelName, version);
                                    }
                                }
                                return Behaviors.same();
                            })
                            .build();
                }));
    }

    /** The registry's side of each step, answered from the ask's own thread (a tell; no actor state is touched). */
    private record Steps(
            ActorContext<Command> context,
            String node,
            ActorRef<ModelRegistry.Command> registry,
            ActiveModel model,
            Duration timeout) {

        void ask(
                String step,
                ActorRef<StepResult> replyTo,
                Function<ActorRef<StatusReply<VersionInfo>>, ModelRegistry.Command> command) {
            String previous = model.current().map(v -> v.id()).orElse(null);
            registry(command)
                    .whenComplete((info, failure) -> replyTo.tell(
                            failure == null
                                    ? new StepResult(
                                            node, step, true, info.id(), previous, info.state() + ": " + info.detail())
                                    : new StepResult(node, step, false, null, previous, reason(failure))));
        }

        /** Loads and activates the version the cluster serves, which this node missed; says in its log how it went. */
        void follow(String name, String version) {
            LOG.info("the cluster serves {}/{}: loading and activating it here", name, version);
            registry(r -> new ModelRegistry.Load(name, version, r))
                    .thenCompose(loaded -> registry(r -> new ModelRegistry.Activate(name, version, r)))
                    .whenComplete((info, failure) -> {
                        if (failure != null) {
                            LOG.warn("could not follow the cluster to {}/{}: {}", name, version, reason(failure));
                        }
                    });
        }

        private CompletionStage<VersionInfo> registry(
                Function<ActorRef<StatusReply<VersionInfo>>, ModelRegistry.Command> command) {
            return AskPattern.askWithStatus(
                    registry, command::apply, timeout, context.getSystem().scheduler());
        }
    }

    private static String reason(Throwable failure) {
        Throwable cause =
                failure instanceof CompletionException && failure.getCause() != null ? failure.getCause() : failure;
        return cause.getMessage() == null ? cause.toString() : cause.getMessage();
    }
}
