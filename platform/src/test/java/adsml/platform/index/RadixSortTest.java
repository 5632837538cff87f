package adsml.platform.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class RadixSortTest {
    private final long[] buffer = new long[2_000];
    private final int[] counts = new int[8 * 256];

    @Test
    void sortsAsArraysSort_signedKeysAndSharedBytesAlike() {
        SplittableRandom random = new SplittableRandom(5);
        for (int round = 0; round < 200; round++) {
            int n = random.nextInt(buffer.length + 1);
            long[] keys = new long[n + 3];
            for (int i = 0; i < keys.length; i++) {
                keys[i] = switch (round % 4) {
                    case 0 -> random.nextLong();
                    case 1 -> ExactAdIndex.key((float) random.nextGaussian(), random.nextInt(100_000)); // a retrieval's keys
                    case 2 -> random.nextInt(3) - 1L; // few values, both signs
                    default -> Long.MIN_VALUE + random.nextInt(2) * Long.MAX_VALUE; // the extremes
                };
            }
            long[] expected = keys.clone();
            Arrays.sort(expected, 0, n);
            RadixSort.sort(keys, n, buffer, counts);
            assertArrayEquals(expected, keys, "round " + round + ", " + n + " keys (past n untouched)");
        }
    }
}
