package adsml.platform.scoring;

import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.RandomFeatures;
import adsml.platform.model.Model;
import java.util.Arrays;

/**
 * The check each faster CPU scorer is held to: its scores of the same random rows against {@link ReferenceScorer}'s.
 */
final class ReferenceParity {
    private static final float TOLERANCE = 1e-5f;

    private ReferenceParity() {}

    /**
     * {@code scorer}, named {@code name} in failures, scores {@code rows} random rows from {@code seed} as the
     * reference scores {@code model}.
     */
    static void assertScoresLikeReference(Model model, Scorer scorer, String name, int rows, long seed) {
        FeatureBatch batch = RandomFeatures.batch(model.spec().schema(), rows, seed);
        int heads = model.spec().heads().size();
        float[] expected = new float[rows * heads];
        float[] actual = new float[rows * heads];
        Arrays.fill(actual, Float.NaN); // poisoned: an unwritten element fails the comparison
        ReferenceScorer.of(model).score(batch, expected);
        scorer.score(batch, actual);
        for (int i = 0; i < expected.length; i++) {
            assertTrue(
                    Math.abs(expected[i] - actual[i]) <= TOLERANCE,
                    "row " + i / heads + " head " + i % heads + ": reference " + expected[i] + " " + name + " "
                            + actual[i]);
        }
    }
}
