package adsml.platform.auction;

import adsml.platform.domain.BidType;

/**
 * What the auction reads of each candidate, row for row: its ad id, its campaign's id, bid and bid type, and its
 * advertiser's id (for diversity). The ranking pipeline takes these from the columns the feature stage resolved, not
 * from campaign objects: by the time the scores come back the scorer has flushed the caches, and reading the campaign
 * objects in the auction cost a cache miss per candidate.
 */
public record Bids(int[] adIds, int[] campaignIds, int[] advertiserIds, float[] bids, BidType[] bidTypes) {
    public Bids {
        int n = adIds.length;
        if (campaignIds.length != n || advertiserIds.length != n || bids.length != n || bidTypes.length != n) {
            throw new IllegalArgumentException(
                    "adIds, campaignIds, advertiserIds, bids and bidTypes must have one entry per candidate");
        }
        for (int i = 0; i < bidTypes.length; i++) {
            if (bidTypes[i] == null) {
                throw new IllegalArgumentException("bid type of candidate " + i + " is null");
            }
        }
    }

    public int size() {
        return adIds.length;
    }
}
