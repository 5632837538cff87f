package adsml.http;

import adsml.actors.events.Event;
import adsml.platform.auction.AuctionResult;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * Live figures of each model version that served since the server started: the requests it ranked, and the impressions,
 * clicks, conversions and charges that events reported for the ads it had shown, since start and over a recent window
 * of the server's clock. What the admin UI compares a canary and the active version by.
 *
 * <p>An event counts for the version that served its request's ad, looked up by request id and ad id in a bounded table
 * ({@link ShownAds}); an event whose ad has left the table (about {@code shownAds} newer shown ads ago) or that names
 * no ad this server showed is counted as not attributed. Counting is adders only: a request pays a map lookup, two
 * increments and one table write per shown ad; the window's minute buckets are replaced once a minute.
 */
public final class VersionFigures {
    /** One version's figures: revenue in dollars; ratios null while their denominator is 0. */
    public record Figures(
            long requests,
            long impressions,
            long clicks,
            long conversions,
            double revenue,
            Double ctr,
            Double rpm,
            Double calibration) {
        /**
         * {@code ctr}: clicks per impression; {@code rpm}: revenue per 1000 ranked requests; {@code calibration}: the
         * sum of the pCTR the version predicted for its impressions in the first slot, over the clicks they got (1 is
         * calibrated, above 1 it predicts too many clicks). The first slot only: a version scores every candidate as if
         * it were shown there, and a lower slot draws fewer clicks for the same ad (in the demo world and in real
         * feeds), so over every slot a calibrated model would read well above 1.
         */
        static Figures of(
                long requests,
                long impressions,
                long clicks,
                long conversions,
                double revenue,
                double topPctrSum,
                long topClicks) {
            return new Figures(
                    requests,
                    impressions,
                    clicks,
                    conversions,
                    revenue,
                    impressions == 0 ? null : (double) clicks / impressions,
                    requests == 0 ? null : 1000 * revenue / requests,
                    topClicks == 0 ? null : topPctrSum / topClicks);
        }
    }

    /** A version's figures since start, and over the last {@link #window()} of the server's clock. */
    public record Live(Figures sinceStart, Figures recent) {}

    private static final long MINUTE_MS = 60_000;

    private final ShownAds shown;
    private final ShadowFigures shadow;
    private final Clock clock;
    private final int windowMinutes;
    private final VersionIndex<Version> versions;

    private final LongAdder unattributed = new LongAdder();
    /** The versions whose counters a registry has, guarded by this. */
    private final Set<String> inRegistry = new HashSet<>();

    /**
     * @param shownAds the shown ads remembered for attribution, a power of two (8 bytes each)
     * @param window the recent window, whole minutes of {@code clock}
     * @param clock the server's clock (simulated in {@code adsml simulate}), which the window follows
     */
    public VersionFigures(int shownAds, Duration window, Clock clock) {
        if (window.toMinutes() < 1 || window.toMillis() % MINUTE_MS != 0) {
            throw new IllegalArgumentException("the window must be whole minutes, at least one, was " + window);
        }
        this.shown = new ShownAds(shownAds);
        this.shadow = new ShadowFigures(shownAds);
        this.clock = clock;
        this.windowMinutes = Math.toIntExact(window.toMinutes());
        int minutes = windowMinutes;
        this.versions = new VersionIndex<>(index -> new Version(index, minutes));
    }

    /** The shadow versions' comparison with the live ones, which meets the same events. */
    public ShadowFigures shadow() {
        return shadow;
    }

    public Duration window() {
        return Duration.ofMinutes(windowMinutes);
    }

    /**
     * A request {@code version} ranked at {@code servedAtMs} (the server's clock): counted, and its shown ads held for
     * their events with the pCTR the auction read ({@code pCtr}, per candidate). Called on the coordinator's thread.
     */
    public void served(String version, long servedAtMs, String requestId, AuctionResult auction, float[] pCtr) {
        Version v = versions.of(version);
        if (v == null) {
            return; // more versions than an entry can name since start: not counted
        }
        v.total.requests.increment();
        v.bucket(servedAtMs).requests.increment();
        long request = ShownAds.requestHash(requestId);
        for (int slot = 0; slot < auction.winners(); slot++) {
            shown.put(
                    ShownAds.key(request, auction.adId(slot)), v.index, pCtr[auction.candidateIndex(slot)], slot == 0);
        }
    }

    /** Events the log acknowledged as new (retries are not passed again), each counted for the version it names. */
    public void events(List<Event> added) {
        long now = clock.millis();
        for (Event e : added) {
            long key = ShownAds.key(ShownAds.requestHash(e.requestId()), e.adId());
            long entry = shown.get(key);
            if (entry == ShownAds.NONE) {
                unattributed.increment();
                continue;
            }
            Version v = versions.at(ShownAds.version(entry));
            float pCtr = ShownAds.pCtr(entry);
            boolean top = ShownAds.top(entry);
            v.total.add(e, pCtr, top);
            v.bucket(now).add(e, pCtr, top);
            shadow.event(key, e, pCtr, top);
        }
    }

    /** Events that named no ad the table still held. */
    public long unattributed() {
        return unattributed.sum();
    }

    /** Every version that served since start, by {@code name/version}, in name order. */
    public Map<String, Live> live() {
        long minute = Math.floorDiv(clock.millis(), MINUTE_MS);
        Map<String, Live> live = new TreeMap<>();
        versions.forEach((id, v) -> live.put(id, new Live(v.total.figures(), v.recent(minute))));
        return live;
    }

    /**
     * Adds to {@code registry} the since-start counters of each version it does not have yet, tagged
     * {@code model_version}: the impressions, clicks and conversions of its shown ads ({@code adsml.version.events} by
     * {@code type}), their charges ({@code adsml.version.revenue}, in dollars:
     * {@code adsml_version_revenue_dollars_total}), and the first slot's impressions' summed pCTR and clicks
     * ({@code adsml.version.top.slot.predicted.clicks}, {@code adsml.version.top.slot.clicks}): the ratio of their
     * rates is the calibration the admin UI shows, over whatever window the query picks. Called before each scrape; at
     * most {@link ShownAds#MAX_VERSION} versions are ever counted.
     */
    synchronized void registerNew(MeterRegistry registry) {
        versions.forEach((id, v) -> {
            if (!inRegistry.add(id)) {
                return;
            }
            Counts c = v.total;
            String events = "events of the ads this version's auctions showed";
            for (var type : List.of(
                    Map.entry("impression", c.impressions),
                    Map.entry("click", c.clicks),
                    Map.entry("conversion", c.conversions))) {
                FunctionCounter.builder("adsml.version.events", type.getValue(), LongAdder::sum)
                        .description(events)
                        .tags("model_version", id, "type", type.getKey())
                        .register(registry);
            }
            FunctionCounter.builder("adsml.version.revenue", c.revenue, DoubleAdder::sum)
                    .description("dollars charged by the events of the ads this version showed")
                    .baseUnit("dollars")
                    .tag("model_version", id)
                    .register(registry);
            FunctionCounter.builder("adsml.version.top.slot.predicted.clicks", c.topPctr, DoubleAdder::sum)
                    .description("the pCTR this version gave its first-slot ads, summed over their impressions")
                    .tag("model_version", id)
                    .register(registry);
            FunctionCounter.builder("adsml.version.top.slot.clicks", c.topClicks, LongAdder::sum)
                    .description("clicks on this version's first-slot ads")
                    .tag("model_version", id)
                    .register(registry);
        });
    }

    private static final class Counts {
        final LongAdder requests = new LongAdder();
        final LongAdder impressions = new LongAdder();
        final LongAdder clicks = new LongAdder();
        final LongAdder conversions = new LongAdder();
        final DoubleAdder revenue = new DoubleAdder();
        final DoubleAdder topPctr = new DoubleAdder();
        final LongAdder topClicks = new LongAdder();

        void add(Event e, float pCtr, boolean top) {
            switch (e.type()) {
                case IMPRESSION -> {
                    impressions.increment();
                    if (top) {
                        topPctr.add(pCtr);
                    }
                }
                case CLICK -> {
                    clicks.increment();
                    if (top) {
                        topClicks.increment();
                    }
                }
                case CONVERSION -> conversions.increment();
            }
            if (e.cost() > 0) {
                revenue.add(e.cost());
            }
        }

        Figures figures() {
            return Figures.of(
                    requests.sum(),
                    impressions.sum(),
                    clicks.sum(),
                    conversions.sum(),
                    revenue.sum(),
                    topPctr.sum(),
                    topClicks.sum());
        }
    }

    /** One minute's counts of one version. */
    private record Minute(long minute, Counts counts) {}

    private static final class Version {
        final int index;
        final Counts total = new Counts();
        /** The last minutes' counts, minute {@code m} at {@code m % length}; a bucket is replaced by a later minute. */
        final AtomicReferenceArray<Minute> minutes;

        Version(int index, int windowMinutes) {
            this.index = index;
            this.minutes = new AtomicReferenceArray<>(windowMinutes);
        }

        Counts bucket(long atMs) {
            long minute = Math.floorDiv(atMs, MINUTE_MS);
            int at = (int) Math.floorMod(minute, (long) minutes.length());
            Minute m = minutes.get(at);
            while (m == null || m.minute() < minute) {
                Minute fresh = new Minute(minute, new Counts());
                if (minutes.compareAndSet(at, m, fresh)) {
                    return fresh.counts();
                }
                m = minutes.get(at);
            }
            // A time before the bucket's (a clock set back by a whole window) counts in the newer minute.
            return m.counts();
        }

        /** The minutes from {@code now} back, as many as the window holds: the current one and those before it. */
        Figures recent(long now) {
            long requests = 0, impressions = 0, clicks = 0, conversions = 0, topClicks = 0;
            double revenue = 0, topPctr = 0;
            for (int i = 0; i < minutes.length(); i++) {
                Minute m = minutes.get(i);
                if (m != null && m.minute() > now - minutes.length() && m.minute() <= now) {
                    requests += m.counts().requests.sum();
                    impressions += m.counts().impressions.sum();
                    clicks += m.counts().clicks.sum();
                    conversions += m.counts().conversions.sum();
                    revenue += m.counts().revenue.sum();
                    topPctr += m.counts().topPctr.sum();
                    topClicks += m.counts().topClicks.sum();
                }
            }
            return Figures.of(requests, impressions, clicks, conversions, revenue, topPctr, topClicks);
        }
    }
}
