package adsml.http;

import adsml.actors.events.Event;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live counters of the events this server has acknowledged since it started: impressions, clicks, conversions and
 * spend, per ad and in total. They feed the admin UI (an ad's counters, the overview's CTR and revenue); the event log
 * on disk stays the record. Thread-safe; one entry per ad that had an event, and only ads the index holds get events.
 */
public final class EventCounters {

    /** Counts of one ad or of all ads; {@code spend} in dollars. */
    public record Counts(long impressions, long clicks, long conversions, double spend) {
        public static final Counts ZERO = new Counts(0, 0, 0, 0);

        /** Clicks per impression, NaN before the first impression. */
        public double ctr() {
            return impressions == 0 ? Double.NaN : (double) clicks / impressions;
        }
    }

    /** An ad and its counts, for the busiest-ads list. */
    public record AdCounts(int adId, Counts counts) {}

    private static final class Adders {
        final LongAdder impressions = new LongAdder();
        final LongAdder clicks = new LongAdder();
        final LongAdder conversions = new LongAdder();
        final DoubleAdder spend = new DoubleAdder();

        void add(Event.Type type, double cost) {
            switch (type) {
                case IMPRESSION -> impressions.increment();
                case CLICK -> clicks.increment();
                case CONVERSION -> conversions.increment();
            }
            if (cost > 0) {
                spend.add(cost);
            }
        }

        Counts counts() {
            return new Counts(impressions.sum(), clicks.sum(), conversions.sum(), spend.sum());
        }
    }

    private final Map<Integer, Adders> byAd = new ConcurrentHashMap<>();
    private final Adders total = new Adders();

    /** Counts one acknowledged event. */
    void record(Event event) {
        byAd.computeIfAbsent(event.adId(), id -> new Adders()).add(event.type(), event.cost());
        total.add(event.type(), event.cost());
    }

    public Counts total() {
        return total.counts();
    }

    /** The ad's counts; zeros when it has had no event. */
    public Counts ad(int adId) {
        Adders a = byAd.get(adId);
        return a == null ? Counts.ZERO : a.counts();
    }

    /** The {@code limit} ads with the most impressions, most first (ties: lower ad id). */
    public List<AdCounts> busiest(int limit) {
        List<AdCounts> all = new ArrayList<>(byAd.size());
        byAd.forEach((id, a) -> all.add(new AdCounts(id, a.counts())));
        all.sort(Comparator.comparingLong((AdCounts a) -> -a.counts().impressions())
                .thenComparingInt(AdCounts::adId));
        return all.subList(0, Math.min(limit, all.size()));
    }
}
