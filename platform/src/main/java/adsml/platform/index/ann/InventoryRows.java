package adsml.platform.index.ann;

import java.util.BitSet;

/**
 * Ads to write into an {@link InventoryScan}, as columns: row {@code i} goes to position {@code positions[i]}, its
 * embedding is {@code vectors[i * dim, (i + 1) * dim)}, and {@code prior[i]} is the ad's own part of its light score
 * (what the ad brings whoever the user is; 0 for retrieval by affinity alone).
 */
public record InventoryRows(
        int dim,
        int[] positions,
        float[] vectors,
        int[] campaign,
        int[] category,
        int[] targetWord,
        long[] interests,
        float[] prior) {

    /**
     * @throws IllegalArgumentException when a column's length disagrees with the positions, a position is negative or
     *     appears twice, or an attribute is outside its vocabulary ({@link VectorAds#checkRow})
     */
    public InventoryRows {
        int n = positions.length;
        if (dim < 1
                || (long) n * dim != vectors.length
                || campaign.length != n
                || category.length != n
                || targetWord.length != n
                || interests.length != n
                || prior.length != n) {
            throw new IllegalArgumentException("every column must hold " + n + " rows of dimension " + dim);
        }
        BitSet seen = new BitSet();
        for (int i = 0; i < n; i++) {
            if (positions[i] < 0) {
                throw new IllegalArgumentException("row " + i + ": position " + positions[i]);
            }
            // The GPU writes a call's rows at once: two for one position would mix their dimensions.
            if (seen.get(positions[i])) {
                throw new IllegalArgumentException("row " + i + ": position " + positions[i] + " appears twice");
            }
            seen.set(positions[i]);
            VectorAds.checkRow(positions[i], campaign[i], category[i], targetWord[i], interests[i]);
        }
    }

    /** Every ad of {@code ads} at its own row, with {@code prior} (one per ad) as its prior. */
    public static InventoryRows of(VectorAds ads, float[] prior) {
        int[] positions = new int[ads.size];
        for (int i = 0; i < positions.length; i++) {
            positions[i] = i;
        }
        return new InventoryRows(
                ads.dim, positions, ads.vectors, ads.campaign, ads.category, ads.targetWord, ads.interests, prior);
    }

    public int size() {
        return positions.length;
    }
}
