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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;
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
 * switches: the cluster serves one version. A switch one node refuses (its replay gate) sends the nodes that had
 * switched back to the version they served before. The version the cluster serves, and the one before it, are kept in
 * distributed data: a node that joins reads it before it activates anything, a node that was unreachable during a
 * rollout follows it when it hears of the change ({@link NodeAgent.Serving}), and a rollback is an activation of the
 * version before. One change at a time per node that starts them: a second gets a refusal while the first runs.
 */
public final class ClusterRollout {
    /** Model name to the version the cluster serves; {@code name#previous} to the one it served before. */
    static final Key<LWWMap<String, String>> SERVED = LWWMapKey.create("adsml-served-version");

    private static final String PREVIOUS = "#previous";

    /**
     * How a cluster-wide change went.
     *
     * @param done whether every node now serves what was asked
     * @param steps each node's answer to each step, in order
     * @param detail why not, when not done; a warning when done but not recorded
     */
    public record Outcome(String action, boolean done, List<NodeAgent.StepResult> steps, String detail) {}

    private final ActorSystem<?> system;
    private final String modelName;
    private final Duration timeout;
    private final Duration quick;
    private final AtomicBoolean busy = new AtomicBoolean();

    /**
     * @param modelName the served model, whose versions a rollback moves between
     * @param timeout how long a node may take to load, validate or switch a version (a switch may run the replay gate)
     * @param quick how long a node may take to answer a status, and a read of the served version
     */
    public ClusterRollout(ActorSystem<?> system, String modelName, Duration timeout, Duration quick) {
        this.system = system;
        this.modelName = modelName;
        this.timeout = timeout;
        this.quick = quick;
    }

    /** Loads {@code name/version} on every reachable node, then, when all are READY, switches them all. */
    public CompletionStage<Outcome> activate(String name, String version) {
        return exclusively("activate " + name + "/" + version, () -> rollOut(name, version, "activate"));
    }

    /** Every reachable node goes back to the version the cluster served before the last rollout, in two steps. */
    public CompletionStage<Outcome> rollback() {
        return exclusively(
                "rollback",
                () -> served().thenCompose(served -> {
                    String previous = served.get(modelName + PREVIOUS);
                    if (previous == null) {
                        return CompletableFuture.completedFuture(
                                new Outcome("rollback", false, List.of(), "no previous version to roll back to"));
                    }
                    return rollOut(modelName, previous, "rollback to");
                }));
    }

    /** Loads the version everywhere, then has it score {@code share} of the users on every node. */
    public CompletionStage<Outcome> canary(String name, String version, double share) {
        String action = "canary " + name + "/" + version + " for " + share;
        return exclusively(
                action,
                () -> afterPrepare(
                        name,
                        version,
                        action,
                        "started the canary",
                        (agents, prepared) -> onEach(
                                        agents,
                                        "canary",
                                        r -> new NodeAgent.StartCanary(name, version, share, r),
                                        timeout)
                                .thenCompose(started -> {
                                    List<NodeAgent.StepResult> steps = new ArrayList<>(prepared.values());
                                    steps.addAll(started.values());
                                    if (allOk(started)) {
                                        return CompletableFuture.completedFuture(new Outcome(action, true, steps, ""));
                                    }
                                    // Some nodes started it, some not: those that did end it, so users see one version.
                                    return onEach(succeeded(started), "end-canary", NodeAgent.EndCanary::new, timeout)
                                            .thenApply(ended -> {
                                                steps.addAll(ended.values());
                                                return new Outcome(
                                                        action,
                                                        false,
                                                        steps,
                                                        firstRefusal(started)
                                                                + ": the nodes that had started it ended it");
                                            });
                                })));
    }

    public CompletionStage<Outcome> endCanary() {
        return exclusively(
                "end canary",
                () -> agents().thenCompose(agents -> onEach(agents, "end-canary", NodeAgent.EndCanary::new, timeout))
                        .thenApply(answers -> new Outcome(
                                "end canary",
                                allOk(answers),
                                List.copyOf(answers.values()),
                                allOk(answers) ? "" : firstRefusal(answers))));
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

    /** The version of the served model the cluster serves, as a majority holds it; empty when none was set. */
    public CompletionStage<Optional<String>> clusterVersion() {
        return served().thenApply(entries -> Optional.ofNullable(entries.get(modelName)));
    }

    private CompletionStage<Outcome> rollOut(String name, String version, String verb) {
        String action = verb + " " + name + "/" + version;
        return afterPrepare(
                name,
                version,
                action,
                "switched",
                (agents, prepared) -> onEach(agents, "switch", r -> new NodeAgent.Switch(name, version, r), timeout)
                        .thenCompose(switched -> afterSwitch(action, name, version, prepared, switched)));
    }

    /**
     * Loads and validates {@code name/version} on every reachable node, then runs {@code next} with them if all are
     * READY; else no node goes on, and the outcome says which refused ({@code "no node " + what}).
     */
    private CompletionStage<Outcome> afterPrepare(
            String name,
            String version,
            String action,
            String what,
            BiFunction<
                            Set<ActorRef<NodeAgent.Command>>,
                            Map<ActorRef<NodeAgent.Command>, NodeAgent.StepResult>,
                            CompletionStage<Outcome>>
                    next) {
        return agents().thenCompose(agents -> onEach(
                        agents, "prepare", r -> new NodeAgent.Prepare(name, version, r), timeout)
                .thenCompose(prepared -> allOk(prepared)
                        ? next.apply(agents, prepared)
                        : CompletableFuture.completedFuture(new Outcome(
                                action,
                                false,
                                List.copyOf(prepared.values()),
                                "no node " + what + ": " + firstRefusal(prepared)))));
    }

    private CompletionStage<Outcome> afterSwitch(
            String action,
            String name,
            String version,
            Map<ActorRef<NodeAgent.Command>, NodeAgent.StepResult> prepared,
            Map<ActorRef<NodeAgent.Command>, NodeAgent.StepResult> switched) {
        List<NodeAgent.StepResult> steps = new ArrayList<>(prepared.values());
        steps.addAll(switched.values());
        String target = name + "/" + version;
        if (allOk(switched)) {
            // What the nodes served before: the one previous version they agree on, if they do.
            List<String> before = switched.values().stream()
                    .map(NodeAgent.StepResult::previous)
                    .filter(p -> p != null && !p.equals(target))
                    .distinct()
                    .toList();
            return record(name, version, before.size() == 1 ? before.get(0) : null)
                    .thenApply(recorded -> new Outcome(
                            action,
                            true,
                            steps,
                            recorded
                                    ? ""
                                    : "every node switched, but a majority did not take the served version: a node"
                                            + " joining now may start on the one before"));
        }
        // One node refused the switch: those that switched go back to what they served, so the cluster serves one.
        Map<ActorRef<NodeAgent.Command>, String> back = new LinkedHashMap<>();
        switched.forEach((agent, step) -> {
            if (step.ok() && step.previous() != null && !step.previous().equals(target)) {
                back.put(agent, step.previous());
            }
        });
        List<CompletableFuture<NodeAgent.StepResult>> undone = new ArrayList<>();
        back.forEach((agent, previous) -> {
            String[] id = previous.split("/", 2);
            undone.add(onEach(Set.of(agent), "switch", r -> new NodeAgent.Switch(id[0], id[1], r), timeout)
                    .thenApply(one -> one.values().iterator().next())
                    .toCompletableFuture());
        });
        return CompletableFuture.allOf(undone.toArray(CompletableFuture[]::new)).thenApply(all -> {
            undone.forEach(u -> steps.add(u.join()));
            return new Outcome(
                    action, false, steps, firstRefusal(switched) + ": the nodes that had switched went back");
        });
    }

    /** Runs {@code change} unless another change started on this node is still running. */
    private CompletionStage<Outcome> exclusively(String action, Supplier<CompletionStage<Outcome>> change) {
        if (!busy.compareAndSet(false, true)) {
            return CompletableFuture.completedFuture(new Outcome(
                    action, false, List.of(), "another model change started on this node is still running"));
        }
        try {
            return change.get().whenComplete((outcome, failure) -> busy.set(false));
        } catch (RuntimeException e) {
            busy.set(false);
            throw e;
        }
    }

    private CompletionStage<Map<String, String>> served() {
        return AskPattern.<Replicator.Command, Replicator.GetResponse<LWWMap<String, String>>>ask(
                        DistributedData.get(system).replicator(),
                        replyTo -> new Replicator.Get<>(SERVED, new Replicator.ReadMajority(quick), replyTo),
                        quick.plusSeconds(1),
                        system.scheduler())
                .thenApply(answer -> answer instanceof Replicator.GetSuccess<LWWMap<String, String>> found
                        ? found.dataValue().getEntries()
                        : Map.of());
    }

    /** Writes the served version, and the one before it when known, to a majority; whether a majority took it. */
    private CompletionStage<Boolean> record(String name, String version, String previousId) {
        SelfUniqueAddress self = DistributedData.get(system).selfUniqueAddress();
        String previous = previousId != null && previousId.startsWith(name + "/")
                ? previousId.substring(name.length() + 1)
                : null;
        return AskPattern.<Replicator.Command, Replicator.UpdateResponse<LWWMap<String, String>>>ask(
                        DistributedData.get(system).replicator(),
                        replyTo -> new Replicator.Update<>(
                                SERVED, LWWMap.empty(), new Replicator.WriteMajority(quick), replyTo, map -> {
                                    String before = previous != null
                                            ? previous
                                            : map.getEntries().get(name);
                                    LWWMap<String, String> next = map.put(self, name, version);
                                    return before == null || before.equals(version)
                                            ? next
                                            : next.put(self, name + PREVIOUS, before);
                                }),
                        quick.plusSeconds(1),
                        system.scheduler())
                .thenApply(answer -> answer instanceof Replicator.UpdateSuccess)
                .exceptionally(failure -> false);
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
            String step,
            Function<ActorRef<NodeAgent.StepResult>, NodeAgent.Command> command,
            Duration within) {
        Map<ActorRef<NodeAgent.Command>, CompletableFuture<NodeAgent.StepResult>> answers = new LinkedHashMap<>();
        for (ActorRef<NodeAgent.Command> agent : agents) {
            answers.put(
                    agent,
                    AskPattern.<NodeAgent.Command, NodeAgent.StepResult>ask(
                                    agent, command::apply, within.plusSeconds(1), system.scheduler())
                            .toCompletableFuture()
                            .exceptionally(failure -> new NodeAgent.StepResult(
                                    agent.path().address().toString(),
                                    step,
                                    false,
                                    null,
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

    private static boolean allOk(Map<?, NodeAgent.StepResult> steps) {
        return steps.values().stream().allMatch(NodeAgent.StepResult::ok);
    }

    private static Set<ActorRef<NodeAgent.Command>> succeeded(
            Map<ActorRef<NodeAgent.Command>, NodeAgent.StepResult> steps) {
        Set<ActorRef<NodeAgent.Command>> ok = new HashSet<>();
        steps.forEach((agent, step) -> {
            if (step.ok()) {
                ok.add(agent);
            }
        });
        return ok;
    }

    private static String firstRefusal(Map<?, NodeAgent.StepResult> steps) {
        return steps.values().stream()
                .filter(s -> !s.ok())
                .findFirst()
                .map(s -> s.node() + " refused the " + s.step() + ": " + s.detail())
                .orElse("no node answered");
    }
}
