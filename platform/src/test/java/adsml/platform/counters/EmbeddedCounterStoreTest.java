package adsml.platform.counters;

import static adsml.platform.counters.Counters.IMPRESSIONS;
import static adsml.platform.counters.Counters.TODAY;
import static adsml.platform.counters.Counters.VALUES;
import static adsml.platform.counters.Counters.WINDOW_1D;
import static adsml.platform.counters.Counters.WINDOW_1H;
import static adsml.platform.counters.Counters.WINDOW_5M;
import static adsml.platform.counters.Counters.index;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class EmbeddedCounterStoreTest extends CounterStoreContract {

    @Override
    CounterStore open() {
        return new EmbeddedCounterStore(10_000);
    }

    /** Updates over two days and 5,000 keys, some late, in a random but repeatable order. */
    static CounterUpdates events(long seed, long fromMs, int n) {
        Random r = new Random(seed);
        CounterUpdates u = new CounterUpdates();
        long t = fromMs;
        for (int i = 0; i < n; i++) {
            t += r.nextInt(40_000);
            long late = r.nextInt(10) == 0 ? r.nextInt(3_600_000) : 0;
            u.add(CounterKeys.of(1 + r.nextInt(9), r.nextInt(5_000)), r.nextInt(4), 1 + r.nextInt(3), t - late);
        }
        return u;
    }

    static long[] allKeys() {
        long[] keys = new long[9 * 5_000];
        for (int kind = 1; kind <= 9; kind++) {
            for (int id = 0; id < 5_000; id++) {
                keys[(kind - 1) * 5_000 + id] = CounterKeys.of(kind, id);
            }
        }
        return keys;
    }

    static void assertClose(float[] expected, float[] actual) {
        assertEquals(expected.length, actual.length);
        for (int i = 0; i < expected.length; i++) {
            float e = expected[i];
            float a = actual[i];
            if (Math.abs(e - a) > 1e-6 * Math.max(Math.abs(e), Math.abs(a)) + 1e-30) {
                throw new AssertionError(
                        "key " + i / VALUES + " value " + i % VALUES + ": expected " + e + ", was " + a);
            }
        }
    }

    static float[] readAll(CounterStore store, long nowMs) {
        long[] keys = allKeys();
        float[] out = new float[keys.length * VALUES];
        store.read(keys, keys.length, nowMs, out);
        return out;
    }

    static byte[] snapshot(EmbeddedCounterStore store) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        store.writeSnapshot(bytes);
        return bytes.toByteArray();
    }

    @Test
    void snapshot_restoredAndFedTheRestEqualsFedItAll() throws IOException {
        CounterUpdates a = events(1, NOON, 5_000);
        CounterUpdates b = events(2, a.timeMs(a.size() - 1), 5_000);
        long end = b.timeMs(b.size() - 1) + 60_000;
        try (EmbeddedCounterStore whole = new EmbeddedCounterStore(100_000);
                EmbeddedCounterStore first = new EmbeddedCounterStore(100_000)) {
            whole.add(a);
            whole.add(b);
            first.add(a);
            try (EmbeddedCounterStore restored =
                    EmbeddedCounterStore.readSnapshot(new ByteArrayInputStream(snapshot(first)), 100_000)) {
                assertEquals(first.stats().keys(), restored.stats().keys());
                restored.add(b);
                assertClose(readAll(whole, end), readAll(restored, end));
            }
        }
    }

    @Test
    void readSnapshot_refusesCorruptOrTornSnapshots() throws IOException {
        EmbeddedCounterStore store = new EmbeddedCounterStore(100_000);
        store.add(events(1, NOON, 2_000));
        byte[] good = snapshot(store);

        byte[] flipped = good.clone();
        flipped[good.length / 2] ^= 0x10;
        assertProblem(flipped, "CRC-32");

        assertProblem(Arrays.copyOf(good, good.length / 2), "truncated");
        assertProblem(Arrays.copyOf(good, good.length - 2), "truncated");

        byte[] notOne = good.clone();
        notOne[0] = '{';
        assertProblem(notOne, "not a counter snapshot");

        byte[] future = good.clone();
        future[7] = 2;
        assertProblem(future, "version 2");
    }

    private static void assertProblem(byte[] snapshot, String problem) {
        InvalidSnapshotException e = assertThrows(
                InvalidSnapshotException.class,
                () -> EmbeddedCounterStore.readSnapshot(new ByteArrayInputStream(snapshot), 100_000));
        assertTrue(e.getMessage().contains(problem), e.getMessage());
    }

    @Test
    void readSnapshot_readsNothingPastTheSnapshot() throws IOException {
        EmbeddedCounterStore store = new EmbeddedCounterStore(1_000);
        add(store, AD, 3);
        byte[] snap = snapshot(store);
        byte[] withTail = Arrays.copyOf(snap, snap.length + 3);
        withTail[snap.length] = 42;
        ByteArrayInputStream in = new ByteArrayInputStream(withTail);
        EmbeddedCounterStore restored = EmbeddedCounterStore.readSnapshot(in, 1_000);
        assertEquals(42, in.read(), "the event log's bytes after the snapshot are left for it");
        assertEquals(3f, today(restored, AD));
    }

    @Test
    void stats_footprintPerKeyWithinBudget() {
        CounterStore.Stats stats = new EmbeddedCounterStore(1_000_000).stats();
        assertEquals(1_000_000, stats.maxKeys());
        assertTrue(stats.bytesPerKey() <= 96, "bytes per key " + stats.bytesPerKey());
        assertEquals(0, stats.keys());
    }

    @Test
    void add_fillsNearlyAllSlotsBeforeEvicting() {
        EmbeddedCounterStore store = new EmbeddedCounterStore(8_000);
        CounterUpdates u = new CounterUpdates();
        for (int i = 0; i < 7_200; i++) {
            u.add(CounterKeys.of(CounterKeys.USER_AD, i), IMPRESSIONS, 1, NOON);
        }
        store.add(u);
        CounterStore.Stats stats = store.stats();
        assertTrue(stats.evictions() < 72, "a table 90% full evicted " + stats.evictions() + " keys");
        assertEquals(7_200, stats.keys() + stats.evictions());
    }

    @Test
    void add_whenFullEvictsColdKeysAndKeepsHotOnes() {
        EmbeddedCounterStore store = new EmbeddedCounterStore(64);
        long[] hot = new long[8];
        for (int i = 0; i < hot.length; i++) {
            hot[i] = CounterKeys.of(CounterKeys.AD, i);
            add(store, hot[i], 100);
        }
        for (int i = 0; i < 1_000; i++) {
            add(store, CounterKeys.of(CounterKeys.USER_AD, i), 1);
        }
        for (long key : hot) {
            assertEquals(100f, today(store, key));
        }
        CounterStore.Stats stats = store.stats();
        assertEquals(64, stats.keys());
        assertEquals(1_008 - 64, stats.evictions());
        assertEquals(1f, today(store, CounterKeys.of(CounterKeys.USER_AD, 999)), "the newest key is held");
    }

    @Test
    void read_neverSeesAKeyHalfUpdated() throws Exception {
        // Every update adds one impression at one time, so any whole state has its four windows equal; a reader that
        // copied a key while the writer was between windows, or while it replaced the key, would see them differ.
        EmbeddedCounterStore store = new EmbeddedCounterStore(64);
        long[] keys = new long[200];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = CounterKeys.of(CounterKeys.USER_AD, i);
        }
        AtomicBoolean done = new AtomicBoolean();
        AtomicReference<String> torn = new AtomicReference<>();
        Runnable reader = () -> {
            float[] out = new float[keys.length * VALUES];
            while (!done.get() && torn.get() == null) {
                store.read(keys, keys.length, NOON, out);
                for (int k = 0; k < keys.length; k++) {
                    float w5m = out[k * VALUES + index(WINDOW_5M, IMPRESSIONS)];
                    float w1h = out[k * VALUES + index(WINDOW_1H, IMPRESSIONS)];
                    float w1d = out[k * VALUES + index(WINDOW_1D, IMPRESSIONS)];
                    float today = out[k * VALUES + index(TODAY, IMPRESSIONS)];
                    if (w5m != w1h || w1h != w1d || w1d != today) {
                        torn.set("key " + k + ": " + w5m + ", " + w1h + ", " + w1d + ", " + today);
                    }
                }
            }
        };
        Thread[] readers = {new Thread(reader), new Thread(reader)};
        for (Thread t : readers) {
            t.start();
        }
        CounterUpdates u = new CounterUpdates();
        Random r = new Random(3);
        long until = System.nanoTime() + 1_000_000_000L;
        while (System.nanoTime() < until && torn.get() == null) {
            u.clear();
            for (int i = 0; i < 100; i++) {
                u.add(keys[r.nextInt(keys.length)], IMPRESSIONS, 1, NOON);
            }
            store.add(u);
        }
        done.set(true);
        for (Thread t : readers) {
            t.join();
        }
        assertEquals(null, torn.get());
        assertFalse(store.stats().evictions() == 0, "the test must replace keys under the readers too");
    }

    private static void add(CounterStore store, long key, float impressions) {
        CounterUpdates u = new CounterUpdates();
        u.add(key, IMPRESSIONS, impressions, NOON);
        store.add(u);
    }

    private static float today(CounterStore store, long key) {
        float[] out = new float[VALUES];
        store.read(new long[] {key}, 1, NOON, out);
        return out[index(TODAY, IMPRESSIONS)];
    }
}
