package adsml.platform.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RadixSortTest {
    private static final long[] EXTREMES = {
        Long.MIN_VALUE, Long.MIN_VALUE + 1, -1, 0, 1, Long.MAX_VALUE - 1, Long.MAX_VALUE
    };
    private final long[] buffer = new long[2_000];
    private final int[] counts = new int[8 * 256];

    @Test
    void sortsAsArraysSort_signedKeysAndSharedBytesAlike() {
        SplittableRandom random = new SplittableRandom(5);
        for (int round = 0; round < 200; round++) {
            int n = round < 16 ? round / 4 : random.nextInt(buffer.length + 1); // 0 to 3 keys of every kind, then any
            long[] keys = new long[n + 3];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = switch (round % 4) {
                    case 0 -> random.nextLong();
                    case 1 ->
                        RankKeys.key((float) random.nextGaussian(), random.nextInt(100_000)); // a retrieval's keys
                    case 2 -> random.nextInt(3) - 1L; // few values, both signs
                    default -> EXTREMES[random.nextInt(EXTREMES.length)];
                };
            }
            long[] expected = keys.clone();
            Arrays.sort(expected, 0, n);
            RadixSort.sort(keys, n, buffer, counts);
            assertArrayEquals(expected, keys, "round " + round + ", " + n + " keys (past n untouched)");
        }
    }

    @Test
    void sortsKeysThatAllShareEveryByte() {
        for (long same : new long[] {-5, 7, Long.MIN_VALUE}) {
            long[] keys = new long[300];
            Arrays.fill(keys, same);
            RadixSort.sort(keys, keys.length, buffer, counts);
            for (long k : keys) {
                assertEquals(same, k);
            }
        }
    }
}
