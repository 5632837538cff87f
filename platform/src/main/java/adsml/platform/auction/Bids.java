package adsml.platform.auction;

import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;

/**
 * What the auction reads of each candidate, row for row: its ad id and its campaign's id, bid and
 * bid type. The ranking pipeline takes these from the columns the feature stage resolved, not from
 * campaign objects: by the time the scores come back the scorer has flushed the caches, and reading
 * the campaign objects in the auction cost a cache miss per candidate.
 */
public record Bids(int[] adIds, int[] campaignIds, float[] bids, BidType[] bidTypes) {
    public Bids {
        if (adIds.length != campaignIds.length || adIds.length != bids.length || adIds.length != bidTypes.length) {
            throw new IllegalArgumentException("adIds, campaignIds, bids and bidTypes must have one entry per candidate");
        }
        for (int i = 0; i < bidTypes.length; i++) {
            if (bidTypes[i] == null) {
                throw new IllegalArgumentException("bid type of candidate " + i + " is null");
            }
        }
    }

    /** Candidates {@code 0..n-1}: {@code adIds[i]} of {@code campaigns[i]}. */
    public static Bids gather(int n, int[] adIds, Campaign[] campaigns) {
        if (n < 0 || adIds.length < n || campaigns.length < n) {
            throw new IllegalArgumentException("n must be >= 0 and every array at least n (" + n + ") long");
        }
        int[] ids = new int[n];
        int[] campaignIds = new int[n];
        float[] bids = new float[n];
        BidType[] bidTypes = new BidType[n];
        for (int i = 0; i < n; i++) {
            Campaign c = campaigns[i];
            if (c == null) {
                throw new IllegalArgumentException("campaign of candidate " + i + " is null");
            }
            ids[i] = adIds[i];
            campaignIds[i] = c.id();
            bids[i] = c.bid();
            bidTypes[i] = c.bidType();
        }
        return new Bids(ids, campaignIds, bids, bidTypes);
    }

    public int size() {
        return adIds.length;
    }
}
