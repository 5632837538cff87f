package adsml.actors.events;

/**
 * A set of event ids held as 64-bit hashes in one open-addressed {@code long[]}: about 16 bytes per id whatever its
 * length, where a {@code HashSet<String>} takes 100 or more. Two different ids share a hash with odds of about n / 2^64
 * per lookup in a set of n (one in 10^12 for 10 million ids); such an event would be taken for a retry. Not
 * thread-safe: the event log's actor owns its sets.
 */
final class IdSet {
    private static final long EMPTY = 0;

    private long[] slots = new long[64];
    private int size;
    private boolean holdsEmpty;

    static long hash(String id) {
        long h = 0xcbf29ce484222325L; // FNV-1a over the chars, then MurmurHash3's finalizer to spread the bits
        for (int i = 0; i < id.length(); i++) {
            h = (h ^ id.charAt(i)) * 0x100000001b3L;
        }
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9fe1a85ec53L;
        return h ^ (h >>> 33);
    }

    boolean contains(long hash) {
        if (hash == EMPTY) {
            return holdsEmpty;
        }
        int mask = slots.length - 1;
        for (int i = (int) hash & mask; ; i = (i + 1) & mask) {
            long at = slots[i];
            if (at == hash) {
                return true;
            }
            if (at == EMPTY) {
                return false;
            }
        }
    }

    void add(long hash) {
        if (hash == EMPTY) {
            if (!holdsEmpty) {
                holdsEmpty = true;
                size++;
            }
            return;
        }
        if ((size + 1) * 4L > slots.length * 3L) {
            grow();
        }
        if (insert(slots, hash)) {
            size++;
        }
    }

    int size() {
        return size;
    }

    private void grow() {
        long[] bigger = new long[slots.length * 2];
        for (long h : slots) {
            if (h != EMPTY) {
                insert(bigger, h);
            }
        }
        slots = bigger;
    }

    private static boolean insert(long[] table, long hash) {
        int mask = table.length - 1;
        for (int i = (int) hash & mask; ; i = (i + 1) & mask) {
            if (table[i] == hash) {
                return false;
            }
            if (table[i] == EMPTY) {
                table[i] = hash;
                return true;
            }
        }
    }
}
