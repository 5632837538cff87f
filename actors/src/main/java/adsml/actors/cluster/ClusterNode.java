package adsml.actors.cluster;

import adsml.actors.models.ActiveModel;
import adsml.actors.models.ModelRegistry;
import adsml.platform.domain.Campaign;
import adsml.platform.index.AdIndex;
import adsml.platform.index.BudgetTracker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * This node's part in the cluster: its budgets' leases ({@link ClusterBudgets}), its ad writes' replication
 * ({@link ReplicatedAds}), its agent for rollouts and status ({@link NodeAgent}) and the rollouts it may start
 * ({@link ClusterRollout}). Started once the actor system is up with Pekko's cluster provider.
 */
public final class ClusterNode {
    /**
     * A member as this node sees it.
     *
     * @param status Pekko's member status (Joining, Up, Leaving, Exiting, Down, ...)
     * @param reachable whether this node's failure detector hears it
     */
    public record MemberView(String node, String status, boolean reachable, boolean self) {}

    private final ActorSystem<?> system;
    private final String name;
    /** Names this process's writes apart from those of the node's earlier runs. */
    private final String boot;

    private final ActorRef<ReplicatedAds.Command> ads;
    private final ActorRef<ClusterBudgets.Command> budgets;
    private final ActorRef<NodeAgent.Command> agent;
    private final ClusterRollout rollout;
    private final Optional<IndexPartitions> partitions;
    private final CompletableFuture<Void> up = new CompletableFuture<>();
    private final AtomicLong writes = new AtomicLong();

    private ClusterNode(
            ActorSystem<?> system,
            String name,
            ActorRef<ReplicatedAds.Command> ads,
            ActorRef<ClusterBudgets.Command> budgets,
            ActorRef<NodeAgent.Command> agent,
            ClusterRollout rollout,
            Optional<IndexPartitions> partitions) {
        this.system = system;
        this.name = name;
        this.boot =
                Long.toString(Cluster.get(system).selfMember().uniqueAddress().longUid(), 36);
        this.ads = ads;
        this.budgets = budgets;
        this.agent = agent;
        this.rollout = rollout;
        this.partitions = partitions;
    }

    /**
     * Starts this node's cluster actors in {@code system}.
     *
     * @param api where this node's public HTTP listener is, as other nodes and the admin UI are told
     * @param modelName the served model, whose versions rollouts move
     * @param load this node's serving figures, read when a status is asked
     * @param loadTimeout how long loading a model version may take here
     * @param partitions in the flat layout, this node's partition of the index, which it serves to the others
     */
    public static ClusterNode start(
            ActorSystem<?> system,
            ClusterSettings settings,
            AdIndex index,
            List<Campaign> campaigns,
            BudgetTracker budget,
            ActorRef<ModelRegistry.Command> registry,
            ActiveModel model,
            Supplier<String> api,
            String modelName,
            Supplier<NodeAgent.NodeLoad> load,
            Duration loadTimeout,
            Optional<IndexPartitions> partitions) {
        Cluster cluster = Cluster.get(system);
        String name = Names.of(cluster.selfMember().address());
        ActorRef<ClusterBudgets.Command> budgets = system.systemActorOf(
                ClusterBudgets.create(budget, campaigns, name, settings), "cluster-budgets", Props.empty());
        ActorRef<ReplicatedAds.Command> ads = system.systemActorOf(
                ReplicatedAds.create(index, campaigns, settings),
                "cluster-ads",
                DispatcherSelector.fromConfig("adsml.actors.blocking-dispatcher"));
        ActorRef<NodeAgent.Command> agent = system.systemActorOf(
                NodeAgent.create(name, api, modelName, registry, model, load, loadTimeout),
                "cluster-agent",
                Props.empty());
        ClusterNode node = new ClusterNode(
                system,
                name,
                ads,
                budgets,
                agent,
                new ClusterRollout(system, modelName, settings.rolloutTimeout(), Duration.ofSeconds(5)),
                partitions);
        partitions.ifPresent(p -> p.start(system));
        system.systemActorOf(
                Behaviors.<SelfUp>setup(context -> {
                    cluster.subscriptions().tell(Subscribe.create(context.getSelf(), SelfUp.class));
                    return Behaviors.receiveMessage(selfUp -> {
                        node.up.complete(null);
                        return Behaviors.stopped();
                    });
                }),
                "cluster-up",
                Props.empty());
        return node;
    }

    /** The actor system this node runs in. */
    public ActorSystem<?> system() {
        return system;
    }

    /** This node's name: {@code host:port} of its remoting address. */
    public String name() {
        return name;
    }

    /** Completes when this node is an Up member of the cluster. */
    public CompletionStage<Void> up() {
        return up;
    }

    public ClusterRollout rollout() {
        return rollout;
    }

    /** The flat layout's partitions as this node sees them; empty in the grouped layout. */
    public Optional<IndexPartitions.Status> layout() {
        return partitions.map(IndexPartitions::status);
    }

    /**
     * The event log has read today's spend back into the budgets: this node may publish its spend and take leases
     * (until then it spends nothing, and publishes nothing over what it published before a restart).
     */
    public void spendSettled() {
        budgets.tell(ClusterBudgets.Settled.INSTANCE);
    }

    /** This node has activated its version and serves: rollouts include it, and it follows the cluster's version. */
    public void serving() {
        agent.tell(NodeAgent.Serving.INSTANCE);
    }

    /** Publishes an ad write this node took and applied, so that every other node applies it too. */
    public void published(int adId, int campaignId, int category, int creativeType, float[] embedding, boolean paused) {
        ads.tell(new ReplicatedAds.Publish(new ReplicatedAds.AdState(
                adId,
                campaignId,
                category,
                creativeType,
                embedding,
                paused,
                ReplicatedAds.nextWriteId(name + "#" + boot, writes))));
    }

    /** The members as this node sees them now. */
    public List<MemberView> members() {
        ClusterEvent.CurrentClusterState state = Cluster.get(system).state();
        List<MemberView> views = new ArrayList<>();
        for (Member m : state.getMembers()) {
            String node = Names.of(m.address());
            views.add(new MemberView(
                    node, m.status().toString(), !state.getUnreachable().contains(m), node.equals(name)));
        }
        return views;
    }
}
