package adsml.platform.pacing;

import java.util.Arrays;

/**
 * How a day's traffic is spread over its 24 hours: the shape a paced budget follows. {@link #cumulative} is the share
 * of the day's traffic before an instant, linear within each hour.
 */
public final class TrafficCurve {
    public static final int HOURS = 24;
    private static final long HOUR_MS = 3_600_000L;

    /**
     * A consumer feed's day: low at night, rising through the day, peaking around 20:00 (weight {@code 1 + 0.8 cos(2 pi
     * (h - 20) / 24)}, so the peak hour has nine times the traffic of the quietest). The generated worlds draw their
     * requests' hours from this curve.
     */
    public static final TrafficCurve EVENING_PEAK = eveningPeak();

    private final double[] share;
    /** {@code before[h]}: the share of the day's traffic before hour {@code h}; {@code before[24] = 1}. */
    private final double[] before;

    /**
     * A curve with these hourly weights, scaled to sum to 1.
     *
     * @throws IllegalArgumentException unless there are 24 weights, each finite and positive
     */
    public TrafficCurve(double[] weights) {
        if (weights.length != HOURS) {
            throw new IllegalArgumentException("a traffic curve has 24 hourly weights, got " + weights.length);
        }
        double sum = 0;
        for (double w : weights) {
            if (!(w > 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("hourly weights must be finite and > 0, got " + w);
            }
            sum += w;
        }
        this.share = new double[HOURS];
        this.before = new double[HOURS + 1];
        for (int h = 0; h < HOURS; h++) {
            share[h] = weights[h] / sum;
            before[h + 1] = before[h] + share[h];
        }
        before[HOURS] = 1.0;
    }

    /** The share of the day's traffic in hour {@code hour} (0-23). */
    public double share(int hour) {
        return share[hour];
    }

    /** The 24 hourly shares, summing to 1. */
    public double[] shares() {
        return share.clone();
    }

    /** The share of the day's traffic before {@code millisIntoDay} (clamped to [0, 1 day]). */
    public double cumulative(long millisIntoDay) {
        if (millisIntoDay <= 0) {
            return 0;
        }
        if (millisIntoDay >= HOURS * HOUR_MS) {
            return 1;
        }
        int hour = (int) (millisIntoDay / HOUR_MS);
        return before[hour] + share[hour] * (millisIntoDay - hour * HOUR_MS) / (double) HOUR_MS;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof TrafficCurve c && Arrays.equals(share, c.share);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(share);
    }

    private static TrafficCurve eveningPeak() {
        double[] w = new double[HOURS];
        for (int h = 0; h < HOURS; h++) {
            w[h] = 1.0 + 0.8 * Math.cos(2 * Math.PI * (h - 20) / HOURS);
        }
        return new TrafficCurve(w);
    }
}
