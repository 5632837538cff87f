package adsml.platform.index.ann;

import adsml.platform.domain.Targeting;
import adsml.platform.domain.Vocab;

/**
 * Ads as columns, ad id {@code i} in row {@code i}: embedding, campaign, category, and the campaign's targeting packed
 * into one int (countries, devices, age buckets side by side) and one long (interests). What {@link IvfIndex} is built
 * from and what the scale generator writes: at 10,000,000 ads an object per ad would cost more than the ads.
 */
public final class VectorAds {
    static final int COUNTRY_BITS = (1 << Vocab.COUNTRIES.length) - 1;
    static final int DEVICE_SHIFT = Vocab.COUNTRIES.length;
    static final int DEVICE_BITS = (1 << Vocab.DEVICES.length) - 1;
    static final int AGE_SHIFT = DEVICE_SHIFT + Vocab.DEVICES.length;
    static final int AGE_BITS = (1 << Vocab.AGE_BUCKETS.length) - 1;
    private static final int WORD_BITS = AGE_SHIFT + Vocab.AGE_BUCKETS.length;

    public final int dim;
    public final int size;
    /** Row {@code i}'s embedding is {@code [i * dim, (i + 1) * dim)}. */
    final float[] vectors;

    final int[] campaign;
    final int[] category;
    final int[] targetWord;
    final long[] interests;

    /**
     * Columns of {@code size} rows; the arrays are taken, not copied.
     *
     * @throws IllegalArgumentException when a column's length disagrees with {@code size} and {@code dim}, or a
     *     category is outside the vocabulary
     */
    public VectorAds(
            int dim, int size, float[] vectors, int[] campaign, int[] category, int[] targetWord, long[] interests) {
        if (dim < 1 || size < 0) {
            throw new IllegalArgumentException("dim must be >= 1 and size >= 0, were " + dim + ", " + size);
        }
        if ((long) size * dim != vectors.length
                || campaign.length != size
                || category.length != size
                || targetWord.length != size
                || interests.length != size) {
            throw new IllegalArgumentException("every column must hold " + size + " rows of dimension " + dim);
        }
        for (int i = 0; i < size; i++) {
            checkRow(i, campaign[i], category[i], targetWord[i], interests[i]);
        }
        this.dim = dim;
        this.size = size;
        this.vectors = vectors;
        this.campaign = campaign;
        this.category = category;
        this.targetWord = targetWord;
        this.interests = interests;
    }

    /**
     * Checks one ad's attributes, as every row of these columns and every upsert into an index must pass.
     *
     * @throws IllegalArgumentException when the campaign is negative, the category outside the vocabulary, or the
     *     targeting word or interest mask has bits beyond the vocabularies
     */
    static void checkRow(int ad, int campaign, int category, int targetWord, long interests) {
        if (category < 0
                || category >= Vocab.NUM_CATEGORIES
                || campaign < 0
                || (targetWord >>> WORD_BITS) != 0
                || (interests >>> Vocab.NUM_CATEGORIES) != 0) {
            throw new IllegalArgumentException("ad " + ad + ": category " + category + ", campaign " + campaign
                    + ", targeting word " + Integer.toHexString(targetWord) + ", interests "
                    + Long.toHexString(interests) + " (categories 0.." + (Vocab.NUM_CATEGORIES - 1) + ")");
        }
    }

    /** The bits of a targeting word that belong to each attribute: countries, devices, age buckets. */
    public static int[] targetFields() {
        return new int[] {COUNTRY_BITS, DEVICE_BITS << DEVICE_SHIFT, AGE_BITS << AGE_SHIFT};
    }

    /** The targeting word of a campaign's targeting. */
    public static int targetWord(Targeting t) {
        return t.countryMask() | t.deviceMask() << DEVICE_SHIFT | t.ageMask() << AGE_SHIFT;
    }

    /** A copy of ad {@code i}'s embedding. */
    public float[] vector(int i) {
        float[] v = new float[dim];
        System.arraycopy(vectors, i * dim, v, 0, dim);
        return v;
    }

    public int campaign(int i) {
        return campaign[i];
    }

    public int category(int i) {
        return category[i];
    }

    public int targetWord(int i) {
        return targetWord[i];
    }

    public long interests(int i) {
        return interests[i];
    }

    /**
     * A hash of every column: an index file built from these ads carries it, so that start-up can tell whether the ads
     * changed since (and rebuild only then).
     */
    public long fingerprint() {
        long h = 0x9E3779B97F4A7C15L ^ size * 31L ^ dim;
        for (int i = 0; i < vectors.length; i++) {
            h = mix(h, Float.floatToRawIntBits(vectors[i]));
        }
        for (int i = 0; i < size; i++) {
            h = mix(h, campaign[i]);
            h = mix(h, category[i]);
            h = mix(h, targetWord[i]);
            h = mix(h, interests[i]);
        }
        return h;
    }

    private static long mix(long h, long v) {
        h ^= v + 0x9E3779B97F4A7C15L + (h << 6) + (h >>> 2);
        return h * 0xBF58476D1CE4E5B9L;
    }
}
