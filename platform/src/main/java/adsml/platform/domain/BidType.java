package adsml.platform.domain;

/** How a campaign pays: the unit its bid is priced in. */
public enum BidType {
    /** Bid is dollars per click. */
    CPC,
    /** Bid is dollars per 1000 impressions. */
    CPM,
    /** Bid is dollars per conversion. */
    CPA
}
