package adsml.platform.offline.generator;

import adsml.platform.domain.Context;
import java.util.Arrays;

/**
 * One ranking request for offline evaluation: a user, a context, and distinct candidate ads whose campaigns' targeting
 * matches the user. The array is shared: treat it as read-only.
 */
public record EvalRequest(int userId, Context context, int[] candidateAdIds) {
    @Override
    public boolean equals(Object o) {
        return o instanceof EvalRequest r
                && r.userId == userId
                && r.context.equals(context)
                && Arrays.equals(r.candidateAdIds, candidateAdIds);
    }

    @Override
    public int hashCode() {
        return (userId * 31 + context.hashCode()) * 31 + Arrays.hashCode(candidateAdIds);
    }

    @Override
    public String toString() {
        return "EvalRequest[userId=" + userId + ", context=" + context + ", candidates=" + candidateAdIds.length + "]";
    }
}
