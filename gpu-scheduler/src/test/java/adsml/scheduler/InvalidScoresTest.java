package adsml.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class InvalidScoresTest {
    private static final FaultSettings ONE_PERCENT_OF_1000 =
            new FaultSettings(Duration.ofSeconds(1), Duration.ofSeconds(30), 1000, 0.01);

    @Test
    void record_toleratesAFewInvalidRowsPerWindow_andFaultsPastTheFraction() {
        InvalidScores scores = new InvalidScores();
        for (int window = 0; window < 3; window++) {
            for (int batch = 0; batch < 10; batch++) {
                assertNull(scores.record(100, 1, ONE_PERCENT_OF_1000), "10 of 1000 rows is not more than 1%");
            }
        }
        for (int batch = 0; batch < 5; batch++) {
            assertNull(scores.record(100, 2, ONE_PERCENT_OF_1000));
        }
        assertNotNull(scores.record(100, 2, ONE_PERCENT_OF_1000), "12 of 600 rows is");
    }

    @Test
    void record_faultsAWholeInvalidBatchAtOnce() {
        assertNotNull(new InvalidScores().record(3, 3, ONE_PERCENT_OF_1000));
    }

    @Test
    void count_findsNaNInfinityAndValuesOutsideZeroToOne() {
        float[] scores = {0f, 1f, Float.NaN, 0.5f, 0.2f, Float.POSITIVE_INFINITY, 1.5f, 0f, -0.01f, 0.3f, 0.9f, 0.1f};
        assertEquals(4, InvalidScores.count(scores, 6, 2));
    }
}
