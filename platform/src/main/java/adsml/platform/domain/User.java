package adsml.platform.domain;

import java.util.Arrays;

/**
 * A user. {@code country}, {@code device} and {@code ageBucket} index the {@link Vocab} arrays. {@code interests} holds
 * {@code Vocab.INTERESTS_PER_USER} distinct category ids sorted by {@code interestWeights} descending; the weights are
 * positive and sum to 1 (up to float rounding). {@code embedding} has {@code Vocab.EMBEDDING_DIM} values. Ids are dense
 * {@code 0..n-1}.
 *
 * <p>Arrays are shared, not copied (hot paths read them): treat them as read-only. Equality compares arrays by content.
 */
public record User(
        int id, int country, int device, int ageBucket, int[] interests, float[] interestWeights, float[] embedding) {
    public User {
        if (id < 0) {
            throw new IllegalArgumentException("id must be >= 0, was " + id);
        }
        if (country < 0
                || country >= Vocab.COUNTRIES.length
                || device < 0
                || device >= Vocab.DEVICES.length
                || ageBucket < 0
                || ageBucket >= Vocab.AGE_BUCKETS.length) {
            throw new IllegalArgumentException(
                    "country/device/ageBucket out of range: " + country + "/" + device + "/" + ageBucket);
        }
        if (interests == null
                || interests.length != Vocab.INTERESTS_PER_USER
                || interestWeights == null
                || interestWeights.length != Vocab.INTERESTS_PER_USER) {
            throw new IllegalArgumentException(
                    "interests and interestWeights must have " + Vocab.INTERESTS_PER_USER + " values");
        }
        for (int i = 0; i < interests.length; i++) {
            if (interests[i] < 0 || interests[i] >= Vocab.NUM_CATEGORIES) {
                throw new IllegalArgumentException("interest out of range: " + interests[i]);
            }
            for (int j = 0; j < i; j++) {
                if (interests[j] == interests[i]) {
                    throw new IllegalArgumentException("interests must be distinct: " + Arrays.toString(interests));
                }
            }
        }
        if (embedding == null || embedding.length != Vocab.EMBEDDING_DIM) {
            throw new IllegalArgumentException("embedding must have " + Vocab.EMBEDDING_DIM + " values");
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof User u
                && u.id == id
                && u.country == country
                && u.device == device
                && u.ageBucket == ageBucket
                && Arrays.equals(u.interests, interests)
                && Arrays.equals(u.interestWeights, interestWeights)
                && Arrays.equals(u.embedding, embedding);
    }

    @Override
    public int hashCode() {
        int h = ((id * 31 + country) * 31 + device) * 31 + ageBucket;
        h = h * 31 + Arrays.hashCode(interests);
        h = h * 31 + Arrays.hashCode(interestWeights);
        return h * 31 + Arrays.hashCode(embedding);
    }

    @Override
    public String toString() {
        return "User[id=" + id + ", country=" + country + ", device=" + device + ", ageBucket=" + ageBucket
                + ", interests=" + Arrays.toString(interests) + ", interestWeights=" + Arrays.toString(interestWeights)
                + ", embedding=" + Arrays.toString(embedding) + "]";
    }
}
