package adsml.platform.domain;

import java.util.Arrays;

/**
 * One ad (creative) of a campaign. {@code category} equals its campaign's category; {@code creativeType} indexes
 * {@code Vocab.CREATIVE_TYPES}; {@code embedding} has {@code Vocab.EMBEDDING_DIM} values. Ids are dense {@code 0..n-1}.
 *
 * <p>The embedding array is shared, not copied (the ground truth reads it tens of millions of times): treat it as
 * read-only. Equality compares the embedding by content.
 */
public record Ad(int id, int campaignId, int category, int creativeType, float[] embedding) {
    public Ad {
        if (id < 0 || campaignId < 0) {
            throw new IllegalArgumentException("id and campaignId must be >= 0, were " + id + ", " + campaignId);
        }
        if (category < 0 || category >= Vocab.NUM_CATEGORIES) {
            throw new IllegalArgumentException(
                    "category must be in 0.." + (Vocab.NUM_CATEGORIES - 1) + ", was " + category);
        }
        if (creativeType < 0 || creativeType >= Vocab.CREATIVE_TYPES.length) {
            throw new IllegalArgumentException("creativeType out of range: " + creativeType);
        }
        if (embedding == null || embedding.length != Vocab.EMBEDDING_DIM) {
            throw new IllegalArgumentException("embedding must have " + Vocab.EMBEDDING_DIM + " values");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Ad a
                && a.id == id
                && a.campaignId == campaignId
                && a.category == category
                && a.creativeType == creativeType
                && Arrays.equals(a.embedding, embedding);
    }

    @Override
    public int hashCode() {
        return ((id * 31 + campaignId) * 31 + category) * 31 + creativeType + 961 * Arrays.hashCode(embedding);
    }

    @Override
    public String toString() {
        return "Ad[id=" + id + ", campaignId=" + campaignId + ", category=" + category + ", creativeType="
                + creativeType + ", embedding=" + Arrays.toString(embedding) + "]";
    }
}
