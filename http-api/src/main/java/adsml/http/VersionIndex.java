package adsml.http;

import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.BiConsumer;
import java.util.function.IntFunction;

/**
 * Per-version state, found by {@code name/version} and by the index a {@link ShownAds} entry names (1 up, at most
 * {@link ShownAds#MAX_VERSION}). Reads take no lock; a version's first sight registers it under one.
 */
final class VersionIndex<V> {
    private final IntFunction<V> create;
    private final Map<String, V> byId = new ConcurrentHashMap<>();
    /** Replaced whole, rarely: once per new version. Index 0 is never a version. */
    private volatile Object[] byIndex = new Object[1];

    /** @param create makes a version's state from its index */
    VersionIndex(IntFunction<V> create) {
        this.create = create;
    }

    /** {@code id}'s state, registered at its first sight; null once {@link ShownAds#MAX_VERSION} are. */
    V of(String id) {
        V v = byId.get(id);
        return v != null ? v : register(id);
    }

    /**
     * The state of the version a {@link ShownAds} entry names. Registration publishes a version here before its id, and
     * an entry is written only after its version's id was looked up, so every index an entry names is here.
     */
    @SuppressWarnings("unchecked")
    V at(int index) {
        return (V) byIndex[index];
    }

    /** Whether any version has been registered. */
    boolean any() {
        return byIndex.length > 1;
    }

    void forEach(BiConsumer<String, V> action) {
        byId.forEach(action);
    }

    private synchronized V register(String id) {
        V v = byId.get(id);
        if (v != null || byIndex.length > ShownAds.MAX_VERSION) {
            return v;
        }
        Object[] grown = Arrays.copyOf(byIndex, byIndex.length + 1);
        v = create.apply(byIndex.length);
        grown[byIndex.length] = v;
        byIndex = grown;
        byId.put(id, v);
        return v;
    }
}
