package adsml.platform.counters;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class CounterSettingsTest {
    private static Config config(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference());
    }

    @Test
    void defaults_areAnEmbeddedStoreOfAMillionKeys() {
        CounterSettings s = CounterSettings.from(config(""));
        assertEquals(CounterSettings.Kind.EMBEDDED, s.store());
        assertEquals(1_000_000, s.maxKeys());
        assertEquals("redis://127.0.0.1:6379", s.redisUri());
        assertEquals(Duration.ofMillis(50), s.redisTimeout());
        assertEquals("adsml:c:", s.redisKeyPrefix());
        try (CounterStore store = CounterStores.open(s)) {
            assertInstanceOf(EmbeddedCounterStore.class, store);
            assertFalse(store.durable());
            assertEquals(1_000_000, store.stats().maxKeys());
        }
    }

    @Test
    void redis_opensARedisStoreEvenBeforeRedisAnswers() {
        // Port 1 on loopback refuses at once: the store is made, and its calls fail until a Redis answers.
        CounterSettings s = CounterSettings.from(
                config("adsml.platform.counters { store = Redis, redis-uri = \"redis://127.0.0.1:1\" }"));
        try (CounterStore store = CounterStores.open(s)) {
            assertInstanceOf(RedisCounterStore.class, store);
            assertTrue(store.durable());
            assertThrows(
                    CounterStoreException.class,
                    () -> store.read(new long[] {1L << 60}, 1, 0, new float[Counters.VALUES]));
        }
    }

    @Test
    void badValues_failNamingTheKey() {
        assertNamesKey("store = memcached", "adsml.platform.counters.store", "embedded or redis");
        assertNamesKey("max-keys = 0", "adsml.platform.counters.max-keys", "was 0");
        assertNamesKey("redis-uri = \"localhost:6379\"", "adsml.platform.counters.redis-uri", "redis://");
        assertNamesKey("redis-timeout = 0ms", "adsml.platform.counters.redis-timeout", "between");
        assertNamesKey("redis-key-prefix = \"\"", "adsml.platform.counters.redis-key-prefix", "empty");
    }

    private static void assertNamesKey(String setting, String key, String problem) {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> CounterSettings.from(config("adsml.platform.counters { " + setting + " }")));
        assertTrue(e.getMessage().contains(key) && e.getMessage().contains(problem), e.getMessage());
    }
}
