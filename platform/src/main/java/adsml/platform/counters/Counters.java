package adsml.platform.counters;

import java.util.List;

/**
 * The counters' layout, shared by every store and by the feature sets that read them: four measures over four windows.
 *
 * <p>The three sliding windows are exponentially decayed counts: a key holds one value per window and the time it was
 * last updated, and a read multiplies by {@code exp(-(now - then) / window)}. For events arriving at a steady rate the
 * value equals the count over the last window length (the integral of {@code rate * exp(-s / window)}), and it costs
 * one float per window instead of a ring of buckets. {@code today} is an exact count since midnight UTC of the event
 * log's clock, reset at the day's change: frequency caps need "how often today", not a decayed estimate.
 */
public final class Counters {
    public static final int IMPRESSIONS = 0, CLICKS = 1, CONVERSIONS = 2, SPEND = 3;
    public static final int MEASURES = 4;

    public static final int WINDOW_5M = 0, WINDOW_1H = 1, WINDOW_1D = 2, TODAY = 3;
    public static final int WINDOWS = 4;

    /** Floats per key. */
    public static final int VALUES = MEASURES * WINDOWS;

    /** Measure names as feature names use them: {@code ad_clicks_1h}. */
    public static final List<String> MEASURE_NAMES = List.of("impressions", "clicks", "conversions", "spend");

    /** Window names as feature names use them. */
    public static final List<String> WINDOW_NAMES = List.of("5m", "1h", "1d", "today");

    /** Length of each decayed window in milliseconds; {@code today} has none (0). */
    public static final long[] WINDOW_MS = {5 * 60_000L, 60 * 60_000L, 24 * 60 * 60_000L, 0};

    public static final long DAY_MS = 24 * 60 * 60_000L;

    private Counters() {}

    /** Where a window's measure sits among a key's {@link #VALUES} floats. */
    public static int index(int window, int measure) {
        return window * MEASURES + measure;
    }
}
