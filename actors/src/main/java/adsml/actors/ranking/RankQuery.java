package adsml.actors.ranking;

import adsml.platform.domain.Context;

/**
 * A rank request as the pipeline sees it: vocabulary indexes, not strings.
 *
 * @param requestId the id the answer carries, by which events and the feature log name the request; null for a request
 *     of the server's own (the start-up warm-up), which the feature log skips
 * @param userKey the user's id as the client sent it (the feature log's and the per-user counters' key)
 * @param userId the world's user id, or -1 for a user nobody knows (a cold start)
 * @param deadlineNanos the scheduler ticker's time by which the answer is worthless
 */
public record RankQuery(
        String requestId,
        String userKey,
        int userId,
        int country,
        int device,
        Context context,
        int slots,
        long deadlineNanos,
        boolean debug) {}
