package adsml.actors.ranking;

import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.pekko.actor.typed.ActorRef;

/**
 * The actors of one request stage, taken in turn. Not a Pekko router: a typed pool router is an actor of its own, so
 * every request would wait for Pekko's dispatcher to wake it and forward the message, two extra hand-offs per request
 * (retrieval and features) on a thread that is not the stage's.
 */
public final class StagePool<T> {
    private final List<ActorRef<T>> members;
    private final AtomicInteger turn = new AtomicInteger();

    public StagePool(List<ActorRef<T>> members) {
        if (members.isEmpty()) {
            throw new IllegalArgumentException("a stage pool needs at least one actor");
        }
        this.members = List.copyOf(members);
    }

    /** The next actor in turn. */
    public ActorRef<T> next() {
        return members.get(Math.floorMod(turn.getAndIncrement(), members.size()));
    }
}
