package adsml.http;

import java.util.concurrent.atomic.AtomicLongArray;

/**
 * Which model version served each recently shown ad, the pCTR it predicted for it and whether the ad had the page's
 * first slot: so that an event, which names its request and ad, is counted for the version that served them. A fixed
 * table of {@code capacity} longs (8 bytes each; nothing else is held), written by the coordinators and read by the
 * event path without locks or allocation.
 *
 * <p>A key (request and ad) hashes to a bucket of {@link #WAYS} entries, one cache line; a new entry goes in front and
 * the bucket's oldest falls out, so an entry lives for about {@code capacity} newer ones (fewer when its bucket is
 * unlucky), and an event that comes later is not attributed. Each entry is one long (the key's 32-bit fingerprint, the
 * first-slot bit, the version's index in 15 bits, the pCTR rounded to bfloat16, within 0.2%), written whole, so a
 * reader never sees half of one; two coordinators writing one bucket at the same instant may lose an entry, which then
 * counts as not attributed.
 */
final class ShownAds {
    /** Entries per bucket: 8 longs, one 64-byte cache line. */
    static final int WAYS = 8;
    /** What {@link #get} answers for a key that is not held. */
    static final long NONE = 0;
    /** Version indexes fit 15 bits; 0 is never one, so that no entry is {@link #NONE}. */
    static final int MAX_VERSION = 0x7FFF;

    private static final long TOP = 1L << 31;

    private final AtomicLongArray entries;
    private final int bucketMask;

    /** @param capacity entries held, a power of two of at least {@link #WAYS} */
    ShownAds(int capacity) {
        if (capacity < WAYS || Integer.bitCount(capacity) != 1) {
            throw new IllegalArgumentException(
                    "capacity must be a power of two of at least " + WAYS + ", was " + capacity);
        }
        entries = new AtomicLongArray(capacity);
        bucketMask = capacity / WAYS - 1;
    }

    /** The request's part of its ads' keys: computed once per request, without allocating. */
    static long requestHash(String requestId) {
        long h = 0xCBF29CE484222325L; // FNV-1a over the id's chars
        for (int i = 0; i < requestId.length(); i++) {
            h = (h ^ requestId.charAt(i)) * 0x100000001B3L;
        }
        return h;
    }

    /** The key of ad {@code adId} in the request of {@code requestHash}. */
    static long key(long requestHash, int adId) {
        // MurmurHash3's finalizer: every bit of the bucket and of the fingerprint depends on every bit of the input.
        long h = requestHash ^ (adId * 0x9E3779B97F4A7C15L);
        h = (h ^ (h >>> 33)) * 0xFF51AFD7ED558CCDL;
        h = (h ^ (h >>> 33)) * 0xC4CEB9FE1A85EC53L;
        return h ^ (h >>> 33);
    }

    /**
     * Holds {@code key}'s version (1 to {@link #MAX_VERSION}), pCTR and whether it was shown in the first slot, in
     * front of its bucket's entries.
     */
    void put(long key, int version, float pCtr, boolean top) {
        long entry = (key & 0xFFFF_FFFF_0000_0000L) | (top ? TOP : 0) | ((long) version << 16) | bfloat16(pCtr);
        int first = bucket(key);
        for (int w = WAYS - 1; w > 0; w--) {
            entries.setRelease(first + w, entries.getPlain(first + w - 1));
        }
        entries.setRelease(first, entry);
    }

    /** The entry held for {@code key}, the newest if several; {@link #NONE} when none is. */
    long get(long key) {
        long fingerprint = key & 0xFFFF_FFFF_0000_0000L;
        int first = bucket(key);
        for (int w = 0; w < WAYS; w++) {
            long entry = entries.getAcquire(first + w);
            if (entry != NONE && (entry & 0xFFFF_FFFF_0000_0000L) == fingerprint) {
                return entry;
            }
        }
        return NONE;
    }

    static int version(long entry) {
        return (int) (entry >>> 16) & MAX_VERSION;
    }

    /** Whether the entry's ad had the first slot. */
    static boolean top(long entry) {
        return (entry & TOP) != 0;
    }

    static float pCtr(long entry) {
        return Float.intBitsToFloat((int) (entry & 0xFFFF) << 16);
    }

    /** {@code p} as an entry holds it. */
    static float round(float p) {
        return Float.intBitsToFloat((int) bfloat16(p) << 16);
    }

    private int bucket(long key) {
        // The low bits pick the bucket, the high 32 are the fingerprint: two independent parts of the hash.
        return ((int) key & bucketMask) * WAYS;
    }

    /** The top 16 bits of {@code p}'s float, rounded to nearest even: 8 significant bits, within 0.2% of {@code p}. */
    private static long bfloat16(float p) {
        int bits = Float.floatToRawIntBits(p);
        return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) & 0xFFFF;
    }
}
