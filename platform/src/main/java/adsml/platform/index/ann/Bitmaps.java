package adsml.platform.index.ann;

import adsml.platform.domain.Vocab;

/**
 * Per targeting value, one bit per index position: whether the ad there admits a user with that value. For country,
 * device and age bucket, bitmap {@code v} holds the ads whose campaign targets {@code v} or does not target that
 * attribute, and the last bitmap holds those that do not target it (what an unknown value admits); for interests,
 * bitmap {@code k} holds the ads targeting interest {@code k} and the last those without interest targeting; and per
 * category its ads. A retrieval ANDs and ORs a handful of words per 64 ads and computes a dot product only where a bit
 * survives: at 1,000,000 ads the bitmaps take 16 bytes an ad.
 */
final class Bitmaps {
    final long[][] country = new long[Vocab.COUNTRIES.length + 1][];
    final long[][] device = new long[Vocab.DEVICES.length + 1][];
    final long[][] age = new long[Vocab.AGE_BUCKETS.length + 1][];
    final long[][] interest = new long[Vocab.NUM_CATEGORIES + 1][];
    final long[][] category = new long[Vocab.NUM_CATEGORIES][];

    /**
     * The bitmaps of positions {@code [0, posWord.length)}, where position {@code p} of list {@code l} is bit {@code p
     * - start[l]} counted from word {@code wordStart[l]}.
     */
    Bitmaps(int[] start, int[] wordStart, int[] posWord, long[] posInterests, int[] posCategory) {
        int words = wordStart[wordStart.length - 1];
        allocate(country, words);
        allocate(device, words);
        allocate(age, words);
        allocate(interest, words);
        allocate(category, words);
        for (int l = 0; l + 1 < start.length; l++) {
            for (int p = start[l]; p < start[l + 1]; p++) {
                int bit = p - start[l];
                int w = wordStart[l] + (bit >>> 6);
                long m = 1L << bit;
                int word = posWord[p];
                set(country, word & VectorAds.COUNTRY_BITS, w, m);
                set(device, (word >>> VectorAds.DEVICE_SHIFT) & VectorAds.DEVICE_BITS, w, m);
                set(age, (word >>> VectorAds.AGE_SHIFT) & VectorAds.AGE_BITS, w, m);
                long interests = posInterests[p];
                if (interests == 0) {
                    interest[Vocab.NUM_CATEGORIES][w] |= m;
                }
                for (long rest = interests; rest != 0; rest &= rest - 1) {
                    interest[Long.numberOfTrailingZeros(rest)][w] |= m;
                }
                category[posCategory[p]][w] |= m;
            }
        }
    }

    /** An attribute's bitmaps for one ad: every value its mask allows (all when it is 0), and "untargeted" if so. */
    private static void set(long[][] maps, int mask, int w, long m) {
        int values = maps.length - 1;
        for (int v = 0; v < values; v++) {
            if (mask == 0 || (mask >>> v & 1) != 0) {
                maps[v][w] |= m;
            }
        }
        if (mask == 0) {
            maps[values][w] |= m;
        }
    }

    private static void allocate(long[][] maps, int words) {
        for (int i = 0; i < maps.length; i++) {
            maps[i] = new long[words];
        }
    }

    /** The bitmap an attribute's value selects: the value's, or the untargeted one for an unknown (-1) value. */
    static long[] of(long[][] maps, int value) {
        return value < 0 ? maps[maps.length - 1] : maps[value];
    }

    long bytes() {
        long words = 0;
        for (long[][] maps : new long[][][] {country, device, age, interest, category}) {
            for (long[] map : maps) {
                words += map.length;
            }
        }
        return words * 8;
    }
}
