package adsml.platform.counters;

import static adsml.platform.counters.Counters.IMPRESSIONS;
import static adsml.platform.counters.Counters.TODAY;
import static adsml.platform.counters.Counters.index;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.testing.RedisServer;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

/** The contract against a real Redis of the test's own, then what only a remote store must do. */
class RedisCounterStoreTest extends CounterStoreContract {
    /** Generous for the behaviour tests, on a shared machine whose Redis may be slow to answer a large add. */
    static final Duration TIMEOUT = Duration.ofSeconds(2);
    /** What the failure tests hold the store to. */
    static final Duration FAIL_FAST = Duration.ofMillis(250);

    static final Duration TTL = Duration.ofDays(2);
    static final AtomicInteger deployments = new AtomicInteger();

    static RedisServer redis;

    @AfterAll
    static void stopRedis() throws Exception {
        if (redis != null) {
            redis.close();
        }
    }

    /**
     * Each test its own prefix: a deployment of its own on the shared Redis, started by the first test; each test, not
     * only the class, reports the skip when there is no redis-server.
     */
    @Override
    CounterStore open() throws Exception {
        if (redis == null) {
            redis = RedisServer.start();
        }
        return new RedisCounterStore(redis.uri(), TIMEOUT, "test" + deployments.incrementAndGet() + ":", TTL);
    }

    @Test
    void read_equalsTheEmbeddedStoreForTheSameUpdates() {
        CounterUpdates events = EmbeddedCounterStoreTest.events(5, NOON, 5_000);
        long last = events.timeMs(events.size() - 1);
        try (EmbeddedCounterStore embedded = new EmbeddedCounterStore(100_000)) {
            embedded.add(events);
            store.add(events);
            for (long now : new long[] {last, last + 3 * 60_000, last + 5 * 60 * 60_000, last - 60_000}) {
                EmbeddedCounterStoreTest.assertClose(
                        EmbeddedCounterStoreTest.readAll(embedded, now), EmbeddedCounterStoreTest.readAll(store, now));
            }
        }
    }

    @Test
    void read_isOneCallForAllKeysAndAddPipelinesItsBatch() {
        RedisClient client = RedisClient.create(redis.uri());
        try (StatefulRedisConnection<String, String> admin = client.connect()) {
            long[] keys = new long[7_000];
            CounterUpdates u = new CounterUpdates();
            for (int i = 0; i < keys.length; i++) {
                keys[i] = CounterKeys.of(CounterKeys.USER_CATEGORY, i);
                u.add(keys[i], IMPRESSIONS, 1, NOON);
            }
            admin.sync().configResetstat();
            store.add(u);
            read(NOON, keys);
            String stats = admin.sync().info("commandstats");
            assertEquals(1, calls(stats, "mget"), stats);
            // The script's own GETs and SETs count too, so only the calls from the client are checked.
            assertEquals(28, calls(stats, "evalsha") + calls(stats, "eval"), "7,000 updates, 256 per call: " + stats);
        } finally {
            client.shutdown();
        }
    }

    private static long calls(String commandStats, String command) {
        for (String line : commandStats.split("\r?\n")) {
            if (line.startsWith("cmdstat_" + command + ":calls=")) {
                String calls = line.substring(line.indexOf('=') + 1);
                return Long.parseLong(calls.substring(0, calls.indexOf(',')));
            }
        }
        return 0;
    }

    @Test
    void keyPrefix_keepsDeploymentsApart() throws Exception {
        add(AD, IMPRESSIONS, 1, NOON);
        try (CounterStore other = open()) {
            float[] out = new float[Counters.VALUES];
            other.read(new long[] {AD}, 1, NOON, out);
            assertEquals(0f, out[index(TODAY, IMPRESSIONS)]);
        }
    }

    @Test
    void add_keysExpireAfterTheirTimeToLive() throws InterruptedException {
        try (CounterStore shortLived = new RedisCounterStore(redis.uri(), TIMEOUT, "ttl:", Duration.ofMillis(300))) {
            CounterUpdates u = new CounterUpdates();
            u.add(AD, IMPRESSIONS, 1, NOON);
            shortLived.add(u);
            float[] out = new float[Counters.VALUES];
            shortLived.read(new long[] {AD}, 1, NOON, out);
            assertEquals(1f, out[index(TODAY, IMPRESSIONS)]);
            long deadline = System.nanoTime() + 5_000_000_000L;
            do {
                Thread.sleep(100);
                shortLived.read(new long[] {AD}, 1, NOON, out);
            } while (out[index(TODAY, IMPRESSIONS)] != 0f && System.nanoTime() < deadline);
            assertEquals(0f, out[index(TODAY, IMPRESSIONS)]);
        }
    }

    @Test
    void read_failsWithinTheTimeoutWhileRedisHangsThenAnswersAgain() throws Exception {
        try (CounterStore fast = failFast()) {
            add(fast, 2);
            redis.pause();
            try {
                assertFailsInTime(() -> today(fast));
                assertFailsInTime(() -> add(fast, 1));
            } finally {
                redis.resume();
            }
            float today = today(fast);
            assertTrue(today == 2f || today == 3f, "the add that timed out may have been applied: " + today);
        }
    }

    @Test
    void read_failsFastWhileRedisIsDownAndWorksOnceItIsBack() throws Exception {
        try (CounterStore fast = failFast()) {
            add(fast, 1);
            redis.stop();
            try {
                assertFailsInTime(() -> today(fast));
                assertFailsInTime(() -> add(fast, 1));
            } finally {
                redis.startAgain();
            }
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (true) {
                try {
                    add(fast, 5);
                    break;
                } catch (CounterStoreException e) {
                    if (System.nanoTime() > deadline) {
                        throw new AssertionError("the store did not reconnect within 10 s", e);
                    }
                    Thread.sleep(50);
                }
            }
            assertEquals(5f, today(fast), "Redis came back empty, and forgot the script: only the new add counts");
        }
    }

    @Test
    void open_withRedisDownConnectsOnceItIsUp() throws Exception {
        redis.stop();
        CounterStore late;
        try {
            late = failFast();
            assertFailsInTime(() -> today(late));
        } finally {
            redis.startAgain();
        }
        try (late) {
            add(late, 1);
            assertEquals(1f, today(late));
        }
    }

    private CounterStore failFast() {
        return new RedisCounterStore(redis.uri(), FAIL_FAST, "fast" + deployments.incrementAndGet() + ":", TTL);
    }

    private static void add(CounterStore store, float impressions) {
        CounterUpdates u = new CounterUpdates();
        u.add(AD, IMPRESSIONS, impressions, NOON);
        store.add(u);
    }

    private static float today(CounterStore store) {
        float[] out = new float[Counters.VALUES];
        store.read(new long[] {AD}, 1, NOON, out);
        return out[index(TODAY, IMPRESSIONS)];
    }

    private static void assertFailsInTime(Runnable call) {
        long start = System.nanoTime();
        assertThrows(CounterStoreException.class, call::run);
        long ms = (System.nanoTime() - start) / 1_000_000;
        assertTrue(ms < FAIL_FAST.toMillis() + 250, "failed after " + ms + " ms, the timeout is " + FAIL_FAST);
    }
}
