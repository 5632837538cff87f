package adsml.platform.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

class PromotionRuleTest {
    private static final PromotionRule RULE = new PromotionRule(0.02, 500);

    private static ReplayEstimate estimate(double drRpm, double ess, double loggedRpm) {
        ReplayEstimate.Estimate dr =
                new ReplayEstimate.Estimate(drRpm, drRpm - 10, drRpm + 10, 0.01, 0.009, 0.011, ess);
        ReplayEstimate.Estimate none = new ReplayEstimate.Estimate(0, 0, 0, 0, 0, 0, 0);
        return new ReplayEstimate(4000, none, none, dr, none, loggedRpm, 0.01);
    }

    @Test
    void withinTheMargin_passes() {
        assertEquals(Optional.empty(), RULE.refusal(estimate(98.5, 600, 100), "ctr/3", "ctr/2"), "1.5% under: passes");
        assertEquals(Optional.empty(), RULE.refusal(estimate(120, 500, 100), "ctr/3", "ctr/2"));
    }

    @Test
    void moreThanTheMarginUnder_isRefusedWithItsNumbers() {
        String why = RULE.refusal(estimate(97.5, 600, 100), "ctr/3", "ctr/2").orElseThrow();
        assertEquals(
                "ctr/3: estimated RPM 97.50 [87.50, 107.50] is more than 2% under ctr/2's 100.00 on 4,000 requests",
                why);
    }

    @Test
    void tooSmallAnEffectiveSample_isRefusedWhateverTheEstimate() {
        String why = RULE.refusal(estimate(150, 499, 100), "ctr/3", "ctr/2").orElseThrow();
        assertTrue(why.contains("effective sample size 499 under 500"), why);
    }

    @Test
    void outOfBoundsSettings_areRefused() {
        assertThrows(IllegalArgumentException.class, () -> new PromotionRule(1, 0));
        assertThrows(IllegalArgumentException.class, () -> new PromotionRule(0.02, -1));
    }
}
