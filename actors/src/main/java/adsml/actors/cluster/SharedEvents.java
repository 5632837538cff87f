package adsml.actors.cluster;

import adsml.actors.events.Event;
import adsml.actors.events.EventFeed;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.pubsub.Topic;

/**
 * Every node's events in every node's real-time counters, so that frequency caps and the counter features are the
 * cluster's. A node's event log feeds its own counters as before and publishes what it logged on a topic; each other
 * node counts what it hears into its counters, and nothing else: its event log, budgets and figures stay its own (the
 * training log is the union of the nodes' logs, and spend travels with the budgets' leases). Delivery is at most once,
 * in milliseconds: a node that is down misses what was published meanwhile, and a restarted node's counters hold its
 * own snapshot and log, not the others' events of that time, until the counters' windows pass it by.
 */
public final class SharedEvents {
    /** What one node logged at once. */
    public record Logged(String node, List<Event> events, long loggedAtMs) implements ClusterSerializable {}

    public sealed interface Command {}

    /** This node logged these: published to the others. */
    public record Publish(Logged logged) implements Command {}

    private record Heard(Logged logged) implements Command {}

    private SharedEvents() {}

    /** Subscribes to the cluster's events and counts those of other nodes into {@code counters}. */
    public static Behavior<Command> create(String node, EventFeed counters) {
        return Behaviors.setup(context -> {
            ActorRef<Topic.Command<Logged>> topic = context.spawn(Topic.create(Logged.class, "adsml-events"), "topic");
            topic.tell(Topic.subscribe(context.messageAdapter(Logged.class, Heard::new)));
            return Behaviors.receive(Command.class)
                    .onMessage(Heard.class, h -> {
                        if (!h.logged().node().equals(node)) {
                            counters.logged(h.logged().events(), h.logged().loggedAtMs());
                        }
                        return Behaviors.same();
                    })
                    .onMessage(Publish.class, p -> {
                        topic.tell(Topic.publish(p.logged()));
                        return Behaviors.same();
                    })
                    .build();
        });
    }
}
