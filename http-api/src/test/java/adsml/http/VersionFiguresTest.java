package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;

import adsml.actors.events.Event;
import adsml.platform.auction.Auction;
import adsml.platform.auction.AuctionResult;
import adsml.platform.auction.AuctionSettings;
import adsml.platform.auction.Bids;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Targeting;
import adsml.platform.index.BudgetTracker;
import adsml.platform.testing.FakeClock;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class VersionFiguresTest {
    private final FakeClock clock = new FakeClock(Instant.parse("2025-03-01T12:00:30Z"));
    private final VersionFigures figures = new VersionFigures(1024, Duration.ofMinutes(15), clock);

    /** Ads 10, 20 and 30 of three advertisers bid CPM 3, 2 and 1: with two slots, 10 and 20 are shown. */
    private AuctionResult auction(float[] pCtr) {
        BudgetTracker budget = new BudgetTracker(clock);
        int[] ads = {10, 20, 30};
        float[] bids = {3f, 2f, 1f};
        int[] campaigns = new int[3];
        int[] advertisers = new int[3];
        BidType[] types = new BidType[3];
        for (int i = 0; i < 3; i++) {
            budget.register(new Campaign(i, i, BidType.CPM, bids[i], 100f, 0, Targeting.ANY));
            campaigns[i] = i;
            advertisers[i] = i;
            types[i] = BidType.CPM;
        }
        return new Auction(new AuctionSettings(0.0, 2), budget)
                .run(new Bids(0, ads, campaigns, advertisers, bids, types), pCtr, new float[3], 2);
    }

    private void serve(String version, String requestId, float... pCtr) {
        figures.served(version, clock.millis(), requestId, auction(pCtr), pCtr);
    }

    private static Event event(Event.Type type, String requestId, int adId, double cost) {
        return new Event(type, requestId + adId + type, requestId, "u1", adId, 0, cost);
    }

    /** The scrape's counters per version read the since-start counts as they grow; a version is added once. */
    @Test
    void theRegistry_getsEachVersionsCounters_whenFirstSeen() {
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        serve("ctr/1", "r1", 0.1f, 0.3f, 0.2f);
        figures.registerNew(registry);
        figures.events(List.of(
                event(Event.Type.IMPRESSION, "r1", 10, 0),
                event(Event.Type.IMPRESSION, "r1", 20, 0),
                event(Event.Type.CLICK, "r1", 10, 0.5)));
        serve("ctr/2", "r2", 0.05f, 0.05f, 0.05f);
        figures.registerNew(registry);
        figures.registerNew(registry);

        assertEquals(6, registry.find("adsml.version.events").functionCounters().size(), "3 types x 2 versions");
        assertEquals(2, counter(registry, "adsml.version.events", "ctr/1", "type", "impression"));
        assertEquals(1, counter(registry, "adsml.version.events", "ctr/1", "type", "click"));
        assertEquals(0, counter(registry, "adsml.version.events", "ctr/2", "type", "impression"));
        assertEquals(0.5, counter(registry, "adsml.version.revenue", "ctr/1"), 1e-12);
        // The first slot showed ad 10 at pCTR 0.1 (kept to 0.4% in the shown ads' table); ad 20, lower, counts in
        // neither figure.
        assertEquals(0.1, counter(registry, "adsml.version.top.slot.predicted.clicks", "ctr/1"), 0.1 * 0.004);
        assertEquals(1, counter(registry, "adsml.version.top.slot.clicks", "ctr/1"));
    }

    private static double counter(SimpleMeterRegistry registry, String name, String version, String... tags) {
        return registry.get(name)
                .tag("model_version", version)
                .tags(tags)
                .functionCounter()
                .count();
    }

    @Test
    void eventsCount_forTheVersionThatShowedTheirAd() {
        serve("ctr/1", "r1", 0.1f, 0.3f, 0.2f);
        serve("ctr/2", "r2", 0.05f, 0.05f, 0.05f);
        serve("ctr/2", "r3", 0.05f, 0.05f, 0.05f);
        figures.events(List.of(
                event(Event.Type.IMPRESSION, "r1", 10, 0),
                event(Event.Type.IMPRESSION, "r1", 20, 0),
                event(Event.Type.CLICK, "r1", 10, 0.5),
                event(Event.Type.IMPRESSION, "r2", 10, 0),
                event(Event.Type.CONVERSION, "r2", 10, 2.0)));
        figures.events(List.of(
                event(Event.Type.CLICK, "r9", 10, 0.5), // a request this server never ranked
                event(Event.Type.IMPRESSION, "r1", 30, 0))); // an ad r1 did not show

        Map<String, VersionFigures.Live> live = figures.live();
        assertEquals(List.of("ctr/1", "ctr/2"), List.copyOf(live.keySet()));
        VersionFigures.Figures one = live.get("ctr/1").sinceStart();
        assertEquals(1, one.requests());
        assertEquals(2, one.impressions());
        assertEquals(1, one.clicks());
        assertEquals(0.5, one.revenue(), 1e-12);
        assertEquals(0.5, one.ctr(), 1e-12);
        assertEquals(500.0, one.rpm(), 1e-9, "0.50 over 1 request, per 1000");
        assertEquals(
                0.1,
                one.calibration(),
                0.1 * 0.004,
                "the first slot's ad (10) predicted 0.1 clicks for its 1; the second slot's (20, 0.3) is left out");

        VersionFigures.Figures two = live.get("ctr/2").sinceStart();
        assertEquals(2, two.requests());
        assertEquals(1, two.impressions());
        assertEquals(0, two.clicks());
        assertEquals(1, two.conversions());
        assertEquals(1000.0, two.rpm(), 1e-9);
        assertEquals(0.0, two.ctr());
        assertNull(two.calibration(), "no click yet: no calibration");
        assertEquals(2, figures.unattributed());
        assertEquals(one, live.get("ctr/1").recent(), "all within the window");
    }

    @Test
    void recent_isTheCurrentMinuteAndTheOnesBefore_asManyAsTheWindowHolds() {
        serve("ctr/1", "r1", 0.1f, 0.3f, 0.2f);
        figures.events(List.of(event(Event.Type.IMPRESSION, "r1", 10, 0.004)));
        clock.advance(Duration.ofMinutes(14));
        assertEquals(1, figures.live().get("ctr/1").recent().requests(), "14 minutes on: still in the window");

        clock.advance(Duration.ofMinutes(1));
        serve("ctr/1", "r2", 0.1f, 0.3f, 0.2f);
        VersionFigures.Live live = figures.live().get("ctr/1");
        assertEquals(1, live.recent().requests(), "only the new request");
        assertEquals(0, live.recent().impressions());
        assertNull(live.recent().ctr(), "no impression in the window");
        assertEquals(2, live.sinceStart().requests());
        assertEquals(1, live.sinceStart().impressions());

        clock.advance(Duration.ofHours(3));
        assertEquals(0, figures.live().get("ctr/1").recent().requests(), "a bucket of 3 hours ago is not recent");
    }

    @Test
    void theWindow_isWholeMinutes() {
        assertThrows(IllegalArgumentException.class, () -> new VersionFigures(1024, Duration.ofSeconds(90), clock));
        assertThrows(IllegalArgumentException.class, () -> new VersionFigures(1024, Duration.ofSeconds(30), clock));
    }
}
