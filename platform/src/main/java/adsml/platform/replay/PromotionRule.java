package adsml.platform.replay;

import java.util.Optional;

/**
 * When replay lets a candidate replace the serving version: unless its doubly robust RPM is more than {@code margin}
 * under what the serving version earned on the same requests, or the weights doubly robust corrects with hold an
 * effective sample under {@code minEss} (a few explored matches at large weights say little).
 */
public record PromotionRule(double margin, double minEss) {
    public PromotionRule {
        if (!(margin >= 0 && margin < 1) || !(minEss >= 0)) {
            throw new IllegalArgumentException(
                    "margin must be in [0, 1) and minEss >= 0, were " + margin + ", " + minEss);
        }
    }

    /** Empty when {@code candidate} may replace {@code serving} by {@code estimate}, else why not, with the numbers. */
    public Optional<String> refusal(ReplayEstimate estimate, String candidate, String serving) {
        ReplayEstimate.Estimate dr = estimate.dr();
        if (dr.ess() < minEss) {
            return Optional.of(String.format(
                    "%s: effective sample size %.0f under %.0f on %,d requests",
                    candidate, dr.ess(), minEss, estimate.requests()));
        }
        if (dr.rpm() < estimate.loggedRpm() * (1 - margin)) {
            return Optional.of(String.format(
                    "%s: estimated RPM %.2f [%.2f, %.2f] is more than %.0f%% under %s's %.2f on %,d requests",
                    candidate,
                    dr.rpm(),
                    dr.rpmLow(),
                    dr.rpmHigh(),
                    100 * margin,
                    serving,
                    estimate.loggedRpm(),
                    estimate.requests()));
        }
        return Optional.empty();
    }
}
