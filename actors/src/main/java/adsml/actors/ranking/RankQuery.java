package adsml.actors.ranking;

import adsml.platform.domain.Context;

/**
 * A rank request as the pipeline sees it: vocabulary indexes, not strings.
 *
 * @param userId the world's user id, or -1 for a user nobody knows (a cold start)
 * @param deadlineNanos the scheduler ticker's time by which the answer is worthless
 */
public record RankQuery(
        int userId, int country, int device, Context context, int slots, long deadlineNanos, boolean debug) {}
