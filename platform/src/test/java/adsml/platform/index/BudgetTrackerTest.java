package adsml.platform.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.testing.FakeClock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class BudgetTrackerTest {
    private final FakeClock clock = new FakeClock(Instant.parse("2025-03-01T23:58:00Z"));
    private final BudgetTracker budget = new BudgetTracker(clock);

    @Test
    void charge_exhaustsWhenSpendReachesBudget() {
        budget.setBudget(3, 10.0);
        budget.charge(3, 4.0);
        budget.charge(3, 5.99);
        assertFalse(budget.exhausted(3));
        budget.charge(3, 0.01);
        assertTrue(budget.exhausted(3));
        assertEquals(10.0, budget.spentToday(3), 1e-9);
    }

    @Test
    void charge_mayOvershootTheBudget() {
        budget.setBudget(0, 1.0);
        budget.charge(0, 2.5);
        assertTrue(budget.exhausted(0));
        assertEquals(2.5, budget.spentToday(0), 1e-9);
    }

    @Test
    void exhausted_resetsAtMidnightKeepingBudgets() {
        budget.setBudget(1, 5.0);
        budget.charge(1, 5.0);
        assertTrue(budget.exhausted(1));
        clock.advance(Duration.ofMinutes(1));
        assertTrue(budget.exhausted(1), "still 23:59");
        clock.advance(Duration.ofMinutes(1));
        assertFalse(budget.exhausted(1), "a new day starts at 00:00");
        assertEquals(0.0, budget.spentToday(1));
        assertEquals(5.0, budget.dailyBudget(1));
    }

    @Test
    void exhausted_daysFollowTheClocksZone() {
        // 23:58 UTC is 08:58 in Tokyo, whose day ends at 15:00 UTC the next day, not at midnight UTC.
        FakeClock tokyo = new FakeClock(Instant.parse("2025-03-01T23:58:00Z"), ZoneId.of("Asia/Tokyo"));
        BudgetTracker tracker = new BudgetTracker(tokyo);
        tracker.setBudget(0, 1.0);
        tracker.charge(0, 1.0);
        tokyo.advance(Duration.ofMinutes(15 * 60 + 1));
        assertTrue(tracker.exhausted(0), "23:59 in Tokyo");
        tokyo.advance(Duration.ofMinutes(1));
        assertFalse(tracker.exhausted(0), "00:00 in Tokyo");
    }

    @Test
    void setBudget_raisingTheBudgetRevivesTheCampaign() {
        budget.setBudget(2, 1.0);
        budget.charge(2, 1.0);
        assertTrue(budget.exhausted(2));
        budget.setBudget(2, 3.0);
        assertFalse(budget.exhausted(2));
    }

    @Test
    void setBudget_loweringTheBudgetBelowTheSpendExhaustsAtOnce() {
        budget.setBudget(2, 5.0);
        budget.charge(2, 2.0);
        assertFalse(budget.exhausted(2));
        budget.setBudget(2, 1.5);
        assertTrue(budget.exhausted(2));
        assertTrue(budget.view().exhausted(2));
    }

    @Test
    void exhausted_aZeroBudgetIsExhaustedFromTheStartOfEveryDay() {
        budget.setBudget(4_100, 0.0); // a second chunk
        budget.setBudget(3, 1.0);
        assertTrue(budget.exhausted(4_100));
        clock.advance(Duration.ofMinutes(3)); // past midnight
        assertTrue(budget.exhausted(4_100));
        assertFalse(budget.exhausted(3));
    }

    @Test
    void exhausted_agreesWithSpendAndBudgetAfterConcurrentChargesAndBudgetChanges() throws InterruptedException {
        int campaigns = 64;
        for (int c = 0; c < campaigns; c++) {
            budget.setBudget(c, 5.0);
        }
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 3; t++) {
            int seed = t;
            pool.execute(() -> {
                for (int i = 0; i < 20_000; i++) {
                    budget.charge((i * 7 + seed) % campaigns, 0.01);
                }
            });
        }
        pool.execute(() -> {
            for (int i = 0; i < 20_000; i++) {
                budget.setBudget(i % campaigns, 1.0 + (i % 13));
            }
        });
        pool.shutdown();
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS));
        for (int c = 0; c < campaigns; c++) {
            assertEquals(
                    budget.spentToday(c) >= budget.dailyBudget(c),
                    budget.exhausted(c),
                    "campaign " + c + ": spent " + budget.spentToday(c) + " of " + budget.dailyBudget(c));
        }
    }

    @Test
    void setBudget_growingKeepsEarlierSpend() {
        budget.setBudget(0, 10.0);
        budget.charge(0, 2.0);
        budget.setBudget(50_000, 10.0);
        assertEquals(2.0, budget.spentToday(0), 1e-9);
        assertEquals(0.0, budget.spentToday(50_000));
    }

    @Test
    void isToday_followsTheDayChargesLandOn() {
        // 23:58 UTC on 1 March: the day is [1 March 00:00, 2 March 00:00).
        assertTrue(budget.isToday(Instant.parse("2025-03-01T00:00:00Z").toEpochMilli()));
        assertTrue(budget.isToday(Instant.parse("2025-03-01T23:59:59.999Z").toEpochMilli()));
        assertFalse(budget.isToday(Instant.parse("2025-02-28T23:59:59.999Z").toEpochMilli()));
        assertFalse(budget.isToday(Instant.parse("2025-03-02T00:00:00Z").toEpochMilli()));
        clock.advance(Duration.ofMinutes(3));
        assertTrue(budget.isToday(Instant.parse("2025-03-02T00:00:00Z").toEpochMilli()), "the day moved at midnight");
        assertFalse(budget.isToday(Instant.parse("2025-03-01T23:59:59.999Z").toEpochMilli()));
    }

    @Test
    void charge_saturatesInsteadOfWrapping() {
        budget.setBudget(0, 1.0);
        for (int i = 0; i < 10; i++) {
            budget.charge(0, 1e12); // 10^18 micro-dollars each: the tenth would wrap a long
        }
        assertTrue(budget.exhausted(0), "a wrapped spend would read as negative and revive the campaign");
        assertTrue(budget.spentToday(0) > 9e12, "spent " + budget.spentToday(0));
    }

    @Test
    void unknownCampaign_throws() {
        budget.setBudget(0, 1.0);
        assertThrows(IllegalArgumentException.class, () -> budget.exhausted(1));
        assertThrows(IllegalArgumentException.class, () -> budget.charge(99_999, 1.0));
        assertThrows(IllegalArgumentException.class, () -> budget.exhausted(-1));
        assertThrows(IllegalArgumentException.class, () -> budget.charge(0, -1.0));
    }

    @Test
    void charge_concurrentChargesAllCount() throws InterruptedException {
        budget.setBudget(7, 1_000.0);
        ExecutorService pool = Executors.newFixedThreadPool(4);
        for (int t = 0; t < 4; t++) {
            pool.execute(() -> {
                for (int i = 0; i < 10_000; i++) {
                    budget.charge(7, 0.001);
                }
            });
        }
        pool.shutdown();
        assertTrue(pool.awaitTermination(10, TimeUnit.SECONDS));
        assertEquals(40.0, budget.spentToday(7), 1e-9);
    }

    @Test
    void leased_spendsNothingUntilItsFirstLease() {
        BudgetTracker node = BudgetTracker.leased(clock);
        node.setBudget(2, 10.0);
        assertTrue(node.exhausted(2), "a cluster's node that has not heard the others spends nothing");
        assertEquals(0.0, node.view().remaining(2, System.nanoTime()));
        node.lease(2, node.view().startMillis(), 0, 4_000_000);
        assertFalse(node.exhausted(2));
        assertEquals(4.0, node.view().remaining(2, System.nanoTime()), 1e-9);
    }

    @Test
    void leased_spendIsTheClustersAndTheCapBindsThisNode() {
        BudgetTracker node = BudgetTracker.leased(clock);
        node.setBudget(2, 10.0);
        long day = node.view().startMillis();
        node.lease(2, day, 3_000_000, 5_000_000); // others spent 3; this node may reach 5
        node.charge(2, 1.0);
        assertEquals(4.0, node.spentToday(2), 1e-9, "its own 1 and the others' 3");
        assertEquals(1.0, node.view().ownMicros(2) / 1e6, 1e-9);
        assertEquals(4.0, node.view().remaining(2, System.nanoTime()), 1e-9, "min(10 - 4, 5 - 1)");
        node.charge(2, 4.0);
        assertTrue(node.exhausted(2), "its own spend reached its cap, though the cluster's is 8 of 10");
        node.lease(2, day, 3_000_000, 6_500_000);
        assertFalse(node.exhausted(2), "a new lease lets it spend again");
        node.lease(2, day, 5_000_000, 6_500_000);
        assertTrue(node.exhausted(2), "the cluster's spend reached the budget");
    }

    @Test
    void leased_aLeaseForAnotherDayIsIgnoredAndANewDayStartsClosed() {
        BudgetTracker node = BudgetTracker.leased(clock);
        node.setBudget(0, 10.0);
        long day = node.view().startMillis();
        node.lease(0, day - 86_400_000L, 0, 5_000_000);
        assertTrue(node.exhausted(0), "yesterday's lease does not open today");
        node.lease(0, day, 2_000_000, 5_000_000);
        assertFalse(node.exhausted(0));
        clock.advance(Duration.ofMinutes(3)); // past midnight
        assertTrue(node.exhausted(0), "today's first lease has not come");
        assertEquals(0.0, node.spentToday(0), "yesterday's spend elsewhere is gone");
    }

    @Test
    void plainTracker_hasNoCapAndNothingElsewhere() {
        budget.setBudget(4, 10.0);
        assertEquals(Long.MAX_VALUE, budget.view().capMicros(4));
        budget.charge(4, 9.0);
        assertEquals(1.0, budget.view().remaining(4, System.nanoTime()), 1e-9);
        assertThrows(IllegalArgumentException.class, () -> budget.lease(4, 0, -1, 0));
    }
}
