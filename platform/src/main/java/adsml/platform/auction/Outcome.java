package adsml.platform.auction;

/** What became of one candidate in an auction, for the explainer: it won a slot, or why not. */
public enum Outcome {
    /** Took a slot. */
    WON,
    /** Its eCPM was below the reserve (or not positive: a zero prediction can never win). */
    BELOW_RESERVE,
    /** Cleared the reserve but ranked below the last slot. */
    OUTBID,
    /**
     * Ranked high enough for a slot, but its advertiser (or campaign, as configured) already held as many slots of the
     * response as diversity allows.
     */
    DIVERSITY,
    /** Its campaign's daily budget is spent; it was not ranked. */
    OUT_OF_BUDGET,
    /**
     * A prediction it needs (pCTR, and pCVR for a CPA bid) was outside [0, 1] or not finite: a broken model's output,
     * which would otherwise win (+Inf) and pay nothing. It was not ranked.
     */
    INVALID_SCORE
}
