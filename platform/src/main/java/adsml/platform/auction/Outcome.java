package adsml.platform.auction;

/** What became of one candidate in an auction, for the explainer: it won a slot, or why not. */
public enum Outcome {
    /** Took a slot. */
    WON,
    /** Its eCPM was below the reserve (or not positive: a zero or NaN prediction can never win). */
    BELOW_RESERVE,
    /** Cleared the reserve but ranked below the last slot. */
    OUTBID,
    /** Its campaign's daily budget is spent; it was not ranked. */
    OUT_OF_BUDGET
}
