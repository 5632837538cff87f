package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AdaptiveLimitTest {
    private static final long DEADLINE = Duration.ofMillis(200).toNanos();
    private static final long FAST = Duration.ofMillis(10).toNanos();
    private static final long SLOW = Duration.ofMillis(150).toNanos();

    private long now = 1_000_000_000L;

    /** Fills the limit, then answers every request with {@code latency}; returns the limit after. */
    private int round(AdaptiveLimit limit, long latency) {
        int admitted = 0;
        while (limit.tryAcquire()) {
            admitted++;
        }
        now += latency;
        for (int i = 0; i < admitted; i++) {
            limit.release(now, latency, DEADLINE, false, false);
        }
        return limit.limit();
    }

    @Test
    void tryAcquire_refusesBeyondTheLimit_untilAPlaceIsReleased() {
        AdaptiveLimit limit = new AdaptiveLimit(2, 10, 0.5);
        assertTrue(limit.tryAcquire());
        assertTrue(limit.tryAcquire());
        assertFalse(limit.tryAcquire(), "the third request beyond a limit of 2");
        limit.release(now, FAST, DEADLINE, false, true);
        assertTrue(limit.tryAcquire());
        assertEquals(2, limit.inFlight());
    }

    @Test
    void answersWellWithinTheirDeadline_growTheLimitByHalfPerRound_untilTheMaximum() {
        AdaptiveLimit limit = new AdaptiveLimit(4, 100, 0.5);
        int previous = limit.limit();
        for (int i = 0; i < 3; i++) {
            int next = round(limit, FAST);
            assertTrue(next >= previous * 3 / 2, "slow start: from " + previous + " to " + next);
            previous = next;
        }
        for (int i = 0; i < 10; i++) {
            round(limit, FAST);
        }
        assertEquals(100, limit.limit());
    }

    @Test
    void lateAnswers_shrinkTheLimitByATenthOncePerLatency_thenItGrowsByAtMostOnePerRound() {
        AdaptiveLimit limit = new AdaptiveLimit(4, 1000, 0.5);
        while (limit.limit() < 100) {
            round(limit, FAST);
        }
        int before = limit.limit();
        int after = round(limit, SLOW);
        assertEquals((int) (before * 0.9), after, "a round of late answers counts once");
        for (int i = 0; i < 10; i++) {
            int next = round(limit, FAST);
            assertTrue(next <= after + 1, "after the first late answer, at most one more per round: " + next);
            after = next;
        }
        assertTrue(after >= (int) (before * 0.9) + 3, "and it does grow: " + after);
    }

    @Test
    void failuresForLackOfCapacity_shrinkTheLimit_otherFailuresTeachNothing() {
        AdaptiveLimit limit = new AdaptiveLimit(4, 1000, 0.5);
        int start = round(limit, FAST);
        assertTrue(limit.tryAcquire());
        limit.release(now += FAST, FAST, DEADLINE, false, true);
        assertEquals(start, limit.limit(), "a failure that is not about capacity (no model yet) moves nothing");
        assertTrue(limit.tryAcquire());
        limit.release(now += FAST, FAST, DEADLINE, true, true);
        assertEquals((int) (start * 0.9), limit.limit(), "a shed or expired request is a late one");
    }

    @Test
    void theLimitNeverFallsBelowItsMinimum_andAnIdleServerDoesNotGrowIt() {
        AdaptiveLimit limit = new AdaptiveLimit(4, 1000, 0.5);
        for (int i = 0; i < 50; i++) {
            round(limit, SLOW);
        }
        assertEquals(4, limit.limit());
        for (int i = 0; i < 100; i++) {
            assertTrue(limit.tryAcquire());
            limit.release(now += FAST, FAST, DEADLINE, false, false);
        }
        assertEquals(4, limit.limit(), "one request at a time never uses half of a limit of 4");
    }

    @Test
    void outOfRangeBounds_areRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveLimit(0, 10, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveLimit(11, 10, 0.5));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveLimit(1, 10, 0));
    }
}
