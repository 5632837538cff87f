package adsml.platform.auction;

import adsml.platform.domain.BidType;
import adsml.platform.domain.Vocab;

/**
 * What the auction reads of one request: the surface it is for and, row for row per candidate, its ad id, its
 * campaign's id, bid and bid type, its advertiser's id (for diversity) and how often the requesting user was shown the
 * ad and the campaign today (for frequency caps; null when they could not be read, which caps nothing). The ranking
 * pipeline takes these from the columns the feature stage resolved, not from campaign objects: by the time the scores
 * come back the scorer has flushed the caches, and reading the campaign objects in the auction cost a cache miss per
 * candidate.
 */
public record Bids(
        int surface,
        int[] adIds,
        int[] campaignIds,
        int[] advertiserIds,
        float[] bids,
        BidType[] bidTypes,
        float[] adShownToday,
        float[] campaignShownToday) {
    public Bids {
        int n = adIds.length;
        if (surface < 0 || surface >= Vocab.SURFACES.length) {
            throw new IllegalArgumentException("surface must be in 0.." + (Vocab.SURFACES.length - 1));
        }
        if (campaignIds.length != n || advertiserIds.length != n || bids.length != n || bidTypes.length != n) {
            throw new IllegalArgumentException(
                    "adIds, campaignIds, advertiserIds, bids and bidTypes must have one entry per candidate");
        }
        if ((adShownToday == null) != (campaignShownToday == null)
                || (adShownToday != null && (adShownToday.length < n || campaignShownToday.length < n))) {
            throw new IllegalArgumentException("impressions today: both or neither, with one entry per candidate");
        }
        for (int i = 0; i < bidTypes.length; i++) {
            if (bidTypes[i] == null) {
                throw new IllegalArgumentException("bid type of candidate " + i + " is null");
            }
        }
    }

    /** Candidates of a request on {@code surface} whose impressions today are unknown (nothing is capped). */
    public Bids(int surface, int[] adIds, int[] campaignIds, int[] advertiserIds, float[] bids, BidType[] bidTypes) {
        this(surface, adIds, campaignIds, advertiserIds, bids, bidTypes, null, null);
    }

    public int size() {
        return adIds.length;
    }
}
