package adsml.actors.events;

import java.io.IOException;
import java.util.List;

/**
 * Where the event log hands every event once it is durable, and every retained event it reads back at start: the
 * real-time counters. Called on the log's thread, in log order, before the append is acknowledged, so that a client
 * that got its 200 finds its events counted by the next rank request.
 *
 * <p>A feed that keeps its state in memory snapshots it when a segment is sealed, so that retention never loses what
 * the counters' windows still need; at start the log replays only the segments after the snapshot. A feed whose store
 * outlives the process (Redis) neither snapshots nor is replayed into.
 */
public interface EventFeed {
    /** Feeds nothing. */
    EventFeed NONE = new EventFeed() {
        @Override
        public void logged(List<Event> events, long loggedAtMs) {}

        @Override
        public boolean replays() {
            return false;
        }

        @Override
        public long restore() {
            return 0;
        }

        @Override
        public void snapshot(long coversSegment) {}
    };

    /**
     * Events the log wrote at {@code loggedAtMs}. Never throws: a feed that cannot count them (its store is down) says
     * so in its own log and metrics; the events are durable whatever it does.
     */
    void logged(List<Event> events, long loggedAtMs);

    /** Whether the log replays its retained events into this feed at start. */
    boolean replays();

    /**
     * Restores the feed's last snapshot, at start, before any replay; returns the last sealed segment it covers (0 for
     * none): the log replays only the segments after it and the active one.
     */
    long restore();

    /** Snapshots the feed's state, which covers every segment up to and including {@code coversSegment}. */
    void snapshot(long coversSegment) throws IOException;
}
