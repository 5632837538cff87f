package adsml.scheduler;

import java.util.Locale;

/**
 * Counts one version's rows whose scores are not finite probabilities, over windows of rows, and says when there are
 * too many: a whole batch at once, or more than the allowed fraction of a window. Not thread-safe: the scheduler calls
 * it under its lock.
 */
final class InvalidScores {
    private long rows;
    private long invalid;

    /**
     * Returns why the version is faulty after a batch of {@code batchRows} rows of which {@code invalidRows} were
     * invalid; null while it is not.
     */
    String record(int batchRows, int invalidRows, FaultSettings settings) {
        if (invalidRows > 0 && invalidRows == batchRows) {
            return "every row of a batch of " + batchRows + " scored outside [0, 1] or not finite";
        }
        rows += batchRows;
        invalid += invalidRows;
        long window = settings.invalidScoreWindowRows();
        if (invalid > settings.maxInvalidScoreFraction() * window) {
            String reason = String.format(
                    Locale.ROOT,
                    "%d of its last %d rows scored outside [0, 1] or not finite (more than %.4g of %d rows)",
                    invalid,
                    rows,
                    settings.maxInvalidScoreFraction(),
                    window);
            rows = 0;
            invalid = 0;
            return reason;
        }
        if (rows >= window) {
            rows = 0;
            invalid = 0;
        }
        return null;
    }

    /**
     * Rows of {@code scores}' first {@code rows} (row-major, {@code heads} each) with a value outside [0, 1] or NaN.
     */
    static int count(float[] scores, int rows, int heads) {
        int bad = 0;
        for (int r = 0, i = 0; r < rows; r++) {
            boolean ok = true;
            for (int h = 0; h < heads; h++, i++) {
                float v = scores[i];
                ok &= v >= 0f && v <= 1f;
            }
            if (!ok) {
                bad++;
            }
        }
        return bad;
    }
}
