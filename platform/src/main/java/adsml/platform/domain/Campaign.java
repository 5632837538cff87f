package adsml.platform.domain;

/**
 * A campaign of one advertiser: every ad in it has the campaign's {@code category}. The bid is in dollars per the unit
 * of {@code bidType}; {@code dailyBudget} in dollars. Ids are dense {@code 0..n-1}.
 */
public record Campaign(
        int id, int advertiserId, BidType bidType, float bid, float dailyBudget, int category, Targeting targeting) {
    public Campaign {
        if (id < 0) {
            throw new IllegalArgumentException("id must be >= 0, was " + id);
        }
        if (advertiserId < 0) {
            throw new IllegalArgumentException("advertiserId must be >= 0, was " + advertiserId);
        }
        if (bidType == null || targeting == null) {
            throw new IllegalArgumentException("bidType and targeting must not be null");
        }
        if (!(bid > 0) || Float.isInfinite(bid)) {
            throw new IllegalArgumentException("bid must be a positive finite number, was " + bid);
        }
        if (!(dailyBudget > 0) || Float.isInfinite(dailyBudget)) {
            throw new IllegalArgumentException("dailyBudget must be a positive finite number, was " + dailyBudget);
        }
        if (category < 0 || category >= Vocab.NUM_CATEGORIES) {
            throw new IllegalArgumentException(
                    "category must be in 0.." + (Vocab.NUM_CATEGORIES - 1) + ", was " + category);
        }
    }
}
