package adsml.platform.domain;

import java.util.Arrays;

/**
 * Candidate ads with what their feature rows and the auction read of each ad and its campaign, one array per attribute,
 * row {@code k} for the k-th ad: the columns of {@link Ad} and {@link Campaign} that serving needs. Row {@code k}'s
 * embedding is {@code embeddings[k * EMBEDDING_DIM, (k + 1) * EMBEDDING_DIM)}; {@code positions[k]} is where its ad
 * stood in the list it was resolved from (its retrieval rank). The arrays are shared, not copied: treat them as
 * read-only once built.
 */
public record AdColumns(
        int[] positions,
        int[] adIds,
        int[] categories,
        int[] creativeTypes,
        float[] embeddings,
        int[] campaignIds,
        int[] advertiserIds,
        BidType[] bidTypes,
        float[] bids) {
    private static final int DIM = Vocab.EMBEDDING_DIM;

    public AdColumns {
        int rows = adIds.length;
        if (positions.length != rows
                || categories.length != rows
                || creativeTypes.length != rows
                || embeddings.length != rows * DIM
                || campaignIds.length != rows
                || advertiserIds.length != rows
                || bidTypes.length != rows
                || bids.length != rows) {
            throw new IllegalArgumentException(
                    "every column must have one entry per row (" + rows + "), the embeddings " + DIM + " per row");
        }
    }

    /** Columns of {@code rows} rows, all zero (bid types null), for the caller to fill. */
    public static AdColumns ofRows(int rows) {
        return new AdColumns(
                new int[rows],
                new int[rows],
                new int[rows],
                new int[rows],
                new float[rows * DIM],
                new int[rows],
                new int[rows],
                new BidType[rows],
                new float[rows]);
    }

    /** Row {@code r} from an ad and its campaign. */
    public void set(int r, Ad ad, Campaign campaign) {
        positions[r] = r;
        adIds[r] = ad.id();
        categories[r] = ad.category();
        creativeTypes[r] = ad.creativeType();
        System.arraycopy(ad.embedding(), 0, embeddings, r * DIM, DIM);
        campaignIds[r] = campaign.id();
        advertiserIds[r] = campaign.advertiserId();
        bidTypes[r] = campaign.bidType();
        bids[r] = campaign.bid();
    }

    public int rows() {
        return adIds.length;
    }

    /** The first {@code rows} rows: these columns when that is all of them, copies otherwise. */
    public AdColumns firstRows(int rows) {
        if (rows == rows()) {
            return this;
        }
        return new AdColumns(
                Arrays.copyOf(positions, rows),
                Arrays.copyOf(adIds, rows),
                Arrays.copyOf(categories, rows),
                Arrays.copyOf(creativeTypes, rows),
                Arrays.copyOf(embeddings, rows * DIM),
                Arrays.copyOf(campaignIds, rows),
                Arrays.copyOf(advertiserIds, rows),
                Arrays.copyOf(bidTypes, rows),
                Arrays.copyOf(bids, rows));
    }
}
