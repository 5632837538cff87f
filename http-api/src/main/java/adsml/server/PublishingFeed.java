package adsml.server;

import adsml.actors.events.Event;
import adsml.actors.events.EventFeed;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BiConsumer;

/**
 * A cluster's node's feed: this node's counters first, then, once {@link #publishTo} is set (after the event log has
 * replayed what it holds, which the others counted when it was new), the cluster's other nodes.
 */
final class PublishingFeed implements EventFeed {
    private final EventFeed local;
    private final AtomicReference<BiConsumer<List<Event>, Long>> publish = new AtomicReference<>();

    PublishingFeed(EventFeed local) {
        this.local = local;
    }

    /** From now on what the log writes is also handed to {@code publisher}. */
    void publishTo(BiConsumer<List<Event>, Long> publisher) {
        publish.set(publisher);
    }

    @Override
    public void logged(List<Event> events, long loggedAtMs) {
        local.logged(events, loggedAtMs);
        BiConsumer<List<Event>, Long> to = publish.get();
        if (to != null) {
            to.accept(events, loggedAtMs);
        }
    }

    @Override
    public boolean replays() {
        return local.replays();
    }

    @Override
    public long restore() {
        return local.restore();
    }

    @Override
    public void snapshot(long coversSegment) throws IOException {
        local.snapshot(coversSegment);
    }
}
