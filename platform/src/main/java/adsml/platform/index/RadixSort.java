package adsml.platform.index;

import java.util.Arrays;

/**
 * Sorts longs ascending, as {@code Arrays.sort} does, a byte at a time from the least significant (LSD radix sort),
 * skipping the bytes every key shares (a retrieval's keys share their top bytes: ad ids are small, scores close), so a
 * retrieval's final sort costs a few passes over its keys instead of a comparison sort's n log n ({@code tests/bench
 * 'AdIndexBenchmark.retrieve$'} compares the two).
 */
final class RadixSort {
    private static final int BYTES = Long.BYTES;

    private RadixSort() {}

    /**
     * Sorts {@code keys[0, n)} through {@code buffer} (at least {@code n} long) and {@code counts} (at least {@code 8 *
     * 256} long), both scratch.
     */
    static void sort(long[] keys, int n, long[] buffer, int[] counts) {
        if (n < 2) {
            return;
        }
        Arrays.fill(counts, 0, BYTES * 256, 0);
        for (int i = 0; i < n; i++) {
            long k = keys[i] ^ Long.MIN_VALUE; // signed order as unsigned: the sign bit flipped
            for (int b = 0; b < BYTES; b++) {
                counts[b * 256 + ((int) (k >>> (8 * b)) & 0xff)]++;
            }
        }
        long[] from = keys;
        long[] to = buffer;
        for (int b = 0; b < BYTES; b++) {
            int base = b * 256;
            int shift = 8 * b;
            if (counts[base + ((int) ((from[0] ^ Long.MIN_VALUE) >>> shift) & 0xff)] == n) {
                continue; // every key has this byte: the order stays
            }
            int start = 0;
            for (int v = 0; v < 256; v++) {
                int c = counts[base + v];
                counts[base + v] = start;
                start += c;
            }
            for (int i = 0; i < n; i++) {
                long k = from[i];
                to[counts[base + ((int) ((k ^ Long.MIN_VALUE) >>> shift) & 0xff)]++] = k;
            }
            long[] t = from;
            from = to;
            to = t;
        }
        if (from != keys) {
            System.arraycopy(from, 0, keys, 0, n);
        }
    }
}
