package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

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
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;

class ShadowFiguresTest {
    private static final float[] LIVE = {0.1f, 0.3f, 0.2f};

    private final FakeClock clock = new FakeClock(Instant.parse("2025-03-01T12:00:30Z"));
    private final VersionFigures figures = new VersionFigures(1024, Duration.ofMinutes(15), clock);
    private final ShadowFigures shadow = figures.shadow();

    /**
     * Ads 10, 20 and 30 of three advertisers bid CPM 3, 2 and 1: with two slots, rows 0 and 1 (10 and 20) are shown.
     */
    private AuctionResult auction() {
        BudgetTracker budget = new BudgetTracker(clock);
        int[] ads = {10, 20, 30};
        float[] bids = {3f, 2f, 1f};
        int[] campaigns = {0, 1, 2};
        BidType[] types = {BidType.CPM, BidType.CPM, BidType.CPM};
        for (int i = 0; i < 3; i++) {
            budget.register(new Campaign(i, i, BidType.CPM, bids[i], 100f, 0, Targeting.ANY));
        }
        return new Auction(new AuctionSettings(0.0, 2), budget)
                .run(new Bids(0, ads, campaigns, campaigns, bids, types), LIVE, new float[3], 2);
    }

    /**
     * The live version ranks {@code requestId} (null: a request without an id, whose shown ads are not remembered); the
     * shadow scores its rows with {@code shadowPctr} (two heads).
     */
    private void rank(String requestId, float... shadowPctr) {
        AuctionResult auction = auction();
        if (requestId != null) {
            figures.served("ctr/1", clock.millis(), requestId, auction, LIVE);
        }
        float[] scores = new float[shadowPctr.length * 2];
        for (int i = 0; i < shadowPctr.length; i++) {
            scores[2 * i] = shadowPctr[i];
            scores[2 * i + 1] = 0.01f;
        }
        shadow.scored("ctr/2", requestId, LIVE, scores, auction);
    }

    private static Event event(Event.Type type, String requestId, int adId) {
        return new Event(type, requestId + adId + type, requestId, "u1", adId, 0, 0);
    }

    @Test
    void scoredRows_areComparedWithTheLiveOnes_andShedRequestsCounted() {
        rank("r1", 0.2f, 0.1f, 0.2f); // |delta| 0.1, 0.2, 0
        rank(null, 0.1f, 0.3f, 0.2f); // the same as live, and without an id
        shadow.shed("ctr/2");

        ShadowFigures.Figures f = shadow.figures().get("ctr/2");
        assertEquals(2, f.requests());
        assertEquals(1, f.shed());
        assertEquals(6, f.rows());
        assertEquals(0.3 / 6, f.meanAbsDelta(), 1e-6);
        assertEquals((0.5 + 0.6) / 6, f.meanShadowPctr(), 1e-6);
        assertEquals(1.2 / 6, f.meanLivePctr(), 1e-6);
        assertNull(f.calibration(), "no click yet");
    }

    @Test
    void aRowThatIsNotAProbability_isLeftOut() {
        rank("r1", Float.NaN, 0.3f, 1.5f);
        ShadowFigures.Figures f = shadow.figures().get("ctr/2");
        assertEquals(1, f.rows());
        assertEquals(0.0, f.meanAbsDelta(), 1e-9);
    }

    @Test
    void calibration_isTheShadowsPctrOverTheLiveFirstSlotImpressions_besideTheLiveOnesOnTheSame() {
        rank("r1", 0.2f, 0.1f, 0.2f);
        figures.events(List.of(
                event(Event.Type.IMPRESSION, "r1", 10),
                event(Event.Type.IMPRESSION, "r1", 20),
                event(Event.Type.CLICK, "r1", 10),
                event(Event.Type.IMPRESSION, "r9", 10))); // never ranked: neither live nor shadow

        ShadowFigures.Figures f = shadow.figures().get("ctr/2");
        assertEquals(1, f.impressions(), "ad 10's, in the first slot; ad 20 had the second");
        assertEquals(1, f.clicks());
        assertEquals(0.2, f.calibration(), 0.2 * 0.004, "the shadow predicted 0.2 clicks for 1");
        assertEquals(0.1, f.liveCalibration(), 0.1 * 0.004, "the live version 0.1 on the same impression");
        assertEquals(0.1, figures.live().get("ctr/1").sinceStart().calibration(), 0.1 * 0.004);
    }

    /**
     * A client that reports at once is often faster than the shadow, which scores after the answer has gone: the
     * first-slot impression and click that came first count when the shadow's scores come, once; a later click counts
     * as it comes.
     */
    @Test
    void eventsBeforeTheShadowScored_countWhenItsScoresCome_once() {
        rank("r0", 0.1f, 0.3f, 0.2f); // the shadow has run: early events are worth remembering
        figures.served("ctr/1", clock.millis(), "r1", auction(), LIVE);
        figures.events(List.of(
                event(Event.Type.IMPRESSION, "r1", 10),
                event(Event.Type.CLICK, "r1", 10),
                event(Event.Type.IMPRESSION, "r1", 20))); // the second slot: never counted
        assertEquals(0, shadow.figures().get("ctr/2").impressions(), "not before its scores");

        shadow.scored("ctr/2", "r1", LIVE, new float[] {0.2f, 0f, 0.1f, 0f, 0.2f, 0f}, auction());
        ShadowFigures.Figures f = shadow.figures().get("ctr/2");
        assertEquals(1, f.impressions());
        assertEquals(1, f.clicks());
        assertEquals(0.2, f.calibration(), 0.2 * 0.004, "its own pCTR of ad 10");
        assertEquals(0.1, f.liveCalibration(), 0.1 * 0.004, "the live one's, as the event came");

        figures.events(List.of(event(Event.Type.CLICK, "r1", 10)));
        assertEquals(1, shadow.figures().get("ctr/2").impressions(), "the impression counted once");
        assertEquals(2, shadow.figures().get("ctr/2").clicks(), "a later click as it comes");
        assertEquals(2, figures.live().get("ctr/1").sinceStart().impressions(), "the live side: both of r1's");
    }
}
