package adsml.platform.features;

import adsml.platform.counters.CounterKeys;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;

/**
 * What every row of one request shares, whatever the feature set: the user's attributes (-1 where unknown: a cold
 * start), the user's key hash for the per-user counters, and the context. Built once per request by retrieval; a
 * feature set reads it, it computes nothing set-specific.
 *
 * @param userId the world's user id, or -1 for a cold start
 * @param userHash {@link CounterKeys#user} of the request's user id text
 * @param interests the user's interest categories, -1 when unknown
 * @param weightByCategory the user's interest weight per ad category (0 when not an interest), so that a row reads it
 *     without comparing the ad's category with each interest
 */
public record RequestRow(
        int userId,
        long userHash,
        int country,
        int device,
        int age,
        int[] interests,
        float[] interestWeights,
        float[] embedding,
        float[] weightByCategory,
        Context context) {

    /**
     * The request row of a known user on one request: its country and device are the request's where it names them
     * (vocabulary indexes; -1 where it does not), else the profile's. The request says where and on what the ad is
     * seen; a profile says where the user usually is.
     */
    public static RequestRow of(User u, long userHash, int country, int device, Context context) {
        float[] weightByCategory = new float[Vocab.NUM_CATEGORIES];
        for (int i = 0; i < Vocab.INTERESTS_PER_USER; i++) {
            weightByCategory[u.interests()[i]] = u.interestWeights()[i]; // distinct categories: User checks
        }
        return new RequestRow(
                u.id(),
                userHash,
                country >= 0 ? country : u.country(),
                device >= 0 ? device : u.device(),
                u.ageBucket(),
                u.interests(),
                u.interestWeights(),
                u.embedding(),
                weightByCategory,
                context);
    }

    /** A known user, keyed as the demo names it ({@code "u" + id}). */
    public static RequestRow of(User u, Context context) {
        return of(u, CounterKeys.user("u" + u.id()), -1, -1, context);
    }

    /**
     * A user the store does not know: the request's country and device (vocabulary indexes or -1), everything else
     * unknown, a zero embedding.
     */
    public static RequestRow coldStart(int country, int device, long userHash, Context context) {
        if (country < -1 || country >= Vocab.COUNTRIES.length || device < -1 || device >= Vocab.DEVICES.length) {
            throw new IllegalArgumentException(
                    "country and device must be vocabulary indexes or -1, were " + country + ", " + device);
        }
        int[] interests = new int[Vocab.INTERESTS_PER_USER];
        java.util.Arrays.fill(interests, -1);
        return new RequestRow(
                -1,
                userHash,
                country,
                device,
                -1,
                interests,
                new float[Vocab.INTERESTS_PER_USER],
                new float[Vocab.EMBEDDING_DIM],
                new float[Vocab.NUM_CATEGORIES],
                context);
    }

    /** The same user in another context (training rows differ in position and surface). */
    public RequestRow in(Context other) {
        return new RequestRow(
                userId, userHash, country, device, age, interests, interestWeights, embedding, weightByCategory, other);
    }
}
