package adsml.platform.features;

import adsml.platform.counters.CounterStore;
import adsml.platform.counters.CounterUpdates;
import adsml.platform.counters.Counters;
import java.util.HashMap;
import java.util.Map;

/** A test's counter store: sums updates per key without decay, and counts the reads. */
final class FixedCounters implements CounterStore {
    final Map<Long, float[]> values = new HashMap<>();
    int reads;
    int lastKeys;

    @Override
    public void add(CounterUpdates updates) {
        for (int i = 0; i < updates.size(); i++) {
            float[] v = values.computeIfAbsent(updates.key(i), k -> new float[Counters.VALUES]);
            for (int w = 0; w < Counters.WINDOWS; w++) {
                v[Counters.index(w, updates.measure(i))] += updates.amount(i);
            }
        }
    }

    @Override
    public void read(long[] keys, int n, long nowMs, float[] out) {
        reads++;
        lastKeys = n;
        for (int i = 0; i < n; i++) {
            float[] v = values.getOrDefault(keys[i], new float[Counters.VALUES]);
            System.arraycopy(v, 0, out, i * Counters.VALUES, Counters.VALUES);
        }
    }

    @Override
    public Stats stats() {
        return new Stats(values.size(), Long.MAX_VALUE, 0, 0);
    }

    @Override
    public boolean durable() {
        return false;
    }

    @Override
    public void close() {}
}
