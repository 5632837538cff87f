package adsml.platform.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.auction.AuctionSettings;
import adsml.platform.auction.Bids;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Targeting;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The estimators on logs small enough to reason about by hand: a policy judged on its own greedy log reads back what it
 * earned; a policy that never agrees with the log has nothing for the weights to see.
 */
class OffPolicyEstimatorTest {
    /** Three CPC campaigns bidding $1, $2, $3; one slot a request. */
    private static final List<Campaign> CAMPAIGNS = List.of(
            new Campaign(0, 0, BidType.CPC, 1f, 1e6f, 0, Targeting.ANY),
            new Campaign(1, 1, BidType.CPC, 2f, 1e6f, 0, Targeting.ANY),
            new Campaign(2, 2, BidType.CPC, 3f, 1e6f, 0, Targeting.ANY));

    private static final AuctionSettings SETTINGS = new AuctionSettings(0.0, 1);

    private static final Bids BIDS = new Bids(
            0,
            new int[] {10, 11, 12},
            new int[] {0, 1, 2},
            new int[] {0, 1, 2},
            new float[] {1f, 2f, 3f},
            new BidType[] {BidType.CPC, BidType.CPC, BidType.CPC});

    /**
     * A greedy log (propensity 1): the logging scores rank candidate 2 first (eCPM 3 x 2% = 60 against 2 x 2% = 40),
     * and it pays the runner-up's $40 eCPM over its own 2%: $2 a click.
     */
    private static List<LoggedRequest> greedyLog(int requests, long seed) {
        SplittableRandom random = new SplittableRandom(seed);
        float[] ctr = {0.02f, 0.02f, 0.02f};
        float[] cvr = {0f, 0f, 0f};
        List<LoggedRequest> log = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            boolean clicked = random.nextDouble() < 0.02;
            log.add(new LoggedRequest(
                    "r" + i,
                    BIDS,
                    new boolean[3],
                    null,
                    ctr,
                    cvr,
                    1,
                    new int[] {2},
                    new double[] {1.0},
                    new boolean[] {clicked},
                    new boolean[] {false},
                    clicked ? 2.0 : 0,
                    null));
        }
        return log;
    }

    @Test
    void theLoggingPolicy_onItsOwnGreedyLog_readsBackWhatItEarned() {
        List<LoggedRequest> log = greedyLog(20_000, 3);
        OffPolicyEstimator estimator = OffPolicyEstimator.of(SETTINGS, CAMPAIGNS, 20);
        ReplayEstimate e = estimator.estimate(log, (r, ctr, cvr) -> {
            System.arraycopy(r.loggedCtr(), 0, ctr, 0, 3);
            System.arraycopy(r.loggedCvr(), 0, cvr, 0, 3);
        });
        assertEquals(20_000, e.requests());
        assertEquals(e.loggedRpm(), e.ips().rpm(), 1e-9, "every slot matched at weight 1: the log's own revenue");
        assertEquals(e.loggedRpm(), e.snips().rpm(), 1e-9);
        assertEquals(e.loggedRpm(), e.dr().rpm(), 1e-6, "the corrections undo the reward model exactly");
        assertEquals(e.loggedCtr(), e.ips().ctr(), 1e-12);
        assertEquals(20_000, e.ips().ess(), 1e-6, "one slot a request, weight 1");
        assertTrue(e.dr().covers(e.loggedRpm()), e.dr().toString());
        assertTrue(e.dr().rpmLow() < e.dr().rpm() && e.dr().rpm() < e.dr().rpmHigh(), e.dr().toString());
    }

    @Test
    void aPolicyTheLogNeverShows_isLeftToTheRewardModel() {
        List<LoggedRequest> log = greedyLog(20_000, 4);
        OffPolicyEstimator estimator = OffPolicyEstimator.of(SETTINGS, CAMPAIGNS, 20);
        // Candidate 0 ranked first: never shown by the greedy log, so no weight sees it.
        ReplayEstimate e = estimator.estimate(log, (r, ctr, cvr) -> {
            ctr[0] = 0.5f;
            ctr[1] = 0.01f;
            ctr[2] = 0.01f;
        });
        assertEquals(0, e.ips().rpm(), 0.0, "IPS reads a slot it never saw as nothing");
        assertEquals(0, e.ips().ess(), 0.0);
        // DM: candidate 0's logged pCTR (2%, recalibrated by the log's clicks) times its price, the runner-up's eCPM
        // over its own pCTR: 30 / 0.5 / 1000 = $0.06 a click, capped at its $1 bid.
        double clicksPerPrediction = e.loggedCtr() / 0.02;
        assertEquals(1000 * 0.02 * clicksPerPrediction * 0.06, e.dm().rpm(), 1e-6);
        assertEquals(e.dm().rpm(), e.dr().rpm(), 1e-9, "no correction without a match");
    }

    @Test
    void anEmptyLog_isRefused() {
        OffPolicyEstimator estimator = OffPolicyEstimator.of(SETTINGS, CAMPAIGNS, 20);
        assertThrows(IllegalArgumentException.class, () -> estimator.estimate(List.of(), (r, ctr, cvr) -> {}));
    }
}
