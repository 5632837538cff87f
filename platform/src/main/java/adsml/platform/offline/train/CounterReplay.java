package adsml.platform.offline.train;

import adsml.platform.counters.CounterKeys;
import adsml.platform.counters.CounterStore;
import adsml.platform.counters.CounterUpdates;
import adsml.platform.counters.Counters;
import adsml.platform.domain.Ad;
import adsml.platform.domain.Campaign;
import adsml.platform.features.CounterEntity;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.world.ImpressionLog;
import adsml.platform.world.World;
import java.util.List;

/**
 * The real-time counters as a logged world would have seen them, for training and evaluating a feature set that reads
 * counters: impressions are replayed in log order on a clock that advances {@link #REQUEST_INTERVAL_MS} per request,
 * each request's rows are built from the counters before its own events (no row sees its own label or a sibling's), and
 * its impressions, clicks and conversions are counted after.
 *
 * <p>Two ways it differs from serving, both because the world's log holds neither: a click or conversion counts at its
 * impression's time (served ones count when they arrive, a conversion maybe hours later), so rates are a little fresher
 * in training than in serving; and spend is not replayed (a set that reads it trains from the feature log).
 *
 * <p>The interval is the demo traffic's default rate (20 requests a second), so that counts in training have the
 * magnitudes the demo serves. One replay runs through the training log and then the held-out one, as time goes on.
 */
public final class CounterReplay {
    /** The clock's step per logged request. */
    public static final long REQUEST_INTERVAL_MS = 50;

    /** When the replayed day starts: a fixed instant, so that the replay is deterministic. */
    public static final long START_MS = 1_767_225_600_000L; // 2026-01-01T00:00Z

    private final CounterStore store;
    private final CounterUpdates updates = new CounterUpdates();
    private long nowMs = START_MS;

    /** A replay into {@code store}, which should start empty. */
    public CounterReplay(CounterStore store) {
        this.store = store;
    }

    public CounterStore store() {
        return store;
    }

    /** The replay's clock: the time of the next request. */
    public long nowMs() {
        return nowMs;
    }

    /** Counts every request of {@code log} without building rows: the history before the rows that are built. */
    public void countLog(World world, ImpressionLog log, FeatureAssembly set) {
        long[] requestIds = log.requestId();
        for (int from = 0, to; from < log.size(); from = to) {
            to = from + 1;
            while (to < log.size() && requestIds[to] == requestIds[from]) {
                to++;
            }
            countRequest(world, log, from, to, set);
        }
    }

    /**
     * Counts the events of log rows {@code [from, to)}, one request's, for every entity {@code set} reads, and moves
     * the clock to the next request.
     */
    void countRequest(World world, ImpressionLog log, int from, int to, FeatureAssembly set) {
        List<CounterEntity> entities = set.counterEntities();
        updates.clear();
        for (int i = from; i < to; i++) {
            long user = CounterKeys.user("u" + log.userId()[i]);
            Ad ad = world.ad(log.adId()[i]);
            Campaign c = world.campaign(ad.campaignId());
            for (CounterEntity e : entities) {
                long key = e.key(user, ad.id(), c.id(), c.advertiserId(), ad.category(), ad.creativeType());
                updates.add(key, Counters.IMPRESSIONS, 1f, nowMs);
                if (log.click()[i]) {
                    updates.add(key, Counters.CLICKS, 1f, nowMs);
                }
                if (log.conversion()[i]) {
                    updates.add(key, Counters.CONVERSIONS, 1f, nowMs);
                }
            }
        }
        if (updates.size() > 0) {
            store.add(updates);
        }
        nowMs += REQUEST_INTERVAL_MS;
    }
}
