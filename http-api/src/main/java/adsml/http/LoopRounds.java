package adsml.http;

import java.time.Instant;
import java.util.ArrayDeque;
import java.util.List;

/**
 * The rounds of a learning loop running in this process ({@code adsml demo --loop}): each retrained version, what
 * replay estimated of it before its canary, what the canary realized, and whether it was promoted. The loop adds them;
 * {@code GET /admin/api/loop} shows them. In memory only, the last {@value #MAX_ROUNDS} (a round an hour is six weeks);
 * a restart starts the list again. Thread-safe.
 */
public final class LoopRounds {
    /** Rounds kept; the oldest go first. */
    public static final int MAX_ROUNDS = 1000;

    private static final int MAX_TEXT = 1000;

    /**
     * One round.
     *
     * @param at when it was judged (the server's clock: simulated time in a simulation)
     * @param hour the hour of the (simulated) day the round was judged at, 0 to 24 (24: the day's end)
     * @param version the retrained version, {@code name/version}
     * @param baseline the active version it was judged against
     * @param estimatedRpm replay's estimate of its revenue per 1000 requests on the baseline's logged requests; null
     *     (or NaN) when replay had no request to judge on
     * @param estimatedRpmLow the low end of the estimate's 95% interval, or null (both ends or neither; a NaN end makes
     *     both null: an interval replay could not compute)
     * @param estimatedRpmHigh its high end, or null
     * @param baselineLoggedRpm what the baseline realized on those requests; null (or NaN) when there were none
     * @param ess the effective sample size of replay's weights
     * @param realizedRpm what the canary realized on its own users; null (or NaN) when it served none
     * @param canaryRequests the requests the canary ranked
     * @param why the reason for the decision, in words
     * @throws IllegalArgumentException when a field is missing, not finite or out of bounds, naming it
     */
    public record Round(
            Instant at,
            int hour,
            String version,
            String baseline,
            Double estimatedRpm,
            Double estimatedRpmLow,
            Double estimatedRpmHigh,
            Double baselineLoggedRpm,
            double ess,
            Double realizedRpm,
            long canaryRequests,
            boolean promoted,
            String why) {
        public Round {
            if ((estimatedRpmLow != null && estimatedRpmLow.isNaN())
                    || (estimatedRpmHigh != null && estimatedRpmHigh.isNaN())) {
                estimatedRpmLow = null;
                estimatedRpmHigh = null;
            }
            require(at != null, "at: required");
            require(hour >= 0 && hour <= 24, "hour: within 0 to 24, was " + hour);
            require(text(version), "version: 1 to " + MAX_TEXT + " characters");
            require(text(baseline), "baseline: 1 to " + MAX_TEXT + " characters");
            if (estimatedRpm != null && estimatedRpm.isNaN()) {
                estimatedRpm = null;
            }
            require(
                    estimatedRpm == null || Double.isFinite(estimatedRpm),
                    "estimatedRpm: a finite number or null, was " + estimatedRpm);
            require(
                    (estimatedRpmLow == null) == (estimatedRpmHigh == null),
                    "estimatedRpmLow, estimatedRpmHigh: both or neither");
            require(
                    estimatedRpmLow == null
                            || (Double.isFinite(estimatedRpmLow)
                                    && Double.isFinite(estimatedRpmHigh)
                                    && estimatedRpmLow <= estimatedRpmHigh),
                    "estimatedRpmLow, estimatedRpmHigh: finite, low <= high, were " + estimatedRpmLow + ", "
                            + estimatedRpmHigh);
            if (baselineLoggedRpm != null && baselineLoggedRpm.isNaN()) {
                baselineLoggedRpm = null;
            }
            require(
                    baselineLoggedRpm == null || Double.isFinite(baselineLoggedRpm),
                    "baselineLoggedRpm: a finite number or null, was " + baselineLoggedRpm);
            require(Double.isFinite(ess) && ess >= 0, "ess: a finite number >= 0, was " + ess);
            if (realizedRpm != null && realizedRpm.isNaN()) {
                realizedRpm = null;
            }
            require(
                    realizedRpm == null || Double.isFinite(realizedRpm),
                    "realizedRpm: a finite number or null, was " + realizedRpm);
            require(canaryRequests >= 0, "canaryRequests: >= 0, was " + canaryRequests);
            require(why != null && why.length() <= MAX_TEXT, "why: at most " + MAX_TEXT + " characters");
        }

        private static boolean text(String s) {
            return s != null && !s.isBlank() && s.length() <= MAX_TEXT;
        }

        private static void require(boolean ok, String problem) {
            if (!ok) {
                throw new IllegalArgumentException(problem);
            }
        }
    }

    private final ArrayDeque<Round> rounds = new ArrayDeque<>();

    /** Appends {@code round}, dropping the oldest past {@value #MAX_ROUNDS}. */
    public synchronized void add(Round round) {
        if (round == null) {
            throw new IllegalArgumentException("round: required");
        }
        if (rounds.size() == MAX_ROUNDS) {
            rounds.removeFirst();
        }
        rounds.addLast(round);
    }

    /** The rounds held, oldest first. */
    public synchronized List<Round> list() {
        return List.copyOf(rounds);
    }
}
