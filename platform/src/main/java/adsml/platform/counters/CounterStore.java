package adsml.platform.counters;

/**
 * Where the real-time counters live: embedded in the process, or in Redis for several servers sharing one state. Each
 * key holds {@link Counters#VALUES} floats, one per window and measure ({@link Counters#index}).
 *
 * <p>Writes come from the event log's thread once events are durable; reads come from the feature assemblers, one call
 * per rank request for all of its keys, so that a remote store costs one round trip per request, never one per
 * candidate.
 */
public interface CounterStore extends AutoCloseable {

    /**
     * Adds {@code updates} (each a key, a measure, an amount and the event log's time of the event). Visible to every
     * {@link #read} that starts after this returns.
     *
     * @throws IllegalArgumentException for a key 0 (which {@link CounterKeys} never makes), before applying any update
     * @throws CounterStoreException when the store cannot take them; some of them may have been applied
     */
    void add(CounterUpdates updates);

    /**
     * Writes the counters of {@code keys[0, n)} as of {@code nowMs} into {@code out[i * VALUES, (i + 1) * VALUES)}; a
     * key never counted, or evicted, reads zeros. Never throws for a key; a store that cannot answer throws
     * {@link CounterStoreException} and the caller serves zeros.
     */
    void read(long[] keys, int n, long nowMs, float[] out);

    /** What the store holds, for the admin UI and the stated footprint. */
    Stats stats();

    /**
     * Whether the counters outlive this process on their own (Redis): then the server neither snapshots them nor
     * replays the event log into them at start.
     */
    boolean durable();

    @Override
    void close();

    /**
     * Keys held, the most it holds before evicting, the bytes each key costs the store (its data and its share of the
     * table), and the keys evicted so far. A store that cannot tell (Redis, shared and bounded by time to live) answers
     * -1 for keys and maxKeys.
     */
    record Stats(long keys, long maxKeys, int bytesPerKey, long evictions) {}
}
