package adsml.platform.index.ann;

import adsml.platform.index.RankKeys;
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
        return threshold == Long.MIN_VALUE ? Float.NEGATIVE_INFINITY : RankKeys.scoreOf(threshold);
    }

    /** Whether (score, adId) beats what is known to be kept: asked before anything costly (a budget read). */
    boolean admits(float score, int adId) {
        return RankKeys.key(score, adId) > threshold;
    }

    /** Adds a pair that {@link #admits} said may enter. */
    void offer(float score, int adId) {
        keys[n++] = RankKeys.key(score, adId);
        if (n == keys.length) {
            cut();
        }
    }

    private void cut() {
        if (n > k) {
            RankKeys.selectLargest(keys, n, k);
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

    /** Writes the ids best first into {@code out} and returns how many; empties the buffer. */
    int drainBestFirst(int[] out) {
        int count = sortBest();
        for (int i = 0; i < count; i++) {
            out[i] = RankKeys.adOf(keys[count - 1 - i]);
        }
        return count;
    }

    /** Writes the (score, id) keys best first into {@code out} and returns how many; empties the buffer. */
    int drainBestFirstKeys(long[] out) {
        int count = sortBest();
        for (int i = 0; i < count; i++) {
            out[i] = keys[count - 1 - i];
        }
        return count;
    }

    /** Keeps the best {@code k} in {@code keys[0, count)}, ascending, and empties the buffer. */
    private int sortBest() {
        if (n > k) {
            RankKeys.selectLargest(keys, n, k);
            n = k;
        }
        Arrays.sort(keys, 0, n);
        int count = n;
        n = 0;
        return count;
    }
}
