package adsml.platform.world;

import adsml.platform.domain.Context;
import java.util.Arrays;

/**
 * Logged impressions, stored column by column in primitive arrays: row {@code i} is one impression of ad
 * {@code adId[i]} to user {@code userId[i]} in context ({@code surface[i]}, {@code hour[i]}, {@code position[i]}), with
 * its sampled {@code click[i]} and {@code conversion[i]} (a conversion implies a click).
 *
 * <p>{@code pClick}/{@code pConversion} are the ground-truth probabilities at logging time (P(click) and P(conversion |
 * click)); they exist for evaluation only and must never be used as features. The column arrays are shared, not copied
 * (a log holds millions of rows): the accessors return them as they are and callers must treat them as read-only.
 */
public final class ImpressionLog {
    private final long[] requestId;
    private final int[] userId;
    private final int[] adId;
    private final int[] surface;
    private final int[] hour;
    private final int[] position;
    private final boolean[] click;
    private final boolean[] conversion;
    private final float[] pClick;
    private final float[] pConversion;

    /**
     * Wraps the given columns (not copied). All must have the same length, and no row may have a conversion without a
     * click.
     *
     * @throws IllegalArgumentException on mismatched lengths or a conversion without a click
     */
    public ImpressionLog(
            long[] requestId,
            int[] userId,
            int[] adId,
            int[] surface,
            int[] hour,
            int[] position,
            boolean[] click,
            boolean[] conversion,
            float[] pClick,
            float[] pConversion) {
        int n = requestId.length;
        if (userId.length != n
                || adId.length != n
                || surface.length != n
                || hour.length != n
                || position.length != n
                || click.length != n
                || conversion.length != n
                || pClick.length != n
                || pConversion.length != n) {
            throw new IllegalArgumentException("all columns must have " + n + " rows");
        }
        for (int i = 0; i < n; i++) {
            if (conversion[i] && !click[i]) {
                throw new IllegalArgumentException("row " + i + ": conversion without click");
            }
        }
        this.requestId = requestId;
        this.userId = userId;
        this.adId = adId;
        this.surface = surface;
        this.hour = hour;
        this.position = position;
        this.click = click;
        this.conversion = conversion;
        this.pClick = pClick;
        this.pConversion = pConversion;
    }

    /**
     * A log of {@code n} zeroed rows, for a writer that fills the columns in place (the generator, the file reader);
     * that writer keeps the rule that a conversion needs a click.
     */
    public static ImpressionLog ofRows(int n) {
        return new ImpressionLog(
                new long[n],
                new int[n],
                new int[n],
                new int[n],
                new int[n],
                new int[n],
                new boolean[n],
                new boolean[n],
                new float[n],
                new float[n]);
    }

    /** The first {@code n} rows, copied: a smaller log of the same traffic (at most {@link #size} rows). */
    public ImpressionLog firstRows(int n) {
        return new ImpressionLog(
                Arrays.copyOf(requestId, n),
                Arrays.copyOf(userId, n),
                Arrays.copyOf(adId, n),
                Arrays.copyOf(surface, n),
                Arrays.copyOf(hour, n),
                Arrays.copyOf(position, n),
                Arrays.copyOf(click, n),
                Arrays.copyOf(conversion, n),
                Arrays.copyOf(pClick, n),
                Arrays.copyOf(pConversion, n));
    }

    public int size() {
        return requestId.length;
    }

    public long[] requestId() {
        return requestId;
    }

    public int[] userId() {
        return userId;
    }

    public int[] adId() {
        return adId;
    }

    public int[] surface() {
        return surface;
    }

    public int[] hour() {
        return hour;
    }

    public int[] position() {
        return position;
    }

    public boolean[] click() {
        return click;
    }

    public boolean[] conversion() {
        return conversion;
    }

    public float[] pClick() {
        return pClick;
    }

    public float[] pConversion() {
        return pConversion;
    }

    /** Number of rows with a click. */
    public int clicks() {
        int c = 0;
        for (int i = 0; i < click.length; i++) {
            if (click[i]) {
                c++;
            }
        }
        return c;
    }

    /** Number of rows with a conversion. */
    public int conversions() {
        int c = 0;
        for (int i = 0; i < conversion.length; i++) {
            if (conversion[i]) {
                c++;
            }
        }
        return c;
    }

    /** The context of row {@code i} (allocates; not for hot loops). */
    public Context context(int i) {
        return new Context(surface[i], hour[i], position[i]);
    }

    /** Equal when every column is equal element by element. */
    @Override
    public boolean equals(Object o) {
        return o instanceof ImpressionLog l
                && Arrays.equals(l.requestId, requestId)
                && Arrays.equals(l.userId, userId)
                && Arrays.equals(l.adId, adId)
                && Arrays.equals(l.surface, surface)
                && Arrays.equals(l.hour, hour)
                && Arrays.equals(l.position, position)
                && Arrays.equals(l.click, click)
                && Arrays.equals(l.conversion, conversion)
                && Arrays.equals(l.pClick, pClick)
                && Arrays.equals(l.pConversion, pConversion);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(requestId) * 31 + Arrays.hashCode(adId);
    }

    @Override
    public String toString() {
        return "ImpressionLog[" + size() + " rows]";
    }
}
