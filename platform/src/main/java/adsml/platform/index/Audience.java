package adsml.platform.index;

import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.index.ann.AdFilter;

/**
 * Whom an ad request is for, as retrieval needs it: country, device and age bucket as {@link Vocab} indexes or -1 for
 * unknown, interests as a bit mask over categories (0 for none), and an embedding of {@code Vocab.EMBEDDING_DIM} values
 * (zeros when nothing is known).
 *
 * <p>It exists because a {@link User} cannot be unknown: a cold-start request (a user the store does not have) still
 * needs ads. An unknown attribute matches only campaigns that do not target that attribute; no interests match only
 * campaigns without interest targeting. The embedding array is shared, not copied: treat it as read-only.
 */
public record Audience(int country, int device, int ageBucket, long interestMask, float[] embedding) {
    /** A user about whom nothing is known: ranked with a zero embedding, so ties fall to ad ids. */
    public static final Audience UNKNOWN = new Audience(-1, -1, -1, 0L, new float[Vocab.EMBEDDING_DIM]);

    public Audience {
        checkIndex("country", country, Vocab.COUNTRIES.length);
        checkIndex("device", device, Vocab.DEVICES.length);
        checkIndex("ageBucket", ageBucket, Vocab.AGE_BUCKETS.length);
        if ((interestMask >>> Vocab.NUM_CATEGORIES) != 0) {
            throw new IllegalArgumentException("interestMask has bits beyond category " + (Vocab.NUM_CATEGORIES - 1));
        }
        if (embedding == null || embedding.length != Vocab.EMBEDDING_DIM) {
            throw new IllegalArgumentException("embedding must have " + Vocab.EMBEDDING_DIM + " values");
        }
    }

    /**
     * The audience of a known user (allocates one record; {@link AdIndex#retrieve(User, adsml.platform.domain.Context,
     * int, int[])} does not).
     */
    public static Audience of(User user) {
        return of(user, -1, -1);
    }

    /**
     * The audience of a known user on a request that names its country and device (vocabulary indexes, -1 where it does
     * not): targeting is checked against where and on what the ad is seen, the profile filling in what the request
     * leaves out.
     */
    public static Audience of(User user, int country, int device) {
        return new Audience(
                country >= 0 ? country : user.country(),
                device >= 0 ? device : user.device(),
                user.ageBucket(),
                interestMask(user.interests()),
                user.embedding());
    }

    /** What a retrieval filters on for this audience, with no category restriction. */
    public AdFilter filter() {
        return new AdFilter(country, device, ageBucket, interestMask, 0L);
    }

    /** Whether nothing is known of the user's tastes (a zero embedding): every ad scores alike, ties to the id. */
    public boolean coldStart() {
        for (float x : embedding) {
            if (x != 0f) {
                return false;
            }
        }
        return true;
    }

    /** The bit mask of the given category ids. */
    public static long interestMask(int[] interests) {
        long mask = 0;
        for (int i = 0; i < interests.length; i++) {
            mask |= 1L << interests[i];
        }
        return mask;
    }

    private static void checkIndex(String name, int value, int size) {
        if (value < -1 || value >= size) {
            throw new IllegalArgumentException(
                    name + " must be -1 (unknown) or in 0.." + (size - 1) + ", was " + value);
        }
    }
}
