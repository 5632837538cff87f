package adsml.platform.domain;

/**
 * The fixed vocabularies of the world. Entities store indexes into these arrays; files store the names. The arrays are
 * shared constants: callers must not modify them.
 */
public final class Vocab {
    public static final String[] COUNTRIES = {"US", "GB", "DE", "FR", "BR", "IN", "JP", "CA", "AU", "MX"};
    public static final String[] DEVICES = {"ios", "android", "desktop"};
    public static final String[] AGE_BUCKETS = {"18-24", "25-34", "35-44", "45-54", "55-64", "65+"};
    public static final String[] SURFACES = {"home_feed", "search", "video", "article"};
    public static final String[] CREATIVE_TYPES = {"image", "video", "carousel", "text"};
    /** Ad categories (and user interests) are ids {@code 0..NUM_CATEGORIES-1}. */
    public static final int NUM_CATEGORIES = 50;

    public static final int EMBEDDING_DIM = 6;
    public static final int INTERESTS_PER_USER = 3;
    /** Positions are {@code 0..MAX_POSITION-1}, 0 being the top slot. */
    public static final int MAX_POSITION = 5;

    public static final int HOURS = 24;

    private Vocab() {}

    /** Returns the index of {@code value} in {@code vocab}, or -1 when it is not there (or null). */
    public static int indexOf(String[] vocab, String value) {
        if (value == null) {
            return -1;
        }
        for (int i = 0; i < vocab.length; i++) {
            if (vocab[i].equals(value)) {
                return i;
            }
        }
        return -1;
    }
}
