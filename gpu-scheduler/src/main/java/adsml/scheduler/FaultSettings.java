package adsml.scheduler;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Objects;

/**
 * How the scheduler treats failures: how long a device whose batch failed stays quarantined before it is probed, and
 * how many scores that are not finite probabilities make a version faulty.
 *
 * @param initialBackoff how long a device stays quarantined after its first failure
 * @param maxBackoff the longest quarantine: each failed probe doubles the backoff up to this
 * @param invalidScoreWindowRows the rows of a version over which invalid scores are counted
 * @param maxInvalidScoreFraction the fraction of a window's rows that may score outside [0, 1] or not finite before the
 *     version is faulty
 */
public record FaultSettings(
        Duration initialBackoff, Duration maxBackoff, int invalidScoreWindowRows, double maxInvalidScoreFraction) {

    /** The longest any quarantine lasts, whatever is configured. */
    public static final Duration MAX_BACKOFF_LIMIT = Duration.ofMinutes(10);

    public static final int MAX_WINDOW_ROWS = 100_000_000;

    /** Reads {@code adsml.scheduler.quarantine} and {@code adsml.scheduler.invalid-scores}. */
    public static FaultSettings from(Config root) {
        SettingsReader quarantine = SettingsReader.of(root, "adsml.scheduler.quarantine");
        long initialMs = quarantine.longIn("initial-backoff-ms", 1, MAX_BACKOFF_LIMIT.toMillis());
        long maxMs = quarantine.longIn("max-backoff-ms", 1, MAX_BACKOFF_LIMIT.toMillis());
        quarantine.require(
                maxMs >= initialMs,
                "max-backoff-ms",
                "must be at least initial-backoff-ms (" + initialMs + "), was " + maxMs);
        SettingsReader invalid = SettingsReader.of(root, "adsml.scheduler.invalid-scores");
        return new FaultSettings(
                Duration.ofMillis(initialMs),
                Duration.ofMillis(maxMs),
                invalid.intIn("window-rows", 1, MAX_WINDOW_ROWS),
                invalid.doubleIn("max-fraction", 0, 1));
    }

    public FaultSettings {
        Objects.requireNonNull(initialBackoff, "initialBackoff");
        Objects.requireNonNull(maxBackoff, "maxBackoff");
        if (initialBackoff.isNegative()
                || initialBackoff.isZero()
                || maxBackoff.compareTo(initialBackoff) < 0
                || maxBackoff.compareTo(MAX_BACKOFF_LIMIT) > 0) {
            throw new IllegalArgumentException("backoffs must satisfy 0 < initial <= max <= " + MAX_BACKOFF_LIMIT
                    + ", were " + initialBackoff + " and " + maxBackoff);
        }
        if (invalidScoreWindowRows < 1 || invalidScoreWindowRows > MAX_WINDOW_ROWS) {
            throw new IllegalArgumentException("invalidScoreWindowRows must be between 1 and " + MAX_WINDOW_ROWS
                    + ", was " + invalidScoreWindowRows);
        }
        if (!(maxInvalidScoreFraction >= 0 && maxInvalidScoreFraction <= 1)) {
            throw new IllegalArgumentException(
                    "maxInvalidScoreFraction must be between 0 and 1, was " + maxInvalidScoreFraction);
        }
    }

    /** Quarantine for 1 s, doubling to 30 s; a version is faulty past 1% invalid rows in a window of 10,000. */
    public static FaultSettings defaults() {
        return new FaultSettings(Duration.ofSeconds(1), Duration.ofSeconds(30), 10_000, 0.01);
    }
}
