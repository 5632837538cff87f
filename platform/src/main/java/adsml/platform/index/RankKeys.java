package adsml.platform.index;

/**
 * The ranking of retrieval as longs: (score, ad id) packed so that comparing keys compares as the ranking does, and the
 * selection of the largest keys. Shared by every index, so that all of them break ties and treat NaN alike.
 */
public final class RankKeys {
    private RankKeys() {}

    /**
     * (score, ad id) as one long that orders as the ranking does: higher score, then the lower ad id. The score's bits
     * are made to sort as signed ints; a NaN ranks last, so that a broken embedding cannot take a place, and -0 counts
     * as 0.
     */
    public static long key(float score, int adId) {
        float s = score != score ? Float.NEGATIVE_INFINITY : score + 0f;
        int bits = Float.floatToRawIntBits(s);
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) sortable << 32) | (Integer.MAX_VALUE - adId);
    }

    public static int adOf(long key) {
        return Integer.MAX_VALUE - (int) key;
    }

    public static float scoreOf(long key) {
        int sortable = (int) (key >> 32);
        return Float.intBitsToFloat(sortable ^ ((sortable >> 31) & 0x7fffffff));
    }

    /**
     * Reorders {@code keys[0, n)} so that its {@code k} largest come first, in no particular order (Hoare's selection;
     * the keys are distinct, since ad ids are).
     */
    public static void selectLargest(long[] keys, int n, int k) {
        int lo = 0;
        int hi = n - 1;
        int kth = k - 1;
        while (lo < hi) {
            long pivot = keys[kth];
            int i = lo;
            int j = hi;
            do {
                while (keys[i] > pivot) {
                    i++;
                }
                while (pivot > keys[j]) {
                    j--;
                }
                if (i <= j) {
                    long t = keys[i];
                    keys[i] = keys[j];
                    keys[j] = t;
                    i++;
                    j--;
                }
            } while (i <= j);
            if (j < kth) {
                lo = i;
            }
            if (kth < i) {
                hi = j;
            }
        }
    }
}
