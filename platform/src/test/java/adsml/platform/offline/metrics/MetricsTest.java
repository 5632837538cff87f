package adsml.platform.offline.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class MetricsTest {
    private static final boolean T = true;
    private static final boolean F = false;

    /** The definition itself: over all (positive, negative) pairs, 1 for a win, 1/2 for a tie. */
    private static double pairwiseAuc(float[] p, boolean[] y) {
        double wins = 0;
        long pairs = 0;
        for (int i = 0; i < p.length; i++) {
            for (int j = 0; j < p.length; j++) {
                if (y[i] && !y[j]) {
                    pairs++;
                    wins += p[i] > p[j] ? 1 : p[i] == p[j] ? 0.5 : 0;
                }
            }
        }
        return wins / pairs;
    }

    @Test
    void auc_perfectRankingIsOne() {
        assertEquals(1.0, Metrics.auc(new float[] {0.1f, 0.2f, 0.8f, 0.9f}, new boolean[] {F, F, T, T}));
    }

    @Test
    void auc_reversedRankingIsZero() {
        assertEquals(0.0, Metrics.auc(new float[] {0.9f, 0.8f, 0.2f, 0.1f}, new boolean[] {F, F, T, T}));
    }

    @Test
    void auc_allTiesIsHalf() {
        assertEquals(0.5, Metrics.auc(new float[] {0.3f, 0.3f, 0.3f, 0.3f, 0.3f}, new boolean[] {F, T, F, T, T}));
    }

    @Test
    void auc_handComputedCaseWithTies() {
        // positives 0.4, 0.6, 0.6; negatives 0.2, 0.4, 0.6
        // 0.4 beats 0.2, ties 0.4: 1.5; each 0.6 beats 0.2 and 0.4, ties 0.6: 2.5 + 2.5 -> 6.5 / 9
        float[] p = {0.4f, 0.6f, 0.6f, 0.2f, 0.4f, 0.6f};
        boolean[] y = {T, T, T, F, F, F};
        assertEquals(6.5 / 9, Metrics.auc(p, y), 1e-12);
    }

    @Test
    void auc_treatsNegativeZeroAsZeroAndOrdersNegativeScores() {
        assertEquals(0.5, Metrics.auc(new float[] {-0.0f, 0.0f}, new boolean[] {T, F}));
        assertEquals(1.0, Metrics.auc(new float[] {-3f, -1f, 2f}, new boolean[] {F, T, T}));
    }

    @Test
    void auc_isNanWhenAClassIsAbsent() {
        assertTrue(Double.isNaN(Metrics.auc(new float[] {0.1f, 0.2f}, new boolean[] {T, T})));
        assertTrue(Double.isNaN(Metrics.auc(new float[0], new boolean[0])));
    }

    @Test
    void auc_matchesPairwiseCountOnRandomDataWithTies() {
        Random r = new Random(7);
        for (int round = 0; round < 5; round++) {
            float[] p = new float[500];
            boolean[] y = new boolean[500];
            for (int i = 0; i < p.length; i++) {
                p[i] = round % 2 == 0 ? r.nextInt(20) / 20f : r.nextFloat(); // coarse grid forces ties
                y[i] = r.nextDouble() < 0.2 + 0.6 * p[i];
            }
            assertEquals(pairwiseAuc(p, y), Metrics.auc(p, y), 1e-12, "round " + round);
        }
    }

    @Test
    void auc_onePointTwoMillionRows_matchesTheory() {
        int n = 1_200_000;
        Random r = new Random(11);
        float[] p = new float[n];
        boolean[] y = new boolean[n];
        for (int i = 0; i < n; i++) {
            p[i] = r.nextFloat();
            y[i] = r.nextFloat() < p[i];
        }
        double auc = Metrics.auc(p, y);
        assertEquals(0.8333, auc, 0.005); // for p ~ U(0,1), y ~ Bernoulli(p) the AUC is 5/6
    }

    @Test
    void auc_rejectsNanAndMismatchedLengths() {
        assertThrows(
                IllegalArgumentException.class, () -> Metrics.auc(new float[] {Float.NaN, 1f}, new boolean[] {T, F}));
        assertThrows(IllegalArgumentException.class, () -> Metrics.auc(new float[2], new boolean[3]));
    }

    @Test
    void logLoss_handComputedCase() {
        float[] p = {0.8f, 0.4f};
        boolean[] y = {T, F};
        double expected = -(Math.log((double) 0.8f) + Math.log(1 - (double) 0.4f)) / 2;
        assertEquals(expected, Metrics.logLoss(p, y), 1e-9);
    }

    @Test
    void logLoss_clampsCertainMistakes() {
        double l = Metrics.logLoss(new float[] {0f, 1f}, new boolean[] {T, F});
        assertEquals(-Math.log(1e-7), l, 1e-6);
        assertTrue(Double.isNaN(Metrics.logLoss(new float[0], new boolean[0])));
    }

    @Test
    void ece_handComputedCaseWithTwoBins() {
        // sorted p: 0.1 0.2 | 0.7 0.9 ; labels F T | T T
        // bin 1: |0.15 - 0.5| = 0.35, bin 2: |0.8 - 1| = 0.2; each weighs 1/2
        float[] p = {0.9f, 0.2f, 0.7f, 0.1f};
        boolean[] y = {T, T, T, F};
        assertEquals(0.275, Metrics.ece(p, y, 2), 1e-6);
        assertEquals(Math.abs((0.9 + 0.2 + 0.7 + 0.1) / 4 - 0.75), Metrics.ece(p, y, 1), 1e-6);
    }

    @Test
    void ece_isZeroWhenEveryBinIsCalibratedAndSkipsEmptyBins() {
        float[] p = {0f, 1f, 0f, 1f};
        boolean[] y = {F, T, F, T};
        assertEquals(0.0, Metrics.ece(p, y, 10), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Metrics.ece(p, y, 0));
    }

    @Test
    void predOverObs_isMeanPredictionOverMeanLabel() {
        assertEquals(0.5 / 0.25, Metrics.predOverObs(new float[] {0.5f, 0.5f, 0.5f, 0.5f}, new boolean[] {T, F, F, F}));
        assertTrue(Double.isNaN(Metrics.predOverObs(new float[] {0.5f}, new boolean[] {F})));
    }
}
