package adsml.actors.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class ClusterBudgetsTest {
    private static final long DOLLAR = 1_000_000;

    @Test
    void cap_isAtMostWhatIsLeftDividedByTheNodes() {
        // Budget 30, this node spent 3, the others 12: 15 left over 3 nodes. A fast campaign's lease is 5.
        assertEquals(
                3 * DOLLAR + 5 * DOLLAR,
                ClusterBudgets.cap(30 * DOLLAR, 3 * DOLLAR, 12 * DOLLAR, 3, 100 * DOLLAR, 0, 0));
    }

    @Test
    void cap_isTheSpendRateOverTheWindowWhenThatIsLess() {
        assertEquals(3 * DOLLAR + DOLLAR / 2, ClusterBudgets.cap(30 * DOLLAR, 3 * DOLLAR, 0, 3, DOLLAR / 2, 0, 0));
    }

    @Test
    void cap_givesAnIdleCampaignItsFloorOrOneCharge() {
        // No spend yet: the floor (1% of 30 over 3 nodes = 0.1) or one charge (0.25), whichever is more.
        assertEquals(250_000, ClusterBudgets.cap(30 * DOLLAR, 0, 0, 3, 0, 300_000, 250_000));
        assertEquals(100_000, ClusterBudgets.cap(30 * DOLLAR, 0, 0, 3, 0, 300_000, 50_000));
    }

    @Test
    void cap_isTheOwnSpendWhenNothingIsLeft() {
        assertEquals(7 * DOLLAR, ClusterBudgets.cap(10 * DOLLAR, 7 * DOLLAR, 4 * DOLLAR, 2, DOLLAR, 0, DOLLAR));
    }

    @Test
    void cap_neverGivesMoreThanWhatIsLeftFloorOrNot() {
        assertEquals(DOLLAR / 3, ClusterBudgets.cap(10 * DOLLAR, 0, 9 * DOLLAR, 3, 0, 0, 5 * DOLLAR));
    }

    /**
     * The bound: in each round some of the nodes renew at once, each from the others' caps as they were before the
     * round (so each misses the others' renewals of that round), then spend some of their leases; the caps never sum
     * past the budget, so neither does the spend.
     */
    @Test
    void renews_onlyWhenTheRoomIsShortOrFarTooLarge() {
        assertTrue(ClusterBudgets.renews(0, -1, 100), "no cap yet");
        assertFalse(ClusterBudgets.renews(50, 100, 140), "50 left of the cap, a lease of 90: enough for now");
        assertTrue(ClusterBudgets.renews(80, 100, 180), "20 left, a lease of 100: renewed");
        assertFalse(ClusterBudgets.renews(50, 100, 90), "a lease of 40 against 50 left: kept");
        assertTrue(ClusterBudgets.renews(50, 100, 60), "a lease of 10 against 50 left: given back");
        assertTrue(ClusterBudgets.renews(50, 100, 50), "nothing left to lease: everything given back");
        assertFalse(ClusterBudgets.renews(50, 100, 100), "the same cap");
    }

    @Test
    void caps_renewedTogetherFromTheLastRoundsCaps_neverSumPastTheBudget() {
        SplittableRandom random = new SplittableRandom(7);
        for (int run = 0; run < 2_000; run++) {
            int nodes = 1 + random.nextInt(6);
            long budget = 1 + random.nextLong(100 * DOLLAR);
            long[] own = new long[nodes];
            long[] cap = new long[nodes];
            for (int round = 0; round < 30; round++) {
                long[] before = cap.clone();
                for (int i = 0; i < nodes; i++) {
                    if (random.nextBoolean()) {
                        continue; // not renewing this round
                    }
                    long elsewhere = 0;
                    for (int j = 0; j < nodes; j++) {
                        elsewhere += j == i ? 0 : before[j];
                    }
                    long want = ClusterBudgets.cap(
                            budget,
                            own[i],
                            elsewhere,
                            nodes,
                            random.nextLong(1 + budget),
                            random.nextLong(1 + budget),
                            random.nextLong(1 + budget / 10));
                    // As a node does: it keeps a cap that still fits (the others counted it), else takes the new one.
                    cap[i] = round == 0 || ClusterBudgets.renews(own[i], cap[i], want) ? want : cap[i];
                    assertTrue(cap[i] >= own[i]);
                }
                long caps = 0;
                for (int i = 0; i < nodes; i++) {
                    caps += cap[i];
                    own[i] += random.nextLong(1 + cap[i] - own[i]); // spends some of its lease
                }
                assertTrue(caps <= budget, "run " + run + " round " + round + ": caps " + caps + " > " + budget);
            }
        }
    }
}
