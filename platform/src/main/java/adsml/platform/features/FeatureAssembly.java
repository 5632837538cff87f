package adsml.platform.features;

import adsml.platform.counters.CounterKeys;
import adsml.platform.counters.CounterStore;
import adsml.platform.counters.CounterStoreException;
import adsml.platform.counters.Counters;
import adsml.platform.domain.AdColumns;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A feature set compiled into columns: each declared feature becomes one loop that writes its column(s) for every row
 * of a request, reading the request's row, the candidates' attribute columns and one batched read of the counters.
 * Serving fills a request's candidates with it; training fills each logged impression with it; nothing else builds
 * model inputs, so the rows a model learns from and the rows it is served cannot differ.
 *
 * <p>Allocation per call: none for the rows; a thread's scratch arrays for the counter keys and values grow once.
 * Thread-safe: compiled state is immutable.
 */
public final class FeatureAssembly {
    private final FeatureSet set;
    private final FeatureSchema schema;
    private final int[] offsets;
    private final int slots;
    private final int width;
    /** Counter entities the set reads, in key order per row; their index in this array is their place in a row. */
    private final CounterEntity[] entities;

    private final FeatureSet.Dense[] dense;
    private final int[] denseAt;
    private final float[][] projections;

    /** Rows filled together, feature by feature: 32 rows of 1,000 floats stay in the core's L2 cache. */
    private static final int TILE_ROWS = 32;

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** A thread's arrays for one request's counter keys: grown once, reused. */
    private static final class Scratch {
        long[] keys = new long[0];
        float[] values = new float[0];
        /** Per (row, entity), the index of its key among the distinct ones. */
        int[] keyOf = new int[0];
        /** Open addressing over the distinct keys; 0 is free ({@code CounterKeys} never makes 0). */
        long[] table = new long[0];

        int[] tableIndex = new int[0];
        int[] used = new int[0];
        int usedCount;

        void ensure(int n) {
            if (keys.length < n) {
                keys = new long[n];
                values = new float[n * Counters.VALUES];
                keyOf = new int[n];
                int size = Integer.highestOneBit(Math.max(16, 2 * n - 1)) << 1;
                table = new long[size];
                tableIndex = new int[size];
                used = new int[n];
            }
        }

        /** The slot of {@code key}: where it is, or the free slot where it goes (remembered for the clearing). */
        int find(long key) {
            int mask = table.length - 1;
            int slot = (int) (key ^ (key >>> 29)) & mask;
            while (table[slot] != 0 && table[slot] != key) {
                slot = (slot + 1) & mask;
            }
            if (table[slot] == 0) {
                used[usedCount++] = slot;
            }
            return slot;
        }

        void clearTable() {
            for (int i = 0; i < usedCount; i++) {
                table[used[i]] = 0;
            }
            usedCount = 0;
        }
    }

    FeatureAssembly(FeatureSet set) {
        this.set = set;
        this.schema = set.schema();
        this.offsets = schema.offsets();
        this.slots = schema.sparseSlots();
        this.width = schema.denseDims();
        EnumMap<CounterEntity, Integer> used = new EnumMap<>(CounterEntity.class);
        for (FeatureSet.Dense d : set.dense()) {
            if (d instanceof FeatureSet.Counter c) {
                used.putIfAbsent(c.entity(), used.size());
            } else if (d instanceof FeatureSet.Ratio r) {
                used.putIfAbsent(r.entity(), used.size());
            }
        }
        this.entities = new CounterEntity[used.size()];
        used.forEach((e, i) -> entities[i] = e);
        this.dense = set.dense().toArray(FeatureSet.Dense[]::new);
        this.denseAt = new int[set.dense().size()];
        this.projections = new float[set.dense().size()][];
        int at = 0;
        for (int i = 0; i < set.dense().size(); i++) {
            FeatureSet.Dense d = set.dense().get(i);
            denseAt[i] = at;
            at += d.columns().size();
            if (d instanceof FeatureSet.Projection p) {
                projections[i] = projection(p);
            }
        }
    }

    public FeatureSet set() {
        return set;
    }

    public FeatureSchema schema() {
        return schema;
    }

    /** A batch of this set's shape for {@code capacity} rows. */
    public FeatureBatch batch(int capacity) {
        return FeatureBatch.forSchema(schema, capacity);
    }

    /**
     * Writes rows {@code [at, at + ads.rows())} of {@code batch}, row {@code at + r} from row {@code r} of {@code ads},
     * all for the request {@code q}, with the counters of {@code counters} as of {@code nowMs} (one read for all rows'
     * keys; {@code counters} may be null for a set that reads none). A store that cannot answer leaves every counter at
     * zero: a rank request is served without them rather than failed.
     *
     * @return whether the counters were read (false when the store failed)
     */
    public boolean fill(FeatureBatch batch, int at, RequestRow q, AdColumns ads, CounterStore counters, long nowMs) {
        int rows = ads.rows();
        if (batch.sparseSlots() != slots || batch.denseDims() != width) {
            throw new IllegalArgumentException("batch shape [" + batch.sparseSlots() + ", " + batch.denseDims()
                    + "] is not feature set " + set.id() + "'s [" + slots + ", " + width + "]");
        }
        int[] sp = batch.sparse();
        for (int s = 0; s < slots; s++) {
            fillSparse(s, set.sparse().get(s), sp, at, rows, q, ads);
        }
        float[] de = batch.dense();
        boolean countersRead = true;
        float[] values = null;
        int[] keyOf = null;
        if (entities.length > 0) {
            Scratch scratch = SCRATCH.get();
            int n = rows * entities.length;
            scratch.ensure(n);
            // Each distinct key once: a request's candidates share categories, creative types, campaigns and
            // advertisers, so about half of its keys repeat, and a remote store would carry every one of them.
            int distinct = 0;
            try {
                for (int r = 0, k = 0; r < rows; r++) {
                    for (CounterEntity e : entities) {
                        long key = e.key(q, ads, r);
                        int slot = scratch.find(key);
                        if (scratch.table[slot] != key) {
                            scratch.table[slot] = key;
                            scratch.tableIndex[slot] = distinct;
                            scratch.keys[distinct++] = key;
                        }
                        scratch.keyOf[k++] = scratch.tableIndex[slot];
                    }
                }
            } finally {
                scratch.clearTable(); // the next request on this thread starts from an empty table, whatever happened
            }
            values = scratch.values;
            keyOf = scratch.keyOf;
            try {
                counters.read(scratch.keys, distinct, nowMs, values);
            } catch (CounterStoreException e) {
                java.util.Arrays.fill(values, 0, distinct * Counters.VALUES, 0f);
                countersRead = false;
            }
        }
        // A tile of rows at a time, every feature over it: a thousand-column row is 4 KB, and column by column over
        // every row would stride through megabytes once per feature.
        for (int from = 0; from < rows; from += TILE_ROWS) {
            int to = Math.min(rows, from + TILE_ROWS);
            for (int i = 0; i < dense.length; i++) {
                fillDense(i, dense[i], de, at, from, to, q, ads, values, keyOf);
            }
        }
        return countersRead;
    }

    private void fillSparse(int s, FeatureSet.Sparse slot, int[] sp, int at, int rows, RequestRow q, AdColumns ads) {
        int offset = offsets[s];
        if (slot instanceof FeatureSet.IdSlot id) {
            Source source = id.source();
            for (int r = 0; r < rows; r++) {
                sp[(at + r) * slots + s] = offset + source.category(q, ads, r);
            }
        } else if (slot instanceof FeatureSet.HashedSlot h) {
            for (int r = 0; r < rows; r++) {
                sp[(at + r) * slots + s] = offset + hash(s, h.source().id(q, ads, r), h.buckets());
            }
        } else if (slot instanceof FeatureSet.CrossedSlot c) {
            int bWidth = c.b().width();
            for (int r = 0; r < rows; r++) {
                sp[(at + r) * slots + s] = offset + c.a().category(q, ads, r) * bWidth + c.b().category(q, ads, r);
            }
        } else if (slot instanceof FeatureSet.BucketizedSlot b) {
            for (int r = 0; r < rows; r++) {
                sp[(at + r) * slots + s] = offset + bucket(b.boundaries(), scalar(b.source(), q, ads, r));
            }
        }
    }

    private void fillDense(
            int i,
            FeatureSet.Dense feature,
            float[] de,
            int at,
            int from,
            int to,
            RequestRow q,
            AdColumns ads,
            float[] c,
            int[] keyOf) {
        int col = denseAt[i];
        if (feature instanceof FeatureSet.Attribute a) {
            Source source = a.source();
            int size = source.size();
            if (source.missingFor(q)) {
                for (int r = from; r < to; r++) {
                    java.util.Arrays.fill(de, (at + r) * width + col, (at + r) * width + col + size, a.missing());
                }
            } else if (source == Source.USER_INTEREST_IN_AD_CATEGORY) {
                // the user's weight for the ad's category, 0 when not among their interests
                for (int r = from; r < to; r++) {
                    de[(at + r) * width + col] = q.weightByCategory()[ads.categories()[r]];
                }
            } else {
                float[] values = source.vector(q, ads);
                for (int r = from; r < to; r++) {
                    System.arraycopy(values, source.vectorAt(r), de, (at + r) * width + col, size);
                }
            }
        } else if (feature instanceof FeatureSet.Outer o) {
            float[] av = o.a().vector(q, ads), bv = o.b().vector(q, ads);
            int an = o.a().size(), bn = o.b().size();
            for (int r = from; r < to; r++) {
                int aAt = o.a().vectorAt(r), bAt = o.b().vectorAt(r), d = (at + r) * width + col;
                for (int x = 0; x < an; x++) {
                    float ax = av[aAt + x];
                    for (int y = 0; y < bn; y++) {
                        de[d++] = ax * bv[bAt + y];
                    }
                }
            }
        } else if (feature instanceof FeatureSet.Projection p) {
            float[] matrix = projections[i];
            float[] values = p.source().vector(q, ads);
            int n = p.source().size(), dims = p.dims();
            boolean perRow = p.source().perRow();
            for (int r = from; r < to; r++) {
                int src = p.source().vectorAt(r), d = (at + r) * width + col;
                if (!perRow && r > from) {
                    System.arraycopy(de, (at + from) * width + col, de, d, dims); // the request's: computed once
                    continue;
                }
                java.util.Arrays.fill(de, d, d + dims, 0f);
                // one input at a time over every output: the inner loop runs along the rows of the transposed
                // matrix, which the JIT vectorizes
                for (int x = 0, m = 0; x < n; x++) {
                    float v = values[src + x];
                    for (int k = 0; k < dims; k++, m++) {
                        de[d + k] += matrix[m] * v;
                    }
                }
            }
        } else if (feature instanceof FeatureSet.Counter k) {
            int e = indexOf(k.entity()), idx = Counters.index(k.window(), k.measure());
            boolean log = k.transform() == FeatureSet.Transform.LOG1P;
            for (int r = from; r < to; r++) {
                float v = c[keyOf[r * entities.length + e] * Counters.VALUES + idx];
                de[(at + r) * width + col] = log ? FastLog.log1p(v) : v;
            }
        } else if (feature instanceof FeatureSet.Ratio k) {
            int e = indexOf(k.entity());
            int num = Counters.index(k.window(), k.rate().numerator);
            int den = Counters.index(k.window(), k.rate().denominator);
            float pseudo = k.prior() * k.weight();
            for (int r = from; r < to; r++) {
                int base = keyOf[r * entities.length + e] * Counters.VALUES;
                de[(at + r) * width + col] = (c[base + num] + pseudo) / (c[base + den] + k.weight());
            }
        }
    }

    /**
     * Row {@code row} of {@code batch} as every declared feature's name and value, in column order: a sparse slot shows
     * the id within its slot (the global row minus the slot's offset), a dense column its float. For {@code debug} and
     * the explainer; allocates.
     */
    public Map<String, Number> describe(FeatureBatch batch, int row) {
        Map<String, Number> values = new LinkedHashMap<>();
        for (int s = 0; s < slots; s++) {
            values.put(set.sparse().get(s).name(), batch.sparse()[row * slots + s] - offsets[s]);
        }
        List<String> columns = schema.dense();
        for (int k = 0; k < width; k++) {
            values.put(columns.get(k), batch.dense()[row * width + k]);
        }
        return values;
    }

    /** Every feature's name by group, groups in the order they are first declared: how the explainer shows them. */
    public Map<String, List<String>> groups() {
        Map<String, List<String>> groups = new LinkedHashMap<>();
        for (FeatureSet.Sparse slot : set.sparse()) {
            groups.computeIfAbsent(slot.group(), g -> new ArrayList<>()).add(slot.name());
        }
        List<String> columns = schema.dense();
        List<String> groupOf = set.denseGroups();
        for (int k = 0; k < width; k++) {
            groups.computeIfAbsent(groupOf.get(k), g -> new ArrayList<>()).add(columns.get(k));
        }
        return groups;
    }

    /** The counter entities this set reads, each once. */
    public List<CounterEntity> counterEntities() {
        return new ArrayList<>(List.of(entities));
    }

    private int indexOf(CounterEntity e) {
        for (int i = 0; i < entities.length; i++) {
            if (entities[i] == e) {
                return i;
            }
        }
        throw new IllegalStateException(e + " is not read by " + set.id());
    }

    private static float scalar(Source source, RequestRow q, AdColumns ads, int r) {
        if (source == Source.USER_INTEREST_IN_AD_CATEGORY) {
            return q.weightByCategory()[ads.categories()[r]];
        }
        if (source.missingFor(q)) {
            return 0f;
        }
        return source.vector(q, ads)[source.vectorAt(r)];
    }

    private static int bucket(float[] boundaries, float v) {
        int i = 0;
        while (i < boundaries.length && v >= boundaries[i]) {
            i++;
        }
        return i;
    }

    /** A seeded matrix of +-1/sqrt(n), stored [n, dims]: distances kept on average (Achlioptas). */
    private static float[] projection(FeatureSet.Projection p) {
        int n = p.source().size();
        float scale = (float) (1.0 / Math.sqrt(n));
        SplittableRandom random = new SplittableRandom(p.seed());
        float[] m = new float[p.dims() * n];
        for (int i = 0; i < m.length; i++) {
            m[i] = random.nextBoolean() ? scale : -scale;
        }
        return m;
    }

    /** A fixed 64-bit mix (murmur3's finalizer) of slot and id, so ids spread evenly over the vocabulary. */
    static int hash(int slot, long id, int vocab) {
        return (int) Math.floorMod(CounterKeys.mix(((long) slot << 40) ^ id), (long) vocab);
    }
}
