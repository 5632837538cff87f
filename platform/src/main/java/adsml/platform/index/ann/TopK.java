package adsml.platform.index.ann;

import java.util.Arrays;

/**
 * The best {@code k} (score, ad id) pairs seen, ordered as the ranking is: higher score first, ties to the lower ad id;
 * a NaN score ranks last. A pair is kept as one long key that orders the same way. Keys that beat the running threshold
 * are appended to a buffer four times {@code k} long; when it fills, a selection keeps the best {@code k} and the
 * threshold rises to the worst of them. That costs a comparison for most candidates and amortised constant time for the
 * rest, where a heap paid a dozen unpredictable branches for every ad that entered it. Reused across retrievals by one
 * thread.
 */
final class TopK {
    private static final int BUFFER_FACTOR = 4;

    private long[] keys = new long[0];
    private int n;
    private int k;
    private long threshold;

    void reset(int k) {
        if (keys.length < BUFFER_FACTOR * k) {
            keys = new long[BUFFER_FACTOR * k];
        }
        this.k = k;
        n = 0;
        threshold = Long.MIN_VALUE;
    }

    /**
     * The k-th best score held, or negative infinity while fewer than {@code k} are: for a caller deciding whether to
     * look further. Cuts the buffer back first when it holds twice {@code k}, so that the answer is fresh.
     */
    float floor() {
        if (n >= 2 * k || (threshold == Long.MIN_VALUE && n >= k)) {
            cut();
        }
        return threshold == Long.MIN_VALUE ? Float.NEGATIVE_INFINITY : scoreOf(threshold);
    }

    static float scoreOf(long key) {
        int sortable = (int) (key >> 32);
        return Float.intBitsToFloat(sortable ^ ((sortable >> 31) & 0x7fffffff));
    }

    /** Whether (score, adId) beats what is known to be kept: asked before anything costly (a budget read). */
    boolean admits(float score, int adId) {
        return key(score, adId) > threshold;
    }

    /** Adds a pair that {@link #admits} said may enter. */
    void offer(float score, int adId) {
        keys[n++] = key(score, adId);
        if (n == keys.length) {
            cut();
        }
    }

    private void cut() {
        if (n > k) {
            selectLargest(keys, n, k);
            n = k;
        }
        if (n == k) {
            long min = Long.MAX_VALUE;
            for (int i = 0; i < n; i++) {
                min = Math.min(min, keys[i]);
            }
            threshold = min;
        }
    }

    int capacity() {
        return k;
    }

    int drainScored(int[] out, float[] scores) {
        if (n > k) {
            selectLargest(keys, n, k);
            n = k;
        }
        for (int i = 0; i < n; i++) {
            out[i] = adOf(keys[i]);
            int sortable = (int) (keys[i] >> 32);
            scores[i] = Float.intBitsToFloat(sortable ^ ((sortable >> 31) & 0x7fffffff));
        }
        int count = n;
        n = 0;
        return count;
    }

    /** Writes the ids of the best {@code k} in no order into {@code out} and returns how many; empties the buffer. */
    int drainUnordered(int[] out) {
        if (n > k) {
            selectLargest(keys, n, k);
            n = k;
        }
        for (int i = 0; i < n; i++) {
            out[i] = adOf(keys[i]);
        }
        int count = n;
        n = 0;
        return count;
    }

    /** Writes the ids best first into {@code out} and returns how many; empties the buffer. */
    int drainBestFirst(int[] out) {
        if (n > k) {
            selectLargest(keys, n, k);
            n = k;
        }
        Arrays.sort(keys, 0, n);
        for (int i = 0; i < n; i++) {
            out[i] = adOf(keys[n - 1 - i]);
        }
        int count = n;
        n = 0;
        return count;
    }

    static long key(float score, int adId) {
        float s = score != score ? Float.NEGATIVE_INFINITY : score + 0f;
        int bits = Float.floatToRawIntBits(s);
        int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
        return ((long) sortable << 32) | (Integer.MAX_VALUE - adId);
    }

    static int adOf(long key) {
        return Integer.MAX_VALUE - (int) key;
    }

    /**
     * Reorders {@code keys[0, n)} so that its {@code k} largest come first, in no particular order (Hoare's selection;
     * the keys are distinct, since ad ids are).
     */
    static void selectLargest(long[] keys, int n, int k) {
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
