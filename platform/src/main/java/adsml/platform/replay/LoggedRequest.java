package adsml.platform.replay;

import adsml.platform.auction.Bids;
import adsml.platform.features.FeatureBatch;

/**
 * One request as the serving policy logged it, every candidate included: what replay needs to run another model's
 * auction on it and to weigh what the user did.
 *
 * @param bids every candidate the logging auction saw, with the user's impressions today (frequency caps)
 * @param sitOut per candidate: left out by the state of the day, not by its scores (its budget spent, or paced out);
 *     another model's auction leaves it out too
 * @param budgetLeft per candidate, its campaign's budget left as the logging auction read it; null when budgets bind
 *     nothing
 * @param loggedCtr per candidate, the logging model's calibrated pCTR (at the top slot), which the direct method reads
 * @param loggedCvr per candidate, the logging model's pCVR
 * @param slots the slots the request asked for
 * @param shown per slot filled, the candidate shown there
 * @param propensity per slot filled, the probability that the logging policy put that candidate in that slot
 * @param clicked per slot filled, whether the user clicked
 * @param converted per slot filled, whether the click converted
 * @param revenue what the shown ads were charged, in dollars
 * @param features the candidates' features as they were served, row {@code c} for candidate {@code c}; null where the
 *     model under judgement is scored by other means
 */
public record LoggedRequest(
        String requestId,
        Bids bids,
        boolean[] sitOut,
        double[] budgetLeft,
        float[] loggedCtr,
        float[] loggedCvr,
        int slots,
        int[] shown,
        double[] propensity,
        boolean[] clicked,
        boolean[] converted,
        double revenue,
        FeatureBatch features) {
    public LoggedRequest {
        int n = bids.size();
        if (sitOut.length != n
                || loggedCtr.length != n
                || loggedCvr.length != n
                || (budgetLeft != null && budgetLeft.length != n)) {
            throw new IllegalArgumentException("request " + requestId + ": one sit-out flag and score per candidate");
        }
        if (features != null && features.rows() != n) {
            throw new IllegalArgumentException("request " + requestId + ": one feature row per candidate");
        }
        int filled = shown.length;
        if (propensity.length != filled || clicked.length != filled || converted.length != filled) {
            throw new IllegalArgumentException("request " + requestId + ": one propensity and label per slot shown");
        }
        for (int k = 0; k < filled; k++) {
            if (shown[k] < 0 || shown[k] >= n) {
                throw new IllegalArgumentException("request " + requestId + ": slot " + k + " shows no candidate");
            }
            if (!(propensity[k] > 0 && propensity[k] <= 1)) {
                throw new IllegalArgumentException("request " + requestId + ": slot " + k
                        + "'s propensity must be within (0, 1], was " + propensity[k]);
            }
        }
    }
}
