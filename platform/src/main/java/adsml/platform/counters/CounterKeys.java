package adsml.platform.counters;

import java.nio.charset.StandardCharsets;

/**
 * The 64-bit keys counters are kept under: the kind of entity in the top 4 bits, a mix of its ids in the rest. Every
 * store and every reader computes keys here, so an event and the request that reads its counters agree on them.
 * Distinct entities may collide on a key with probability about {@code keys / 2^60}: negligible.
 */
public final class CounterKeys {
    public static final int AD = 1,
            CAMPAIGN = 2,
            ADVERTISER = 3,
            CATEGORY = 4,
            CREATIVE = 5,
            USER_CATEGORY = 6,
            USER_ADVERTISER = 7,
            USER_AD = 8,
            USER_CAMPAIGN = 9;

    private static final long ID_BITS = (1L << 60) - 1;

    private CounterKeys() {}

    public static long of(int kind, long id) {
        if (kind < 1 || kind > 15) {
            throw new IllegalArgumentException("kind must be within [1, 15], was " + kind);
        }
        return ((long) kind << 60) | (mix(id + kind) & ID_BITS);
    }

    /** A pair's key, for the user x something kinds: {@code userHash} from {@link #user}. */
    public static long of(int kind, long userHash, long id) {
        return of(kind, userHash * 0x9e3779b97f4a7c15L + id);
    }

    /** The kind of entity a key counts. */
    public static int kind(long key) {
        return (int) (key >>> 60);
    }

    /** A user's id as a 64-bit hash (FNV-1a of its UTF-8 bytes, then mixed): requests and events name users by text. */
    public static long user(String userKey) {
        long h = 0xcbf29ce484222325L;
        for (byte b : userKey.getBytes(StandardCharsets.UTF_8)) {
            h ^= b & 0xff;
            h *= 0x100000001b3L;
        }
        return mix(h);
    }

    /** murmur3's 64-bit finalizer: also what spreads hashed feature slots' ids. */
    public static long mix(long h) {
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9a64fe3bd49L;
        h ^= h >>> 33;
        return h;
    }
}
