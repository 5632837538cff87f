package adsml.platform.auction;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class PlackettLuceTest {
    @Test
    void marginals_byHand_forTwoOfThree() {
        double[][] m = PlackettLuce.marginals(new double[] {2, 1, 1}, 2);
        assertEquals(0.5, m[0][0], 1e-12);
        assertEquals(0.25, m[1][0], 1e-12);
        // Member 1 second: after 0 (1/2 x 1/2) or after 2 (1/4 x 1/3).
        assertEquals(0.25 + 0.25 / 3, m[1][1], 1e-12);
        // Member 0 second: after 1 or after 2, each 1/4 x 2/3.
        assertEquals(2 * 0.25 * 2 / 3, m[0][1], 1e-12);
    }

    @Test
    void marginals_sumToOnePerSlot_andMatchDraws() {
        double[] w = {5, 3, 2, 1, 1, 0.5, 0.25, 0.1};
        int slots = 4;
        double[][] m = PlackettLuce.marginals(w, slots);
        for (int k = 0; k < slots; k++) {
            double sum = 0;
            for (double[] member : m) {
                sum += member[k];
            }
            assertEquals(1.0, sum, 1e-12, "slot " + k);
        }
        int draws = 200_000;
        int[][] seen = new int[w.length][slots];
        int[] out = new int[slots];
        SplittableRandom random = new SplittableRandom(7);
        for (int d = 0; d < draws; d++) {
            PlackettLuce.draw(w, slots, random, out);
            for (int k = 0; k < slots; k++) {
                seen[out[k]][k]++;
            }
        }
        for (int j = 0; j < w.length; j++) {
            for (int k = 0; k < slots; k++) {
                double p = m[j][k];
                double sd = Math.sqrt(p * (1 - p) / draws);
                assertEquals(p, (double) seen[j][k] / draws, 5 * sd + 1e-9, "member " + j + ", slot " + k);
            }
        }
    }

    @Test
    void marginals_refuseWhatTheyCannotCompute() {
        assertThrows(IllegalArgumentException.class, () -> PlackettLuce.marginals(new double[11], 1));
        assertThrows(IllegalArgumentException.class, () -> PlackettLuce.marginals(new double[] {1, 0}, 1));
        assertThrows(IllegalArgumentException.class, () -> PlackettLuce.marginals(new double[] {1}, 2));
    }
}
