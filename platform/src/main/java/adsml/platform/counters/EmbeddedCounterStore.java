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
 * The counters in this process's heap, in a fixed table of {@code maxKeys} slots allocated up front: 80 bytes per key
 * (the key, its last update time and its 16 floats) plus half a byte of lock, and no other slack, so {@code max-keys =
 * 1,000,000} holds 81 MB whatever the traffic.
 *
 * <p>The table is set-associative: a key may live in one of 8 slots of each of two buckets chosen by its hash; a new
 * key goes to the emptier bucket. When both are full the new key replaces the coldest of their 16 keys, the one with
 * the fewest events (impressions, clicks and conversions) over the last day as of the update, so hot ads, campaigns and
 * users stay while one-off user pairs come and go; {@link Stats#evictions} counts them. Two choices fill the table to
 * about 95% before the first eviction.
 *
 * <p>One thread writes ({@link #add} calls are serialised) while any number read. Each bucket has a sequence number,
 * odd while the writer changes one of its keys: a reader copies a key's values and checks that the number did not move,
 * and copies again if it did, so it never sees a key half updated and never waits on a lock. Values are stored as of
 * their key's last update and decayed by the reader ({@link CounterMath}).
 *
 * <p>A snapshot ({@link #writeSnapshot}, {@link #readSnapshot}) carries every key's state with a format version and a
 * CRC-32, so that the server can restart from it and replay only the events after it.
 */
public final class EmbeddedCounterStore implements CounterStore {
    /** Slots per bucket: a bucket's keys fill one or two cache lines. */
    static final int WAYS = 8;

    static final int SNAPSHOT_MAGIC = 0x41445343; // "ADSC"
    static final int SNAPSHOT_VERSION = 1;
    private static final int ENTRY_BYTES = 8 + 8 + VALUES * 4;
    private static final int CHUNK_ENTRIES = 1024;

    /** What {@link #copy} answers for a key not in the bucket. */
    private static final long ABSENT = Long.MIN_VALUE;

    private static final VarHandle SEQ = MethodHandles.arrayElementVarHandle(int[].class);

    private final int buckets;
    /** Key per slot; 0 marks a slot never used ({@link CounterKeys} never makes 0). */
    private final long[] keys;

    private final long[] lastMs;
    private final float[] values;
    private final int[] seqs;
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
        int slots = buckets * WAYS;
        keys = new long[slots];
        lastMs = new long[slots];
        values = new float[slots * VALUES];
        seqs = new int[buckets];
    }

    /** @throws IllegalArgumentException for a key 0, before any update of the batch is applied */
    @Override
    public void add(CounterUpdates updates) {
        for (int i = 0; i < updates.size(); i++) {
            if (updates.key(i) == 0) {
                throw new IllegalArgumentException("update " + i + " has key 0, which no CounterKeys key is");
            }
        }
        writer.lock();
        try {
            for (int i = 0; i < updates.size(); i++) {
                apply(updates.key(i), updates.measure(i), updates.amount(i), updates.timeMs(i));
            }
        } finally {
            writer.unlock();
        }
    }

    @Override
    public void read(long[] keys, int n, long nowMs, float[] out) {
        if (n > keys.length || (long) n * VALUES > out.length) {
            throw new IllegalArgumentException(
                    "n = " + n + " keys need out.length >= " + (long) n * VALUES + ", was " + out.length);
        }
        double[] f = new double[3];
        for (int i = 0; i < n; i++) {
            int off = i * VALUES;
            long key = keys[i];
            long h = CounterKeys.mix(key);
            int b1 = bucket(h >>> 32);
            int b2 = bucket(h & 0xFFFF_FFFFL);
            long last = key == 0 ? ABSENT : copy(b1, key, out, off);
            if (last == ABSENT && b2 != b1 && key != 0) {
                last = copy(b2, key, out, off);
            }
            if (last == ABSENT) {
                CounterMath.zero(out, off);
            } else {
                CounterMath.decayForRead(out, off, last, nowMs, f);
            }
        }
    }

    @Override
    public Stats stats() {
        int slots = keys.length;
        long bytes = (long) slots * (8 + 8 + VALUES * 4) + (long) buckets * 4;
        return new Stats(size, slots, (int) ((bytes + slots - 1) / slots), evictions);
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
            for (int slot = 0; slot < keys.length; slot++) {
                if (keys[slot] == 0) {
                    continue;
                }
                if (buf.remaining() < ENTRY_BYTES) {
                    flush(buf, crc, out);
                }
                buf.putLong(keys[slot]).putLong(lastMs[slot]);
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

    /** A bucket from 32 bits of hash, by multiply and shift: the table needs no power-of-two size. */
    private int bucket(long hash32) {
        return (int) ((hash32 * buckets) >>> 32);
    }

    /**
     * Copies {@code key}'s raw values from bucket {@code b} into {@code out} and returns its last update time, or
     * {@link #ABSENT}; retries while the writer changes the bucket.
     */
    private long copy(int b, long key, float[] out, int off) {
        int base = b * WAYS;
        while (true) {
            int seq = (int) SEQ.getAcquire(seqs, b);
            if ((seq & 1) != 0) {
                Thread.onSpinWait();
                continue;
            }
            long last = ABSENT;
            for (int slot = base; slot < base + WAYS; slot++) {
                if (keys[slot] == key) {
                    System.arraycopy(values, slot * VALUES, out, off, VALUES);
                    last = lastMs[slot];
                    break;
                }
            }
            // The copies above must be done before the sequence number is read again.
            VarHandle.acquireFence();
            if ((int) SEQ.getAcquire(seqs, b) == seq) {
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
        int seq = begin(b);
        lastMs[slot] = CounterMath.add(values, slot * VALUES, lastMs[slot], measure, amount, timeMs, factors);
        end(b, seq);
    }

    /** Restores one key's state from a snapshot. */
    private void put(long key, long last, float[] state) {
        int slot = slotOf(key);
        if (slot < 0) {
            slot = claim(key, last);
        }
        int b = slot / WAYS;
        int seq = begin(b);
        System.arraycopy(state, 0, values, slot * VALUES, VALUES);
        lastMs[slot] = last;
        end(b, seq);
    }

    private int slotOf(long key) {
        long h = CounterKeys.mix(key);
        int slot = find(bucket(h >>> 32), key);
        return slot >= 0 ? slot : find(bucket(h & 0xFFFF_FFFFL), key);
    }

    private int find(int b, long key) {
        for (int slot = b * WAYS; slot < (b + 1) * WAYS; slot++) {
            if (keys[slot] == key) {
                return slot;
            }
        }
        return -1;
    }

    /** Gives {@code key} a zeroed slot as of {@code timeMs}: a free one of its emptier bucket, or the coldest key's. */
    private int claim(long key, long timeMs) {
        long h = CounterKeys.mix(key);
        int b1 = bucket(h >>> 32);
        int b2 = bucket(h & 0xFFFF_FFFFL);
        int free1 = free(b1);
        int free2 = free(b2);
        int slot;
        if (free1 == 0 && free2 == 0) {
            slot = coldest(b1, b2, timeMs);
            evictions++;
        } else {
            slot = firstFree(free1 >= free2 ? b1 : b2);
            size++;
        }
        int b = slot / WAYS;
        int seq = begin(b);
        keys[slot] = key;
        lastMs[slot] = timeMs;
        Arrays.fill(values, slot * VALUES, (slot + 1) * VALUES, 0f);
        end(b, seq);
        return slot;
    }

    private int free(int b) {
        int n = 0;
        for (int slot = b * WAYS; slot < (b + 1) * WAYS; slot++) {
            if (keys[slot] == 0) {
                n++;
            }
        }
        return n;
    }

    private int firstFree(int b) {
        return find(b, 0);
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
        long elapsed = timeMs - lastMs[slot];
        if (elapsed > 0) {
            CounterMath.factors(elapsed, factors);
            events *= factors[WINDOW_1D];
        }
        return events;
    }

    private int begin(int b) {
        int seq = seqs[b];
        SEQ.setOpaque(seqs, b, seq + 1);
        // Readers that see any of the changes below must also see the odd number.
        VarHandle.storeStoreFence();
        return seq + 1;
    }

    private void end(int b, int seq) {
        SEQ.setRelease(seqs, b, seq + 1);
    }
}
