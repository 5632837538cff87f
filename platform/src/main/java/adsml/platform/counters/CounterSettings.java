package adsml.platform.counters;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;
import java.time.Duration;

/**
 * Where the counters live and how that store is bounded: {@code maxKeys} for the embedded store; the URI, the timeout
 * of each call, the prefix of every key and the keys' time to live for Redis.
 */
public record CounterSettings(
        Kind store, int maxKeys, String redisUri, Duration redisTimeout, String redisKeyPrefix, Duration redisTtl) {

    /** The store's kind, as {@code store} names it. */
    public enum Kind {
        EMBEDDED,
        REDIS
    }

    public CounterSettings {
        if (maxKeys < EmbeddedCounterStore.WAYS) {
            throw new IllegalArgumentException("maxKeys must be >= " + EmbeddedCounterStore.WAYS + ", was " + maxKeys);
        }
        if (redisTimeout.isNegative() || redisTimeout.isZero()) {
            throw new IllegalArgumentException("redisTimeout must be positive, was " + redisTimeout);
        }
    }

    /** Reads {@code adsml.platform.counters}. */
    public static CounterSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.platform.counters");
        Kind store = r.parsed("store", CounterSettings::kind);
        int maxKeys = r.intIn("max-keys", EmbeddedCounterStore.WAYS, 100_000_000);
        String uri = r.nonEmptyString("redis-uri");
        r.require(
                uri.startsWith("redis://") || uri.startsWith("rediss://") || uri.startsWith("redis-socket://"),
                "redis-uri",
                "must start with redis://, rediss:// or redis-socket://, was " + uri);
        Duration timeout = r.durationIn("redis-timeout", Duration.ofMillis(1), Duration.ofMinutes(1));
        String prefix = r.nonEmptyString("redis-key-prefix");
        Duration ttl = r.durationIn("redis-ttl", Duration.ofHours(1), Duration.ofDays(365));
        return new CounterSettings(store, maxKeys, uri, timeout, prefix, ttl);
    }

    private static Kind kind(String name) {
        return switch (name) {
            case "embedded" -> Kind.EMBEDDED;
            case "redis" -> Kind.REDIS;
            default -> throw new IllegalArgumentException("must be embedded or redis, was " + name);
        };
    }
}
