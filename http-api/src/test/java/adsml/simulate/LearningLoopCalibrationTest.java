package adsml.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSchema;
import adsml.platform.model.Architecture;
import adsml.platform.offline.train.Trainer;
import adsml.platform.offline.train.TrainingData;
import java.util.List;
import org.junit.jupiter.api.Test;

class LearningLoopCalibrationTest {
    private static final Trainer.Config DCN = Trainer.Config.defaults(Architecture.DCN);

    @Test
    void manyClicks_keepTheTrainersShare() {
        assertEquals(0.05, LearningLoop.calibrationFraction(rows(100_000, 10_000), DCN), 1e-12);
    }

    @Test
    void fewClicks_holdOutEnoughForThreeHundred() {
        // 2,000 clicks, one every 50 rows: the last 300 lie in the last 15% of the rows.
        assertEquals(0.15, LearningLoop.calibrationFraction(rows(100_000, 2_000), DCN), 1e-12);
    }

    @Test
    void aQuietEnd_holdsOutMoreThanTheWindowsAverageRateSays() {
        // 2,000 clicks, but the last 10,000 rows (a night) hold 100 of them: the 300 last clicks span 19,000 rows.
        TrainingData data = rows(100_000, 0);
        for (int r = 0; r < 90_000; r += 45) {
            data.click()[r] = true;
        }
        for (int r = 90_000; r < 100_000; r += 100) {
            data.click()[r] = true;
        }
        assertEquals(0.19, LearningLoop.calibrationFraction(data, DCN), 1e-12);
    }

    @Test
    void aNightsHandful_holdsOutAQuarterAtMost() {
        assertEquals(0.25, LearningLoop.calibrationFraction(rows(5_000, 100), DCN), 1e-12);
        assertEquals(0.25, LearningLoop.calibrationFraction(rows(5_000, 0), DCN), 1e-12);
    }

    private static TrainingData rows(int n, int clicks) {
        FeatureSchema schema = new FeatureSchema("t-v1", List.of(new FeatureSchema.Slot("a", 2)), List.of("x"));
        boolean[] click = new boolean[n];
        for (int i = 0; i < clicks; i++) {
            click[i * (n / Math.max(1, clicks))] = true;
        }
        return new TrainingData(schema, FeatureBatch.forSchema(schema, n), click, new boolean[n]);
    }
}
