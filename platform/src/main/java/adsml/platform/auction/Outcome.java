package adsml.platform.auction;

/** What became of one candidate in an auction, for the explainer: it won a slot, or why not. */
public enum Outcome {
    /** Took a slot. */
    WON,
    /** Its eCPM was below the surface's reserve (or not positive: a zero prediction can never win). */
    BELOW_RESERVE,
    /** Its pCTR was below the quality floor: an ad users would not click does not take a slot, whatever it pays. */
    BELOW_QUALITY_FLOOR,
    /** Cleared the reserve but ranked below the last slot. */
    OUTBID,
    /**
     * Ranked high enough for a slot, but its advertiser (or campaign, as configured) already held as many slots of the
     * response as diversity allows.
     */
    DIVERSITY,
    /**
     * Its campaign's daily budget is spent, or what is left of it is reserved for winners in flight whose charges have
     * not come yet (or, beside its campaign's other winners in the same response, it would not fit); it was not ranked.
     */
    OUT_OF_BUDGET,
    /** Its campaign's pacing let it sit out this auction, to spread the budget over the day; it was not ranked. */
    PACED_OUT,
    /** The user was shown the ad, or its campaign, as often today as the frequency caps allow; it was not ranked. */
    FREQUENCY_CAPPED,
    /**
     * A prediction it needs (pCTR, and pCVR for a CPA bid) was outside [0, 1] or not finite: a broken model's output,
     * which would otherwise win (+Inf) and pay nothing. It was not ranked.
     */
    INVALID_SCORE
}
