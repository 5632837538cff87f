package adsml.platform.replay;

/**
 * What replay says of a model on a log: each estimator's revenue per 1000 requests and click-through rate with their
 * 95% intervals, and what the logging policy earned on the same requests.
 */
public record ReplayEstimate(
        int requests, Estimate ips, Estimate snips, Estimate dr, Estimate dm, double loggedRpm, double loggedCtr) {
    /**
     * One estimator's figures: RPM (dollars per 1000 requests) and CTR (clicks per impression the model would have
     * shown), each with a 95% interval, and the effective sample size of the importance weights the estimator uses, in
     * shown slots: {@code (sum w)^2 / sum w^2} over the slots the model fills, {@code w} being 1 / propensity where the
     * logged ad is the one the model puts there and 0 where it is not (for DR, 0 too above its largest weight; the
     * direct method uses none: 0).
     */
    public record Estimate(
            double rpm, double rpmLow, double rpmHigh, double ctr, double ctrLow, double ctrHigh, double ess) {
        /** Whether the RPM interval holds {@code value}. */
        public boolean covers(double value) {
            return rpmLow <= value && value <= rpmHigh;
        }
    }
}
