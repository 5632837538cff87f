package adsml.platform.offline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.model.Calibration;
import adsml.platform.offline.metrics.Metrics;
import java.util.Random;
import org.junit.jupiter.api.Test;

class CalibrationFitTest {
    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    /** Raw scores p = sigmoid(z); labels drawn from sigmoid(a z + b). */
    private static Object[] plattData(int n, double a, double b, long seed) {
        Random r = new Random(seed);
        float[] p = new float[n];
        boolean[] y = new boolean[n];
        for (int i = 0; i < n; i++) {
            double z = r.nextGaussian() * 2;
            p[i] = (float) sigmoid(z);
            y[i] = r.nextDouble() < sigmoid(a * z + b);
        }
        return new Object[] {p, y};
    }

    @Test
    void plattFit_recoversKnownSlopeAndBias() {
        Object[] d = plattData(100_000, 0.7, -0.4, 1);
        Calibration.Platt c = CalibrationFit.platt((float[]) d[0], (boolean[]) d[1]);
        assertEquals(0.7, c.a(), 0.05, c.toString());
        assertEquals(-0.4, c.b(), 0.05, c.toString());
    }

    @Test
    void plattFit_staysFiniteOnSeparableAndOneClassData() {
        Calibration.Platt sep =
                CalibrationFit.platt(new float[] {0.1f, 0.2f, 0.8f, 0.9f}, new boolean[] {false, false, true, true});
        assertTrue(Double.isFinite(sep.a()) && sep.a() > 0, sep.toString());
        Calibration.Platt one = CalibrationFit.platt(new float[] {0.3f, 0.3f}, new boolean[] {true, true});
        assertTrue(Double.isFinite(one.a()) && Double.isFinite(one.b()), one.toString());
        assertEquals(0.75, one.apply(0.3f), 1e-3); // Platt's smoothed target (2 + 1) / (2 + 2)
    }

    @Test
    void isotonicFit_poolsAdjacentViolatorsOnHandCase() {
        Calibration.Isotonic c =
                CalibrationFit.isotonic(new float[] {0.3f, 0.1f, 0.4f, 0.2f}, new boolean[] {false, false, true, true});
        assertEquals(
                new Calibration.Isotonic(new float[] {0.1f, 0.2f, 0.3f, 0.4f}, new float[] {0f, 0.5f, 0.5f, 1f}), c);
    }

    @Test
    void isotonicFit_isMonotoneBoundedAndReducesLogLossOnMiscalibratedData() {
        int n = 100_000;
        Random r = new Random(3);
        float[] p = new float[2 * n];
        boolean[] y = new boolean[2 * n];
        for (int i = 0; i < 2 * n; i++) {
            p[i] = r.nextFloat();
            y[i] = r.nextDouble() < (double) p[i] * p[i]; // the model over-predicts: truth is p^2
        }
        float[] trainP = java.util.Arrays.copyOf(p, n);
        boolean[] trainY = java.util.Arrays.copyOf(y, n);
        float[] testP = java.util.Arrays.copyOfRange(p, n, 2 * n);
        boolean[] testY = java.util.Arrays.copyOfRange(y, n, 2 * n);

        Calibration.Isotonic c = CalibrationFit.isotonic(trainP, trainY);
        assertTrue(c.x().length <= 2 * CalibrationFit.MAX_BLOCKS, "breakpoints: " + c.x().length);
        float prev = -1;
        for (int i = 0; i <= 1000; i++) {
            float v = c.apply(i / 1000f);
            assertTrue(v >= prev && v >= 0 && v <= 1, "at " + i);
            prev = v;
        }
        float[] calibrated = testP.clone();
        c.applyInPlace(calibrated, 0, n);
        double raw = Metrics.logLoss(testP, testY);
        double cal = Metrics.logLoss(calibrated, testY);
        assertTrue(cal < raw - 0.01, "raw " + raw + " calibrated " + cal);
        assertEquals(1.0, Metrics.predOverObs(calibrated, testY), 0.03);
    }

    @Test
    void sliceOffsets_recoverEachSlicesShiftOfTheLogit() {
        double[] truth = {1.0, 0.0, -0.8};
        Random r = new Random(5);
        int n = 300_000;
        float[] p = new float[n];
        int[] ids = new int[n];
        boolean[] y = new boolean[n];
        for (int i = 0; i < n; i++) {
            double z = -4 + 0.5 * r.nextGaussian();
            p[i] = (float) sigmoid(z);
            // id 3 never occurs; id 7 lies past the table and must not pull on anything
            ids[i] = i % 10 == 9 ? 7 : r.nextInt(3);
            double shift = ids[i] < 3 ? truth[ids[i]] : 3.0;
            y[i] = r.nextDouble() < sigmoid(z + shift);
        }
        float[] o = CalibrationFit.sliceOffsets(p, ids, y, 4, 10);
        assertEquals(4, o.length);
        for (int k = 0; k < 3; k++) {
            assertEquals(truth[k], o[k], 0.08, "slice " + k);
        }
        assertEquals(0f, o[3], "a slice without rows keeps no offset");
    }

    @Test
    void sliceOffsets_minimizeThePenalizedLossAndThePriorShrinksAFewClicks() {
        // 40 rows at 1%, 4 clicks: the clicks alone say log(4 / 0.4) = 2.3; a prior of 10 expected clicks holds it
        // near a third of that.
        int n = 40;
        float[] p = new float[n];
        boolean[] y = new boolean[n];
        for (int i = 0; i < n; i++) {
            p[i] = 0.01f;
            y[i] = i < 4;
        }
        int[] ids = new int[n];
        double prior = 10;
        float o = CalibrationFit.sliceOffsets(p, ids, y, 1, prior)[0];
        assertTrue(o > 0.3 && o < 1.2, "offset " + o);
        // The same minimum by a plain search over the penalized loss.
        double best = Double.NaN;
        double bestLoss = Double.POSITIVE_INFINITY;
        for (double c = -3; c <= 3; c += 1e-4) {
            double loss = prior * c * c / 2;
            for (int i = 0; i < n; i++) {
                double q = sigmoid(Math.log(p[i] / (1.0 - p[i])) + c);
                loss -= y[i] ? Math.log(q) : Math.log(1 - q);
            }
            if (loss < bestLoss) {
                bestLoss = loss;
                best = c;
            }
        }
        assertEquals(best, o, 1e-3);
        assertEquals(
                Math.log(0.1 / 0.9) - Math.log(0.01 / 0.99),
                CalibrationFit.sliceOffsets(p, ids, y, 1, 1e-9)[0],
                1e-3,
                "without a prior, the clicks' own log ratio");
    }
}
