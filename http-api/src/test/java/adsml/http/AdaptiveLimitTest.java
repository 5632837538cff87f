package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class AdaptiveLimitTest {
    private static final long DEADLINE = Duration.ofMillis(200).toNanos();
    private static final long FAST = Duration.ofMillis(10).toNanos();
    private static final long SLOW = Duration.ofMillis(180).toNanos();
    private static final long LONG_WAIT = Duration.ofMinutes(1).toNanos();

    private long now = 1_000_000_000L;

    /** Whether a request that will not wait gets a place. */
    private static boolean placeNow(AdaptiveLimit limit) {
        return limit.acquire(0).toCompletableFuture().join();
    }

    /** {@code n} requests at once, each answered after {@code latency}; returns the limit after. */
    private int round(AdaptiveLimit limit, int n, long latency) {
        int admitted = 0;
        while (admitted < n && placeNow(limit)) {
            admitted++;
        }
        now += latency;
        for (int i = 0; i < admitted; i++) {
            limit.release(now, latency, DEADLINE, false, false);
        }
        return limit.limit();
    }

    @Test
    void aServerThatIsNotOverloaded_refusesNothing() {
        AdaptiveLimit limit = new AdaptiveLimit(4, 1000, 0.5, DEADLINE);
        for (int i = 0; i < 1000; i++) {
            assertEquals(1000, round(limit, 64, FAST));
        }
        assertEquals(0, limit.inFlight());
    }

    @Test
    void acquireWithoutWaiting_refusesBeyondTheLimit_untilAPlaceIsReleased() {
        AdaptiveLimit limit = new AdaptiveLimit(1, 2, 0.5, DEADLINE);
        assertTrue(placeNow(limit));
        assertTrue(placeNow(limit));
        assertFalse(placeNow(limit), "the third request beyond a limit of 2");
        limit.release(now, FAST, DEADLINE, false, true);
        assertTrue(placeNow(limit));
        assertEquals(2, limit.inFlight());
    }

    @Test
    void aRequestBeyondTheLimit_waitsForTheNextPlaceReleased_firstComeFirstServed() {
        AdaptiveLimit limit = new AdaptiveLimit(1, 2, 0.5, DEADLINE);
        assertTrue(placeNow(limit));
        assertTrue(placeNow(limit));
        CompletableFuture<Boolean> first = limit.acquire(LONG_WAIT).toCompletableFuture();
        CompletableFuture<Boolean> second = limit.acquire(LONG_WAIT).toCompletableFuture();
        assertFalse(first.isDone() || second.isDone(), "both wait");
        assertEquals(2, limit.waiting());
        limit.release(now += FAST, FAST, DEADLINE, false, false);
        assertTrue(first.getNow(false), "the first to come takes the released place");
        assertFalse(second.isDone());
        assertEquals(2, limit.inFlight(), "the place passed on, never free");
        limit.release(now += FAST, FAST, DEADLINE, false, false);
        assertTrue(second.getNow(false));
        assertEquals(0, limit.waiting());
    }

    @Test
    void aReleasedPlace_goesToTheWaiter_notToTheNextNewcomer() {
        AdaptiveLimit limit = new AdaptiveLimit(1, 1, 0.5, DEADLINE);
        assertTrue(placeNow(limit));
        CompletableFuture<Boolean> waiter = limit.acquire(LONG_WAIT).toCompletableFuture();
        limit.release(now += FAST, FAST, DEADLINE, false, false);
        assertTrue(waiter.getNow(false));
        assertFalse(placeNow(limit), "the released place went to the waiter");
        CompletableFuture<Boolean> next = limit.acquire(LONG_WAIT).toCompletableFuture();
        assertFalse(next.isDone(), "queued behind nobody, but every place is taken");
        limit.release(now += FAST, FAST, DEADLINE, false, false);
        assertTrue(next.getNow(false));
    }

    @Test
    void asManyWaitAsThereArePlaces_theRestAreRefusedAtOnce() {
        AdaptiveLimit limit = new AdaptiveLimit(1, 2, 0.5, DEADLINE);
        placeNow(limit);
        placeNow(limit);
        limit.acquire(LONG_WAIT);
        limit.acquire(LONG_WAIT);
        CompletableFuture<Boolean> third = limit.acquire(LONG_WAIT).toCompletableFuture();
        assertFalse(third.getNow(true), "refused without waiting");
    }

    @Test
    void aWaitThatRunsOut_isRefused_andTakesNoPlaceAfter() throws Exception {
        AdaptiveLimit limit = new AdaptiveLimit(1, 1, 0.5, DEADLINE);
        assertTrue(placeNow(limit));
        CompletableFuture<Boolean> waiter =
                limit.acquire(Duration.ofMillis(20).toNanos()).toCompletableFuture();
        assertFalse(waiter.get(5, TimeUnit.SECONDS), "refused when its wait ran out");
        limit.release(now += FAST, FAST, DEADLINE, false, false);
        assertEquals(0, limit.inFlight(), "the released place went to no one");
        assertEquals(0, limit.waiting());
        assertTrue(placeNow(limit));
    }

    @Test
    void aCutLimit_handsNoPlaceOver_untilTheRequestsInProgressAreBelowIt() {
        AdaptiveLimit limit = new AdaptiveLimit(1, 4, 0.5, DEADLINE);
        // 13 late answers, one at a time: the moving mean is just under the target, nothing cut yet.
        for (int i = 0; i < 13; i++) {
            assertTrue(placeNow(limit));
            limit.release(now, DEADLINE, DEADLINE, true, true);
        }
        assertEquals(4, limit.limit());
        for (int i = 0; i < 4; i++) {
            assertTrue(placeNow(limit));
        }
        CompletableFuture<Boolean> waiter = limit.acquire(LONG_WAIT).toCompletableFuture();
        for (int i = 0; i < 2; i++) {
            limit.release(now += DEADLINE, DEADLINE, DEADLINE, true, true);
            assertTrue(limit.inFlight() >= limit.limit(), limit.inFlight() + " in progress, limit " + limit.limit());
            assertFalse(waiter.isDone(), "the place of a late answer is cut, not handed over");
        }
        limit.release(now += FAST, FAST, DEADLINE, false, false);
        assertTrue(waiter.getNow(false), "a place once below the limit of " + limit.limit());
        assertEquals(2, limit.inFlight());
    }

    @Test
    void oneLateAnswerAmongTimelyOnes_cutsNothing() {
        AdaptiveLimit limit = new AdaptiveLimit(4, 1000, 0.5, DEADLINE);
        round(limit, 8, FAST);
        round(limit, 1, Duration.ofMillis(400).toNanos());
        assertEquals(1000, round(limit, 8, FAST), "a collection pause is not overload");
    }

    @Test
    void sustainedLateAnswers_cutTheLimitBelowTheRequestsInProgress_onceARoundTrip() {
        AdaptiveLimit limit = new AdaptiveLimit(4, 1000, 0.5, DEADLINE);
        int previous = 1000;
        int cuts = 0;
        for (int i = 0; i < 20; i++) {
            // All 200 answers of a round come at one instant: at most one cut a round.
            int next = round(limit, 200, SLOW);
            assertTrue(next <= previous, "never grows while answers are late: " + previous + " -> " + next);
            cuts += next < previous ? 1 : 0;
            previous = next;
        }
        assertTrue(previous < 200, "below the 200 in progress that were late: " + previous);
        assertTrue(cuts >= 3, "cut again while it lasts: " + cuts);
        for (int i = 0; i < 40; i++) {
            round(limit, 200, SLOW);
        }
        assertEquals(4, limit.limit(), "and down to the minimum if it lasts");
    }

    @Test
    void afterOverload_theLimitGrowsBackByAboutOnePerRound() {
        AdaptiveLimit limit = new AdaptiveLimit(4, 1000, 0.5, DEADLINE);
        for (int i = 0; i < 60; i++) {
            round(limit, 200, SLOW);
        }
        assertEquals(4, limit.limit());
        int previous = limit.limit();
        for (int i = 0; i < 100; i++) {
            int next = round(limit, 200, FAST);
            assertTrue(next <= previous + 1, previous + " -> " + next);
            previous = next;
        }
        assertTrue(previous >= 20, "it does grow: " + previous);
    }

    @Test
    void failuresForLackOfCapacity_countAsLate_otherFailuresTeachNothing() {
        AdaptiveLimit limit = new AdaptiveLimit(4, 100, 0.5, DEADLINE);
        for (int i = 0; i < 100; i++) {
            assertTrue(placeNow(limit));
            limit.release(now += FAST, FAST, DEADLINE, false, true);
        }
        assertEquals(100, limit.limit(), "failures that are not about capacity (no model yet) move nothing");
        for (int i = 0; i < 30; i++) {
            assertTrue(placeNow(limit));
            limit.release(now += DEADLINE, FAST, DEADLINE, true, true);
        }
        assertEquals(4, limit.limit(), "a run of shed or expired requests is overload");
    }

    @Test
    void requestsWithImpossiblyShortDeadlines_cannotCutTheLimit() {
        AdaptiveLimit limit = new AdaptiveLimit(4, 1000, 0.5, DEADLINE);
        long oneMs = Duration.ofMillis(1).toNanos();
        for (int i = 0; i < 1000; i++) {
            assertTrue(placeNow(limit));
            limit.release(now += oneMs, oneMs, oneMs, true, true);
        }
        assertEquals(1000, limit.limit(), "1 ms deadlines missed are the client's choice, not overload");
    }

    @Test
    void outOfRangeBounds_areRefused() {
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveLimit(0, 10, 0.5, DEADLINE));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveLimit(11, 10, 0.5, DEADLINE));
        assertThrows(IllegalArgumentException.class, () -> new AdaptiveLimit(1, 10, 0, DEADLINE));
    }
}
