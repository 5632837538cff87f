package adsml.platform.counters;

import java.util.Arrays;

/**
 * A reusable batch of counter updates as parallel primitive arrays: key, measure ({@link Counters#IMPRESSIONS} ...),
 * amount, and the event log's time of the event in epoch milliseconds. Not thread-safe.
 */
public final class CounterUpdates {
    private long[] keys = new long[64];
    private int[] measures = new int[64];
    private float[] amounts = new float[64];
    private long[] timesMs = new long[64];
    private int size;

    public void add(long key, int measure, float amount, long timeMs) {
        if (measure < 0 || measure >= Counters.MEASURES) {
            throw new IllegalArgumentException("measure must be within [0, " + Counters.MEASURES + "), was " + measure);
        }
        if (size == keys.length) {
            int n = size * 2;
            keys = Arrays.copyOf(keys, n);
            measures = Arrays.copyOf(measures, n);
            amounts = Arrays.copyOf(amounts, n);
            timesMs = Arrays.copyOf(timesMs, n);
        }
        keys[size] = key;
        measures[size] = measure;
        amounts[size] = amount;
        timesMs[size] = timeMs;
        size++;
    }

    public int size() {
        return size;
    }

    public long key(int i) {
        return keys[i];
    }

    public int measure(int i) {
        return measures[i];
    }

    public float amount(int i) {
        return amounts[i];
    }

    public long timeMs(int i) {
        return timesMs[i];
    }

    public void clear() {
        size = 0;
    }
}
