package adsml.platform.counters;

import static adsml.platform.counters.Counters.CLICKS;
import static adsml.platform.counters.Counters.IMPRESSIONS;
import static adsml.platform.counters.Counters.SPEND;
import static adsml.platform.counters.Counters.TODAY;
import static adsml.platform.counters.Counters.VALUES;
import static adsml.platform.counters.Counters.WINDOW_1D;
import static adsml.platform.counters.Counters.WINDOW_1H;
import static adsml.platform.counters.Counters.WINDOW_5M;
import static adsml.platform.counters.Counters.index;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Instant;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What every counter store promises, run against each store by a subclass. */
abstract class CounterStoreContract {
    /** Noon UTC, so that an hour either way stays on the same day. */
    static final long NOON = Instant.parse("2026-12-06T12:00:00Z").toEpochMilli();

    static final long AD = CounterKeys.of(CounterKeys.AD, 7);
    static final long CAMPAIGN = CounterKeys.of(CounterKeys.CAMPAIGN, 7);

    CounterStore store;

    abstract CounterStore open() throws Exception;

    @BeforeEach
    void openStore() throws Exception {
        store = open();
    }

    @AfterEach
    void closeStore() {
        if (store != null) {
            store.close();
        }
    }

    float[] read(long nowMs, long... keys) {
        float[] out = new float[keys.length * VALUES];
        store.read(keys, keys.length, nowMs, out);
        return out;
    }

    void add(long key, int measure, float amount, long timeMs) {
        CounterUpdates u = new CounterUpdates();
        u.add(key, measure, amount, timeMs);
        store.add(u);
    }

    @Test
    void read_keyNeverCountedIsZero() {
        assertArrayEquals(new float[2 * VALUES], read(NOON, AD, CAMPAIGN));
    }

    @Test
    void add_countsInEveryWindowAtItsTime() {
        add(AD, CLICKS, 1, NOON);
        float[] out = read(NOON, AD);
        for (int w = 0; w < Counters.WINDOWS; w++) {
            assertEquals(1f, out[index(w, CLICKS)], Counters.WINDOW_NAMES.get(w));
            assertEquals(0f, out[index(w, IMPRESSIONS)], Counters.WINDOW_NAMES.get(w));
        }
    }

    @Test
    void read_decaysEachWindowByItsOwnLength() {
        add(AD, IMPRESSIONS, 10, NOON);
        float[] out = read(NOON + 5 * 60_000, AD);
        assertEquals(10 * Math.exp(-1), out[index(WINDOW_5M, IMPRESSIONS)], 1e-5);
        assertEquals(10 * Math.exp(-1.0 / 12), out[index(WINDOW_1H, IMPRESSIONS)], 1e-5);
        assertEquals(10 * Math.exp(-1.0 / 288), out[index(WINDOW_1D, IMPRESSIONS)], 1e-5);
        assertEquals(10f, out[index(TODAY, IMPRESSIONS)], "today counts exactly, undecayed");
    }

    @Test
    void add_decaysWhatWasThereBeforeAdding() {
        add(AD, SPEND, 2, NOON);
        add(AD, SPEND, 3, NOON + 60 * 60_000);
        float[] out = read(NOON + 60 * 60_000, AD);
        assertEquals(2 * Math.exp(-1) + 3, out[index(WINDOW_1H, SPEND)], 1e-5);
        assertEquals(5f, out[index(TODAY, SPEND)]);
    }

    @Test
    void add_lateEventCountsDecayedAsOfItsTime() {
        add(AD, IMPRESSIONS, 1, NOON);
        add(AD, IMPRESSIONS, 1, NOON - 5 * 60_000);
        float[] out = read(NOON, AD);
        assertEquals(1 + Math.exp(-1), out[index(WINDOW_5M, IMPRESSIONS)], 1e-6);
        assertEquals(2f, out[index(TODAY, IMPRESSIONS)]);
    }

    @Test
    void read_beforeLastUpdateDoesNotAmplify() {
        add(AD, IMPRESSIONS, 4, NOON);
        assertArrayEquals(read(NOON, AD), read(NOON - 60 * 60_000, AD));
    }

    @Test
    void today_startsAgainAtMidnightUtc() {
        long beforeMidnight = NOON + 12 * 60 * 60_000 - 60_000;
        add(AD, IMPRESSIONS, 3, beforeMidnight);
        assertEquals(0f, read(beforeMidnight + 2 * 60_000, AD)[index(TODAY, IMPRESSIONS)]);
        assertEquals(
                3 * Math.exp(-2.0 / 1440), read(beforeMidnight + 2 * 60_000, AD)[index(WINDOW_1D, IMPRESSIONS)], 1e-5);
        add(AD, IMPRESSIONS, 1, beforeMidnight + 2 * 60_000);
        assertEquals(1f, read(beforeMidnight + 2 * 60_000, AD)[index(TODAY, IMPRESSIONS)]);
        add(AD, IMPRESSIONS, 5, beforeMidnight);
        assertEquals(1f, read(beforeMidnight + 2 * 60_000, AD)[index(TODAY, IMPRESSIONS)], "yesterday's late event");
    }

    @Test
    void read_answersEachKeyAtItsPlace() {
        CounterUpdates u = new CounterUpdates();
        u.add(CAMPAIGN, CLICKS, 2, NOON);
        u.add(AD, IMPRESSIONS, 1, NOON);
        u.add(CAMPAIGN, CLICKS, 3, NOON);
        store.add(u);
        float[] out = read(NOON, AD, 42L, CAMPAIGN);
        assertEquals(1f, out[index(TODAY, IMPRESSIONS)]);
        assertEquals(0f, out[VALUES + index(TODAY, IMPRESSIONS)]);
        assertEquals(5f, out[2 * VALUES + index(TODAY, CLICKS)]);
        assertEquals(0f, out[2 * VALUES + index(TODAY, IMPRESSIONS)]);
    }

    @Test
    void add_largeBatchCountsEveryUpdate() {
        CounterUpdates u = new CounterUpdates();
        for (int i = 0; i < 2_000; i++) {
            u.add(CounterKeys.of(CounterKeys.USER_AD, i % 700), IMPRESSIONS, 1, NOON);
        }
        store.add(u);
        long[] keys = new long[700];
        for (int i = 0; i < keys.length; i++) {
            keys[i] = CounterKeys.of(CounterKeys.USER_AD, i);
        }
        float[] out = read(NOON, keys);
        float total = 0;
        for (int i = 0; i < keys.length; i++) {
            total += out[i * VALUES + index(TODAY, IMPRESSIONS)];
        }
        assertEquals(2_000f, total);
    }

    @Test
    void add_refusesKeyZeroBeforeApplyingAnything() {
        CounterUpdates u = new CounterUpdates();
        u.add(AD, IMPRESSIONS, 1, NOON);
        u.add(0, IMPRESSIONS, 1, NOON);
        assertThrows(IllegalArgumentException.class, () -> store.add(u));
        assertEquals(0f, read(NOON, AD)[index(TODAY, IMPRESSIONS)]);
    }
}
