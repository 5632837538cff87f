package adsml.platform.pacing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.index.BudgetTracker;
import adsml.platform.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PacerTest {
    private static final long MINUTE_MS = 60_000;

    @Test
    void trafficCurve_cumulativeRisesToOne_linearWithinTheHour() {
        TrafficCurve flat =
                new TrafficCurve(new double[] {1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
        assertEquals(0.0, flat.cumulative(0), 1e-12);
        assertEquals(0.5 / 24, flat.cumulative(30 * MINUTE_MS), 1e-12);
        assertEquals(0.5, flat.cumulative(12 * 60 * MINUTE_MS), 1e-12);
        assertEquals(1.0, flat.cumulative(25 * 60 * MINUTE_MS), 1e-12);
        TrafficCurve peak = TrafficCurve.EVENING_PEAK;
        assertEquals(9.0, peak.share(20) / peak.share(8), 1e-9, "the peak hour has nine times the quietest's");
        assertThrows(IllegalArgumentException.class, () -> new TrafficCurve(new double[23]));
    }

    /**
     * A day of one campaign whose demand at rate 1 is four times its budget, and one whose demand fits: simulated
     * minute by minute, the first is throttled and spends along the curve; the second keeps rate 1.
     */
    @Test
    void throttledCampaign_spendsAlongTheCurve_andOneThatFitsIsLeftAlone() {
        FakeClock clock = new FakeClock(Instant.parse("2026-01-05T00:00:00Z"));
        BudgetTracker budget = new BudgetTracker(clock);
        budget.setBudget(0, 1000);
        budget.setBudget(1, 1000);
        TrafficCurve curve = TrafficCurve.EVENING_PEAK;
        Pacer pacer =
                new Pacer(new PacingSettings(true, Duration.ofMinutes(1), 0.02, 0.001, 0.01, curve), budget, clock);
        SplittableRandom random = new SplittableRandom(7);
        double[] hourly = new double[24];
        double minRateOfTheOther = 1;
        for (int minute = 0; minute < 24 * 60; minute++) {
            int hour = minute / 60;
            // 200 auctions a day-minute at the curve's shape; at rate 1 campaign 0 would spend 4000 a day and
            // campaign 1 500.
            int auctions = (int) Math.round(200 * 24 * curve.share(hour));
            for (int a = 0; a < auctions; a++) {
                Pacer.Rates rates = pacer.rates();
                long draw = random.nextLong();
                if (rates.passes(0, draw) && !budget.exhausted(0)) {
                    double cost = 4000.0 / (200 * 24 * 60);
                    budget.charge(0, cost);
                    hourly[hour] += cost;
                }
                if (rates.passes(1, draw) && !budget.exhausted(1)) {
                    budget.charge(1, 500.0 / (200 * 24 * 60));
                }
                minRateOfTheOther = Math.min(minRateOfTheOther, rates.rate(1));
            }
            clock.advance(Duration.ofMinutes(1));
        }
        double squares = 0;
        for (int h = 0; h < 24; h++) {
            double miss = (hourly[h] - 1000 * curve.share(h)) / 1000;
            squares += miss * miss;
        }
        double rmse = Math.sqrt(squares / 24);
        assertTrue(rmse < 0.01, "hourly spend follows the curve within 1% of the budget (rmse " + rmse + ")");
        double spent = 0;
        for (double h : hourly) {
            spent += h;
        }
        assertTrue(spent > 950 && spent <= 1000 + 1e-6, "spends its budget by the day's end: " + spent);
        assertEquals(1.0, minRateOfTheOther, 1e-9, "a campaign whose demand fits is never throttled");
        assertEquals(1.0, pacer.meanRateToday(1), 1e-9);
        double throttled = pacer.meanRateToday(0);
        assertTrue(throttled > 0.15 && throttled < 0.4, "a quarter of its demand fits its budget: " + throttled);
    }

    /**
     * A start at 01:00 of a campaign whose demand at rate 1 is 35 times its budget (the demo's): its demand estimate is
     * still near the prior's "no spend", which alone kept it near rate 1 until it had spent a quarter of its budget;
     * its spend ahead of the curve now throttles it within a minute or two, so that ten minutes in it has spent a few
     * percent, and it spends on along the curve after.
     */
    @Test
    void aCampaignFarAheadOfItsCurve_inTheFirstMinutes_isThrottledBeforeItsDemandIsKnown() {
        FakeClock clock = new FakeClock(Instant.parse("2026-01-05T01:00:00Z"));
        BudgetTracker budget = new BudgetTracker(clock);
        budget.setBudget(0, 200);
        TrafficCurve curve = TrafficCurve.EVENING_PEAK;
        Pacer pacer =
                new Pacer(new PacingSettings(true, Duration.ofMinutes(1), 0.02, 0.001, 0.01, curve), budget, clock);
        SplittableRandom random = new SplittableRandom(11);
        int auctionsPerMinute = 600; // flat, as the demo sends them
        double perAuction = 35 * 200.0 / (auctionsPerMinute * 24 * 60);
        for (int minute = 0; minute < 10; minute++) {
            for (int a = 0; a < auctionsPerMinute; a++) {
                if (pacer.rates().passes(0, random.nextLong())) {
                    budget.charge(0, perAuction);
                }
                clock.advance(Duration.ofMillis(100));
            }
        }
        double share = budget.spentToday(0) / 200;
        System.out.println("PacerTest: ten minutes in, " + share + " of the budget spent");
        assertTrue(share < 0.06, "ten minutes in, " + share + " of the budget spent");
        assertTrue(pacer.rates().rate(0) < 0.05, "throttled: " + pacer.rates().rate(0));
    }

    @Test
    void disabled_passesEveryone() {
        FakeClock clock = new FakeClock(Instant.parse("2026-01-05T00:00:00Z"));
        BudgetTracker budget = new BudgetTracker(clock);
        budget.setBudget(0, 1);
        budget.charge(0, 0.9);
        clock.advance(Duration.ofMinutes(5));
        Pacer pacer = new Pacer(PacingSettings.OFF, budget, clock);
        assertEquals(1f, pacer.rates().rate(0));
        assertTrue(pacer.rates().passes(0, 42));
    }
}
