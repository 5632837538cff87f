package adsml.server;

import adsml.actors.events.Event;
import adsml.actors.events.EventFeed;
import adsml.platform.counters.CounterKeys;
import adsml.platform.counters.CounterStore;
import adsml.platform.counters.CounterUpdates;
import adsml.platform.counters.Counters;
import adsml.platform.domain.Ad;
import adsml.platform.domain.Campaign;
import adsml.platform.features.CounterEntity;
import adsml.platform.index.AdEntry;
import adsml.platform.index.AdIndex;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Counts every event the log holds into the real-time counters, under every entity an ad has (the ad, its campaign,
 * advertiser, category and creative type, and the user's pairs with its category, advertiser, ad and campaign): an
 * impression, a click or a conversion counts one, and a billed event's cost counts as spend. An event for an ad the
 * index no longer has is not counted. Runs on the event log's thread.
 */
final class CounterFeed implements EventFeed {
    private static final Logger LOG = LoggerFactory.getLogger(CounterFeed.class);
    private static final CounterEntity[] ENTITIES = CounterEntity.values();

    private final CounterStore store;
    private final AdIndex index;
    private final CounterSnapshots snapshots;
    private final CounterUpdates updates = new CounterUpdates();
    private final AtomicLong failures = new AtomicLong();

    CounterFeed(CounterStore store, AdIndex index, CounterSnapshots snapshots) {
        this.store = store;
        this.index = index;
        this.snapshots = snapshots;
    }

    @Override
    public void logged(List<Event> events, long loggedAtMs) {
        updates.clear();
        for (Event e : events) {
            Optional<AdEntry> entry = index.get(e.adId());
            if (entry.isEmpty()) {
                continue;
            }
            Ad ad = entry.get().ad();
            Campaign c = entry.get().campaign();
            long user = CounterKeys.user(e.userKey());
            int measure =
                    switch (e.type()) {
                        case IMPRESSION -> Counters.IMPRESSIONS;
                        case CLICK -> Counters.CLICKS;
                        case CONVERSION -> Counters.CONVERSIONS;
                    };
            for (CounterEntity entity : ENTITIES) {
                long key = entity.key(user, ad.id(), c.id(), c.advertiserId(), ad.category(), ad.creativeType());
                updates.add(key, measure, 1f, loggedAtMs);
                if (e.cost() > 0) {
                    updates.add(key, Counters.SPEND, (float) e.cost(), loggedAtMs);
                }
            }
        }
        if (updates.size() == 0) {
            return;
        }
        try {
            store.add(updates);
        } catch (RuntimeException e) {
            // The events are durable in the log; only the counters miss them (a remote store that is down).
            if (failures.getAndIncrement() % 1000 == 0) {
                LOG.warn(
                        "the counter store did not take {} updates ({} failures so far): {}",
                        updates.size(),
                        failures.get(),
                        e.toString());
            }
        }
    }

    @Override
    public boolean replays() {
        return !store.durable();
    }

    @Override
    public long restore() {
        return snapshots.restore();
    }

    @Override
    public void snapshot(long coversSegment) throws java.io.IOException {
        snapshots.write(coversSegment);
    }

    /** Batches of updates the store refused. */
    long failures() {
        return failures.get();
    }
}
