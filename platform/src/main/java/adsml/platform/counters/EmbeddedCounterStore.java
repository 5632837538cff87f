package adsml.platform.counters;

import static adsml.platform.counters.Counters.CLICKS;
import static adsml.platform.counters.Counters.CONVERSIONS;
import static adsml.platform.counters.Counters.IMPRESSIONS;
import static adsml.platform.counters.Counters.VALUES;
import static adsml.platform.counters.Counters.WINDOW_1D;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;
import java.util.zip.CRC32;

/**
 * The counters in this process's heap, in a fixed table of {@code maxKeys} slots allocated up front: 82 bytes per key
 * (the key, its last update time, its 16 floats, and its share of its bucket's 16-byte header) and no other slack, so
 * {@code max-keys = 1,000,000} holds 82 MB whatever the traffic.
 *
 * <p>The table is set-associative: a key may live in one of 8 slots of each of two buckets chosen by its hash; a new
 * key goes to the emptier bucket. When both are full the new key replaces the coldest of their 16 keys, the one with
 * the fewest events (impressions, clicks and conversions) over the last day as of the update, so hot ads, campaigns and
 * users stay while one-off user pairs come and go; {@link Stats#evictions} counts them. With two choices a table 90%
 * full has evicted fewer than 1% of the keys put in it.
 *
 * <p>Each bucket's header holds a one-byte tag of each of its keys' hashes and a sequence number. The headers (2 MB for
 * a million keys) mostly stay in the CPU's caches, so a lookup reads the table's other arrays only at slots whose tag
 * matches (another key's tag matches one time in 128): a key held costs two or three cache misses, one not held usually
 * none. A read looks up blocks of keys in passes, so that their misses overlap.
 *
 * <p>One thread writes ({@link #add} calls are serialised) while any number read. A bucket's sequence number is odd
 * while the writer changes one of its keys: a reader copies a key's values and checks that the number did not move, and
 * copies again if it did, so it never sees a key half updated and never waits on a lock. Values are stored as of their
 * key's last update and decayed by the reader ({@link CounterMath}).
 *
 * <p>A snapshot ({@link #writeSnapshot}, {@link #readSnapshot}) carries every key's state with a format version and a
 * CRC-32, so that the server can restart from it and replay only the events after it.
 */
public final class EmbeddedCounterStore implements CounterStore {
    /** Slots per bucket: one tag byte each in the header's first long. */
    static final int WAYS = 8;

    static final int SNAPSHOT_MAGIC = 0x41445343; // "ADSC"
    static final int SNAPSHOT_VERSION = 1;
    private static final int ENTRY_BYTES = 8 + 8 + VALUES * 4;
    private static final int CHUNK_ENTRIES = 1024;

    /** What {@link #copy} answers for a key not in the bucket. */
    private static final long ABSENT = Long.MIN_VALUE;

    /** Keys a read looks up at once. */
    private static final int BLOCK = 64;

    private static final int NOT_FOUND = -1, BUSY = -2;
    private static final long ONES = 0x0101_0101_0101_0101L, HIGHS = 0x8080_8080_8080_8080L;

    private static final VarHandle LONGS = MethodHandles.arrayElementVarHandle(long[].class);

    private final int buckets;
    private final int capacity;
    /**
     * Per bucket two longs: its slots' tags, a byte each (0 for a free slot, else 0x80 and 7 bits of the key's hash),
     * then its sequence number.
     */
    private final long[] headers;
    /** Per slot its key and then its last update time, side by side: finding a key brings its time into the cache. */
    private final long[] slots;

    private final float[] values;
    private final ReentrantLock writer = new ReentrantLock();
    /** Writer's scratch. */
    private final double[] factors = new double[3];

    private volatile long size;
    private volatile long evictions;

    /** @param maxKeys the keys it holds at most, rounded up to a multiple of 8; at least 8 */
    public EmbeddedCounterStore(int maxKeys) {
        if (maxKeys < WAYS || maxKeys > 100_000_000) {
            throw new IllegalArgumentException("maxKeys must be within [" + WAYS + ", 100000000], was " + maxKeys);
        }
        buckets = (maxKeys + WAYS - 1) / WAYS;
        capacity = buckets * WAYS;
        headers = new long[2 * buckets];
        slots = new long[2 * capacity];
        values = new float[capacity * VALUES];
    }

    @Override
    public void add(CounterUpdates updates) {
        CounterMath.requireKeys(updates);
        writer.lock();
        try {
            for (int i = 0; i < updates.size(); i++) {
                apply(updates.key(i), updates.measure(i), updates.amount(i), updates.timeMs(i));
            }
        } finally {
            writer.unlock();
        }
    }

    /**
     * Reads in blocks of {@link #BLOCK} keys, in passes: find every key's slot, copy every found key, check, then
     * decay. Each pass is a short loop whose cache misses do not depend on each other, so the CPU overlaps a block's
     * misses instead of waiting for each key in turn. A key whose bucket changed meanwhile is read again alone.
     */
    @Override
    public void read(long[] keys, int n, long nowMs, float[] out) {
        if (n > keys.length || (long) n * VALUES > out.length) {
            throw new IllegalArgumentException(
                    "n = " + n + " keys need out.length >= " + (long) n * VALUES + ", was " + out.length);
        }
        double[] f = new double[3];
        long nowMidnight = CounterMath.midnight(nowMs);
        int[] slotOf = new int[BLOCK];
        long[] seqOf = new long[BLOCK];
        long[] lastOf = new long[BLOCK];
        for (int from = 0; from < n; from += BLOCK) {
            int m = Math.min(BLOCK, n - from);
            for (int j = 0; j < m; j++) {
                slotOf[j] = locate(keys[from + j], seqOf, j);
            }
            for (int j = 0; j < m; j++) {
                int slot = slotOf[j];
                if (slot >= 0) {
                    System.arraycopy(values, slot * VALUES, out, (from + j) * VALUES, VALUES);
                    lastOf[j] = slots[2 * slot + 1];
                }
            }
            // The copies above must be done before the sequence numbers are read again.
            VarHandle.acquireFence();
            for (int j = 0; j < m; j++) {
                int slot = slotOf[j];
                if (slot == BUSY || (slot >= 0 && seq(slot / WAYS) != seqOf[j])) {
                    lastOf[j] = readAlone(keys[from + j], out, (from + j) * VALUES);
                    slotOf[j] = lastOf[j] == ABSENT ? NOT_FOUND : 0;
                }
            }
            for (int j = 0; j < m; j++) {
                int off = (from + j) * VALUES;
                if (slotOf[j] == NOT_FOUND) {
                    CounterMath.zero(out, off);
                } else {
                    CounterMath.decayForRead(out, off, lastOf[j], nowMs, nowMidnight, f);
                }
            }
        }
    }

    @Override
    public Stats stats() {
        long bytes = (long) capacity * (16 + VALUES * 4) + (long) buckets * 16;
        return new Stats(size, capacity, (int) ((bytes + capacity - 1) / capacity), evictions);
    }

    @Override
    public boolean durable() {
        return false;
    }

    @Override
    public void close() {}

    /**
     * Writes every key's state: magic, format version, key count, then per key its key, last update time and 16 floats,
     * then a CRC-32 of everything before it (all big-endian). Adds wait until it is written; reads do not.
     */
    public void writeSnapshot(OutputStream out) throws IOException {
        writer.lock();
        try {
            CRC32 crc = new CRC32();
            ByteBuffer buf = ByteBuffer.allocate(CHUNK_ENTRIES * ENTRY_BYTES);
            buf.putInt(SNAPSHOT_MAGIC).putInt(SNAPSHOT_VERSION).putLong(size);
            for (int slot = 0; slot < capacity; slot++) {
                if (slots[2 * slot] == 0) {
                    continue;
                }
                if (buf.remaining() < ENTRY_BYTES) {
                    flush(buf, crc, out);
                }
                buf.putLong(slots[2 * slot]).putLong(slots[2 * slot + 1]);
                for (int v = slot * VALUES; v < (slot + 1) * VALUES; v++) {
                    buf.putFloat(values[v]);
                }
            }
            flush(buf, crc, out);
            buf.putInt((int) crc.getValue());
            out.write(buf.array(), 0, buf.position());
            out.flush();
        } finally {
            writer.unlock();
        }
    }

    /**
     * Reads a snapshot from {@link #writeSnapshot} into a new store of {@code maxKeys} (which may differ from the
     * writer's: a smaller store evicts the coldest keys as it fills). Reads exactly the snapshot's bytes from
     * {@code in}, nothing after them.
     *
     * @throws InvalidSnapshotException naming the problem: not a snapshot, another format version, truncated, or its
     *     CRC-32 does not match its contents
     */
    public static EmbeddedCounterStore readSnapshot(InputStream in, int maxKeys) throws IOException {
        CRC32 crc = new CRC32();
        DataInputStream data = new DataInputStream(in);
        byte[] chunk = new byte[CHUNK_ENTRIES * ENTRY_BYTES];
        ByteBuffer buf = ByteBuffer.wrap(chunk);
        readFully(data, chunk, 16, crc, "the header");
        int magic = buf.getInt(0);
        if (magic != SNAPSHOT_MAGIC) {
            throw new InvalidSnapshotException("not a counter snapshot: it starts with 0x" + Integer.toHexString(magic)
                    + ", not 0x" + Integer.toHexString(SNAPSHOT_MAGIC));
        }
        int version = buf.getInt(4);
        if (version != SNAPSHOT_VERSION) {
            throw new InvalidSnapshotException(
                    "counter snapshot format version " + version + ", this build reads version " + SNAPSHOT_VERSION);
        }
        long count = buf.getLong(8);
        if (count < 0) {
            throw new InvalidSnapshotException("corrupt counter snapshot: it claims " + count + " keys");
        }
        EmbeddedCounterStore store = new EmbeddedCounterStore(maxKeys);
        float[] state = new float[VALUES];
        for (long done = 0; done < count; ) {
            int n = (int) Math.min(CHUNK_ENTRIES, count - done);
            readFully(data, chunk, n * ENTRY_BYTES, crc, "key " + done + " of " + count);
            buf.clear();
            for (int e = 0; e < n; e++) {
                long key = buf.getLong();
                long last = buf.getLong();
                for (int v = 0; v < VALUES; v++) {
                    state[v] = buf.getFloat();
                }
                if (key == 0) {
                    throw new InvalidSnapshotException("corrupt counter snapshot: key " + (done + e) + " is 0");
                }
                store.put(key, last, state);
            }
            done += n;
        }
        long expected = crc.getValue();
        int stored;
        try {
            stored = data.readInt();
        } catch (EOFException e) {
            throw new InvalidSnapshotException("counter snapshot truncated: its CRC-32 is missing");
        }
        if (stored != (int) expected) {
            throw new InvalidSnapshotException("corrupt counter snapshot: its CRC-32 does not match its contents");
        }
        return store;
    }

    private static void readFully(DataInputStream in, byte[] into, int n, CRC32 crc, String what) throws IOException {
        try {
            in.readFully(into, 0, n);
        } catch (EOFException e) {
            throw new InvalidSnapshotException("counter snapshot truncated in " + what);
        }
        crc.update(into, 0, n);
    }

    private static void flush(ByteBuffer buf, CRC32 crc, OutputStream out) throws IOException {
        crc.update(buf.array(), 0, buf.position());
        out.write(buf.array(), 0, buf.position());
        buf.clear();
    }

    /** A key's first bucket, from the high half of its hash by multiply and shift: no power-of-two size needed. */
    private static int bucket1(long hash, int buckets) {
        return (int) (((hash >>> 32) * buckets) >>> 32);
    }

    /** A key's second bucket, from the low half of its hash. */
    private static int bucket2(long hash, int buckets) {
        return (int) (((hash & 0xFFFF_FFFFL) * buckets) >>> 32);
    }

    /** A key's tag: 0x80 and 7 bits of a second mix of its hash, so that it does not follow the bucket's bits. */
    private static long tag(long hash) {
        return 0x80 | ((hash * 0x9E37_79B9_7F4A_7C15L) >>> 57);
    }

    /** Bit 7 of each byte of {@code tags} that may equal {@code tag}; a false match is possible, a miss is not. */
    private static long matches(long tags, long tag) {
        long x = tags ^ (tag * ONES);
        return (x - ONES) & ~x & HIGHS;
    }

    private long seq(int b) {
        return (long) LONGS.getAcquire(headers, 2 * b + 1);
    }

    /**
     * The slot of {@code key}, and in {@code seqOf[j]} its bucket's sequence number from before it was found; or
     * {@link #NOT_FOUND}; or {@link #BUSY} when the writer was changing a bucket searched.
     */
    private int locate(long key, long[] seqOf, int j) {
        if (key == 0) {
            return NOT_FOUND;
        }
        long h = CounterKeys.mix(key);
        long tag = tag(h);
        int b = bucket1(h, buckets);
        long seq = seq(b);
        int slot = search(b, key, tag);
        if (slot < 0) {
            int b2 = bucket2(h, buckets);
            if (b2 != b) {
                if ((seq & 1) != 0) {
                    return BUSY;
                }
                seq = seq(b2);
                slot = search(b2, key, tag);
            }
        }
        seqOf[j] = seq;
        return (seq & 1) != 0 ? BUSY : slot;
    }

    /** The slot of bucket {@code b} that holds {@code key}, or {@link #NOT_FOUND}. */
    private int search(int b, long key, long tag) {
        for (long m = matches(headers[2 * b], tag); m != 0; m &= m - 1) {
            int slot = b * WAYS + (Long.numberOfTrailingZeros(m) >>> 3);
            if (slots[2 * slot] == key) {
                return slot;
            }
        }
        return NOT_FOUND;
    }

    /** One key's raw values into {@code out} and its last update time, or {@link #ABSENT}. */
    private long readAlone(long key, float[] out, int off) {
        long h = CounterKeys.mix(key);
        long tag = tag(h);
        int b1 = bucket1(h, buckets);
        int b2 = bucket2(h, buckets);
        long last = copy(b1, key, tag, out, off);
        return last == ABSENT && b2 != b1 ? copy(b2, key, tag, out, off) : last;
    }

    /**
     * Copies {@code key}'s raw values from bucket {@code b} into {@code out} and returns its last update time, or
     * {@link #ABSENT}; retries while the writer changes the bucket.
     */
    private long copy(int b, long key, long tag, float[] out, int off) {
        while (true) {
            long seq = seq(b);
            if ((seq & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            long last = ABSENT;
            int slot = search(b, key, tag);
            if (slot >= 0) {
                System.arraycopy(values, slot * VALUES, out, off, VALUES);
                last = slots[2 * slot + 1];
            }
            // The copies above must be done before the sequence number is read again.
            VarHandle.acquireFence();
            if (seq(b) == seq) {
                return last;
            }
        }
    }

    private void apply(long key, int measure, float amount, long timeMs) {
        int slot = slotOf(key);
        if (slot < 0) {
            slot = claim(key, timeMs);
        }
        int b = slot / WAYS;
        long seq = begin(b);
        slots[2 * slot + 1] =
                CounterMath.add(values, slot * VALUES, slots[2 * slot + 1], measure, amount, timeMs, factors);
        end(b, seq);
    }

    /** Restores one key's state from a snapshot. */
    private void put(long key, long last, float[] state) {
        int slot = slotOf(key);
        if (slot < 0) {
            slot = claim(key, last);
        }
        int b = slot / WAYS;
        long seq = begin(b);
        System.arraycopy(state, 0, values, slot * VALUES, VALUES);
        slots[2 * slot + 1] = last;
        end(b, seq);
    }

    private int slotOf(long key) {
        long h = CounterKeys.mix(key);
        long tag = tag(h);
        int slot = search(bucket1(h, buckets), key, tag);
        return slot >= 0 ? slot : search(bucket2(h, buckets), key, tag);
    }

    /** Gives {@code key} a zeroed slot as of {@code timeMs}: a free one of its emptier bucket, or the coldest key's. */
    private int claim(long key, long timeMs) {
        long h = CounterKeys.mix(key);
        int b1 = bucket1(h, buckets);
        int b2 = bucket2(h, buckets);
        long free1 = matches(headers[2 * b1], 0);
        long free2 = matches(headers[2 * b2], 0);
        int slot;
        if (free1 == 0 && free2 == 0) {
            slot = coldest(b1, b2, timeMs);
            evictions++;
        } else {
            boolean first = Long.bitCount(free1) >= Long.bitCount(free2);
            slot = (first ? b1 : b2) * WAYS + (Long.numberOfTrailingZeros(first ? free1 : free2) >>> 3);
            size++;
        }
        int b = slot / WAYS;
        int shift = 8 * (slot % WAYS);
        long seq = begin(b);
        headers[2 * b] = (headers[2 * b] & ~(0xFFL << shift)) | (tag(h) << shift);
        slots[2 * slot] = key;
        slots[2 * slot + 1] = timeMs;
        Arrays.fill(values, slot * VALUES, (slot + 1) * VALUES, 0f);
        end(b, seq);
        return slot;
    }

    private int coldest(int b1, int b2, long timeMs) {
        int coldest = -1;
        double least = Double.POSITIVE_INFINITY;
        for (int k = 0; k < 2; k++) {
            int b = k == 0 ? b1 : b2;
            for (int slot = b * WAYS; slot < (b + 1) * WAYS; slot++) {
                double events = dayEvents(slot, timeMs);
                if (events < least) {
                    least = events;
                    coldest = slot;
                }
            }
        }
        return coldest;
    }

    private double dayEvents(int slot, long timeMs) {
        int off = slot * VALUES + Counters.index(WINDOW_1D, 0);
        double events = (double) values[off + IMPRESSIONS] + values[off + CLICKS] + values[off + CONVERSIONS];
        long elapsed = timeMs - slots[2 * slot + 1];
        if (elapsed > 0) {
            CounterMath.factors(elapsed, factors);
            events *= factors[WINDOW_1D];
        }
        return events;
    }

    private long begin(int b) {
        long seq = headers[2 * b + 1];
        LONGS.setOpaque(headers, 2 * b + 1, seq + 1);
        // Readers that see any of the changes below must also see the odd number.
        VarHandle.storeStoreFence();
        return seq + 1;
    }

    private void end(int b, long seq) {
        LONGS.setRelease(headers, 2 * b + 1, seq + 1);
    }
}
