package adsml.platform.pacing;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.List;

/**
 * How a {@link Pacer} throttles: whether at all, how often it sets each campaign's pass rate again ({@code interval}),
 * over how much of the day's traffic it averages a campaign's demand ({@code smoothing}, a share of the day), the
 * lowest pass rate it sets, how far ahead of its curve a campaign's spend may run ({@code maxAhead}, a share of its
 * budget), and the day's traffic curve its spend targets follow.
 */
public record PacingSettings(
        boolean enabled, Duration interval, double smoothing, double minRate, double maxAhead, TrafficCurve curve) {
    public PacingSettings {
        if (interval == null || interval.isNegative() || interval.isZero() || curve == null) {
            throw new IllegalArgumentException("pacing needs a positive interval and a traffic curve");
        }
        if (!(smoothing > 0 && smoothing <= 1) || !(minRate > 0 && minRate <= 1) || !(maxAhead > 0 && maxAhead <= 1)) {
            throw new IllegalArgumentException("smoothing, min-rate and max-ahead must be within (0, 1], were "
                    + smoothing + ", " + minRate + ", " + maxAhead);
        }
    }

    /** Pacing off: every campaign takes part in every auction until its budget is spent. */
    public static final PacingSettings OFF =
            new PacingSettings(false, Duration.ofMinutes(1), 0.02, 0.001, 0.01, TrafficCurve.EVENING_PEAK);

    /** Reads {@code adsml.platform.pacing}. */
    public static PacingSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.platform.pacing");
        List<Double> weights = root.getDoubleList(r.key("hourly-traffic"));
        TrafficCurve curve;
        if (weights.isEmpty()) {
            curve = TrafficCurve.EVENING_PEAK;
        } else {
            try {
                curve = new TrafficCurve(
                        weights.stream().mapToDouble(Double::doubleValue).toArray());
            } catch (IllegalArgumentException e) {
                throw new com.typesafe.config.ConfigException.BadValue(r.key("hourly-traffic"), e.getMessage());
            }
        }
        return new PacingSettings(
                root.getBoolean(r.key("enabled")),
                r.durationIn("interval", Duration.ofSeconds(1), Duration.ofHours(1)),
                r.doubleIn("smoothing", 0.001, 1),
                r.doubleIn("min-rate", 0.0001, 1),
                r.doubleIn("max-ahead", 0.0001, 1),
                curve);
    }
}
