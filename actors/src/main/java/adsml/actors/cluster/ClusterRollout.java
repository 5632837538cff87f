package adsml.actors.cluster;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;

/**
 * Model changes across the cluster, from whichever node the admin asked. An activation is two steps: every reachable
 * node loads, validates and warms the version ({@link NodeAgent.Prepare}); only when all of them are READY does every
 * node switch ({@link NodeAgent.Switch}). A node that cannot load it keeps its version and says why, and then no node
 * switches: the cluster serves one version. A switch one node refuses (its replay gate) rolls back the nodes that had
 * switched. The version the cluster serves is kept in distributed data, where a node that joins or returns later reads
 * it and activates the same ({@link #clusterVersion}). Unreachable nodes take no part; they read it when they return.
 */
public final class ClusterRollout {
    /** Model name to the version the cluster serves, written after every switch and rollback. */
    static final Key<LWWMap<String, String>> SERVED = LWWMapKey.create("adsml-served-version");

    /**
     * How a cluster-wide change went.
     *
     * @param done whether every node now serves what was asked
     * @param steps each node's answer to each step, in order
     * @param detail why not, when not done
     */
    public record Outcome(String action, boolean done, List<NodeAgent.StepResult> steps, String detail) {}

    private final ActorSystem<?> system;
    private final Duration timeout;
    private final Duration quick;

    /**
     * @param timeout how long a node may take to load and validate a version
     * @param quick how long a node may take to switch, roll back or answer a status
     */
    public ClusterRollout(ActorSystem<?> system, Duration timeout, Duration quick) {
        this.system = system;
        this.timeout = timeout;
        this.quick = quick;
    }

    /** Loads {@code name/version} on every reachable node, then, when all are READY, switches them all. */
    public CompletionStage<Outcome> activate(String name, String version) {
        String action = "activate " + name + "/" + version;
        return agents().thenCompose(agents -> onEach(agents, r -> new NodeAgent.Prepare(name, version, r), timeout)
                .thenCompose(prepared -> {
                    Optional<NodeAgent.StepResult> refused =
                            prepared.values().stream().filter(s -> !s.ok()).findFirst();
                    if (refused.isPresent()) {
                        return CompletableFuture.completedFuture(new Outcome(
                                action,
                                false,
                                List.copyOf(prepared.values()),
                                "no node switched: " + refused.get().node() + " could not load it: "
                                        + refused.get().detail()));
                    }
                    return onEach(agents, r -> new NodeAgent.Switch(name, version, r), quick)
                            .thenCompose(switched -> afterSwitch(action, name, version, prepared, switched));
                }));
    }

    private CompletionStage<Outcome> afterSwitch(
            String action,
            String name,
            String version,
            Map<ActorRef<NodeAgent.Command>, NodeAgent.StepResult> prepared,
            Map<ActorRef<NodeAgent.Command>, NodeAgent.StepResult> switched) {
        List<NodeAgent.StepResult> steps = new ArrayList<>(prepared.values());
        steps.addAll(switched.values());
        Optional<NodeAgent.StepResult> refused =
                switched.values().stream().filter(s -> !s.ok()).findFirst();
        if (refused.isEmpty()) {
            return record(name, version).thenApply(recorded -> new Outcome(action, true, steps, ""));
        }
        // One node refused the switch: those that switched go back, so that the cluster serves one version.
        Set<ActorRef<NodeAgent.Command>> back = new HashSet<>();
        switched.forEach((agent, step) -> {
            if (step.ok()) {
                back.add(agent);
            }
        });
        return onEach(back, NodeAgent.Rollback::new, quick).thenApply(rolledBack -> {
            steps.addAll(rolledBack.values());
            return new Outcome(
                    action,
                    false,
                    steps,
                    refused.get().node() + " refused the switch ("
                            + refused.get().detail() + "): the nodes that had switched rolled back");
        });
    }

    /** Every reachable node goes back to the version it served before. */
    public CompletionStage<Outcome> rollback() {
        return agents().thenCompose(agents -> onEach(agents, NodeAgent.Rollback::new, quick))
                .thenCompose(answers -> {
                    List<NodeAgent.StepResult> steps = List.copyOf(answers.values());
                    List<String> versions = steps.stream()
                            .filter(NodeAgent.StepResult::ok)
                            .map(NodeAgent.StepResult::version)
                            .distinct()
                            .toList();
                    boolean done = steps.stream().allMatch(NodeAgent.StepResult::ok) && versions.size() == 1;
                    if (!done) {
                        return CompletableFuture.completedFuture(new Outcome(
                                "rollback",
                                false,
                                steps,
                                "the nodes now serve " + versions + "; see each node's step"));
                    }
                    String[] id = versions.get(0).split("/", 2);
                    return record(id[0], id[1]).thenApply(r -> new Outcome("rollback", true, steps, ""));
                });
    }

    /** Loads the version everywhere, then has it score {@code share} of the users on every node. */
    public CompletionStage<Outcome> canary(String name, String version, double share) {
        String action = "canary " + name + "/" + version + " for " + share;
        return agents().thenCompose(agents -> onEach(agents, r -> new NodeAgent.Prepare(name, version, r), timeout)
                .thenCompose(prepared -> {
                    if (!prepared.values().stream().allMatch(NodeAgent.StepResult::ok)) {
                        return CompletableFuture.completedFuture(new Outcome(
                                action,
                                false,
                                List.copyOf(prepared.values()),
                                "no node started the canary: see the steps"));
                    }
                    return onEach(agents, r -> new NodeAgent.StartCanary(name, version, share, r), quick)
                            .thenApply(started -> {
                                List<NodeAgent.StepResult> steps = new ArrayList<>(prepared.values());
                                steps.addAll(started.values());
                                boolean done = started.values().stream().allMatch(NodeAgent.StepResult::ok);
                                return new Outcome(action, done, steps, done ? "" : "see the steps");
                            });
                }));
    }

    public CompletionStage<Outcome> endCanary() {
        return agents().thenCompose(agents -> onEach(agents, NodeAgent.EndCanary::new, quick))
                .thenApply(answers -> {
                    boolean done = answers.values().stream().allMatch(NodeAgent.StepResult::ok);
                    return new Outcome("end canary", done, List.copyOf(answers.values()), done ? "" : "see the steps");
                });
    }

    /** Every reachable node's status; a node that does not answer in time is left out. */
    public CompletionStage<List<NodeAgent.NodeStatus>> statuses() {
        return agents().thenCompose(agents -> {
            List<CompletableFuture<NodeAgent.NodeStatus>> answers = new ArrayList<>();
            for (ActorRef<NodeAgent.Command> agent : agents) {
                answers.add(AskPattern.<NodeAgent.Command, NodeAgent.NodeStatus>ask(
                                agent, NodeAgent.Status::new, quick, system.scheduler())
                        .toCompletableFuture()
                        .exceptionally(failure -> null));
            }
            return CompletableFuture.allOf(answers.toArray(CompletableFuture[]::new))
                    .thenApply(all -> answers.stream()
                            .map(CompletableFuture::join)
                            .filter(s -> s != null)
                            .toList());
        });
    }

    /** The version of {@code name} the cluster serves, as a majority of the nodes hold it; empty when none was set. */
    public CompletionStage<Optional<String>> clusterVersion(String name) {
        return AskPattern.<Replicator.Command, Replicator.GetResponse<LWWMap<String, String>>>ask(
                        DistributedData.get(system).replicator(),
                        replyTo -> new Replicator.Get<>(SERVED, new Replicator.ReadMajority(quick), replyTo),
                        quick.plusSeconds(1),
                        system.scheduler())
                .thenApply(answer -> answer instanceof Replicator.GetSuccess<LWWMap<String, String>> found
                        ? Optional.ofNullable(found.dataValue().getEntries().get(name))
                        : Optional.empty());
    }

    private CompletionStage<Boolean> record(String name, String version) {
        SelfUniqueAddress self = DistributedData.get(system).selfUniqueAddress();
        return AskPattern.<Replicator.Command, Replicator.UpdateResponse<LWWMap<String, String>>>ask(
                        DistributedData.get(system).replicator(),
                        replyTo -> new Replicator.Update<>(
                                SERVED,
                                LWWMap.empty(),
                                new Replicator.WriteMajority(quick),
                                replyTo,
                                map -> map.put(self, name, version)),
                        quick.plusSeconds(1),
                        system.scheduler())
                .thenApply(answer -> answer instanceof Replicator.UpdateSuccess);
    }

    private CompletionStage<Set<ActorRef<NodeAgent.Command>>> agents() {
        return AskPattern.<Receptionist.Command, Receptionist.Listing>ask(
                        system.receptionist(),
                        replyTo -> Receptionist.find(NodeAgent.KEY, replyTo),
                        quick,
                        system.scheduler())
                .thenApply(listing -> listing.getServiceInstances(NodeAgent.KEY));
    }

    /** One step on every agent; one that does not answer in time counts as a refusal naming its address. */
    private CompletionStage<Map<ActorRef<NodeAgent.Command>, NodeAgent.StepResult>> onEach(
            Set<ActorRef<NodeAgent.Command>> agents,
            Function<ActorRef<NodeAgent.StepResult>, NodeAgent.Command> step,
            Duration within) {
        Map<ActorRef<NodeAgent.Command>, CompletableFuture<NodeAgent.StepResult>> answers = new LinkedHashMap<>();
        for (ActorRef<NodeAgent.Command> agent : agents) {
            answers.put(
                    agent,
                    AskPattern.<NodeAgent.Command, NodeAgent.StepResult>ask(
                                    agent, step::apply, within.plusSeconds(1), system.scheduler())
                            .toCompletableFuture()
                            .exceptionally(failure -> new NodeAgent.StepResult(
                                    agent.path().address().toString(),
                                    "?",
                                    false,
                                    null,
                                    "no answer within " + within.plusSeconds(1).toSeconds() + " s")));
        }
        return CompletableFuture.allOf(answers.values().toArray(CompletableFuture[]::new))
                .thenApply(all -> {
                    Map<ActorRef<NodeAgent.Command>, NodeAgent.StepResult> results = new LinkedHashMap<>();
                    answers.forEach((agent, answer) -> results.put(agent, answer.join()));
                    return results;
                });
    }
}
