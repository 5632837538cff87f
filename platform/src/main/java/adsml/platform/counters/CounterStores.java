package adsml.platform.counters;

/** Opens the counter store that the settings name. */
public final class CounterStores {
    private CounterStores() {}

    /**
     * An empty embedded store, or a client of the configured Redis (which may hold counters already). A Redis that does
     * not answer yet is not an error here: its store connects when it can, and throws {@link CounterStoreException}
     * until then.
     */
    public static CounterStore open(CounterSettings settings) {
        return switch (settings.store()) {
            case EMBEDDED -> new EmbeddedCounterStore(settings.maxKeys());
            case REDIS ->
                new RedisCounterStore(
                        settings.redisUri(), settings.redisTimeout(), settings.redisKeyPrefix(), settings.redisTtl());
        };
    }
}
