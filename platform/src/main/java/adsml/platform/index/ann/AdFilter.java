package adsml.platform.index.ann;

import adsml.platform.domain.Targeting;
import adsml.platform.domain.Vocab;

/**
 * What a retrieval filters on: the user's country, device and age bucket as {@link Vocab} indexes (-1 when unknown),
 * the user's interests as a category mask, and an optional restriction to some ad categories (a search for shoes sees
 * shoe ads only; 0 for none). An ad is eligible when its campaign's {@link Targeting} matches the user (an unknown
 * attribute matches only campaigns that do not target it), its category is allowed, it is not paused and its campaign
 * still has budget.
 */
public record AdFilter(int country, int device, int ageBucket, long interests, long categories) {
    /** A user about whom nothing is known, with no category restriction. */
    public static final AdFilter UNKNOWN = new AdFilter(-1, -1, -1, 0L, 0L);

    public AdFilter {
        check("country", country, Vocab.COUNTRIES.length);
        check("device", device, Vocab.DEVICES.length);
        check("ageBucket", ageBucket, Vocab.AGE_BUCKETS.length);
        if ((interests >>> Vocab.NUM_CATEGORIES) != 0 || (categories >>> Vocab.NUM_CATEGORIES) != 0) {
            throw new IllegalArgumentException(
                    "interests and categories must be masks over categories 0.." + (Vocab.NUM_CATEGORIES - 1));
        }
    }

    /**
     * Whether an ad with this targeting word ({@link VectorAds#targetWord}), interest targeting and category passes;
     * the reference that the bitmaps of {@link IvfIndex} must agree with.
     */
    public boolean admits(int targetWord, long adInterests, int category) {
        int countries = targetWord & VectorAds.COUNTRY_BITS;
        int devices = (targetWord >>> VectorAds.DEVICE_SHIFT) & VectorAds.DEVICE_BITS;
        int ages = (targetWord >>> VectorAds.AGE_SHIFT) & VectorAds.AGE_BITS;
        return admits(countries, country)
                && admits(devices, device)
                && admits(ages, ageBucket)
                && (adInterests == 0 || (adInterests & interests) != 0)
                && (categories == 0 || (categories >>> category & 1) != 0);
    }

    /**
     * The user's known country, device and age bucket as bits of a targeting word ({@link VectorAds#targetWord}): an
     * ad's word passes when, in each of {@link VectorAds#targetFields()}, it has no bit (untargeted) or shares one with
     * this word. The same test as {@link #admits}, in the form a GPU kernel evaluates.
     */
    public int knownWord() {
        return (country >= 0 ? 1 << country : 0)
                | (device >= 0 ? 1 << (VectorAds.DEVICE_SHIFT + device) : 0)
                | (ageBucket >= 0 ? 1 << (VectorAds.AGE_SHIFT + ageBucket) : 0);
    }

    private static boolean admits(int mask, int value) {
        return mask == 0 || (value >= 0 && (mask >>> value & 1) != 0);
    }

    private static void check(String name, int value, int size) {
        if (value < -1 || value >= size) {
            throw new IllegalArgumentException(
                    name + " must be -1 (unknown) or in 0.." + (size - 1) + ", was " + value);
        }
    }
}
