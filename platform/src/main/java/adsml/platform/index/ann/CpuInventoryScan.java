package adsml.platform.index.ann;

import java.util.BitSet;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * {@link InventoryScan} on the CPU: the reference that the GPU's scan is checked against, bit for bit, and the scan
 * where no GPU is. Each request reads every ad (50 ms a request over a million 64-d ads, k = 1,000, on one core of the
 * 2-core dev VM on 2026-12-07; InventoryBenchmark's cpuScanMs measures it beside the GPU), which is why serving
 * retrieves from an {@link IvfIndex} on the CPU. Searches share a read lock, writes take the write lock.
 */
public final class CpuInventoryScan implements InventoryScan {
    private static final ThreadLocal<TopK> TOP = ThreadLocal.withInitial(TopK::new);

    private final int dim;
    private final int capacity;
    private final float[] vectors;
    private final int[] campaign;
    private final int[] category;
    private final int[] targetWord;
    private final long[] interests;
    private final float[] prior;
    private final BitSet written = new BitSet();
    private final BitSet paused = new BitSet();
    private final ReadWriteLock lock = new ReentrantReadWriteLock();
    private int size;

    /** An empty inventory of {@code capacity} positions of {@code dim}-dimensional embeddings. */
    public CpuInventoryScan(int dim, int capacity) {
        if (dim < 1 || capacity < 0 || (long) dim * capacity > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException(
                    "dim must be >= 1 and dim * capacity fit one array, were " + dim + " and " + capacity);
        }
        this.dim = dim;
        this.capacity = capacity;
        this.vectors = new float[dim * capacity];
        this.campaign = new int[capacity];
        this.category = new int[capacity];
        this.targetWord = new int[capacity];
        this.interests = new long[capacity];
        this.prior = new float[capacity];
    }

    @Override
    public int dim() {
        return dim;
    }

    @Override
    public int capacity() {
        return capacity;
    }

    @Override
    public int size() {
        lock.readLock().lock();
        try {
            return size;
        } finally {
            lock.readLock().unlock();
        }
    }

    @Override
    public void write(InventoryRows rows) {
        InventoryScan.checkWrite(rows, dim, capacity);
        lock.writeLock().lock();
        try {
            for (int i = 0; i < rows.size(); i++) {
                int p = rows.positions()[i];
                System.arraycopy(rows.vectors(), i * dim, vectors, p * dim, dim);
                campaign[p] = rows.campaign()[i];
                category[p] = rows.category()[i];
                targetWord[p] = rows.targetWord()[i];
                interests[p] = rows.interests()[i];
                prior[p] = rows.prior()[i];
                written.set(p);
                size = Math.max(size, p + 1);
            }
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void setPaused(int position, boolean pause) {
        lock.writeLock().lock();
        try {
            if (position < 0 || !written.get(position)) {
                throw new IllegalArgumentException("no ad was written at position " + position);
            }
            paused.set(position, pause);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public void setPriors(float[] priors) {
        InventoryScan.checkPriors(priors, capacity);
        lock.writeLock().lock();
        try {
            System.arraycopy(priors, 0, prior, 0, priors.length);
        } finally {
            lock.writeLock().unlock();
        }
    }

    @Override
    public int[] search(int from, float[][] queries, AdFilter[] filters, BitSet exhausted, int k, long[][] out) {
        InventoryScan.checkSearch(dim, from, queries, filters, k, out);
        int[] counts = new int[queries.length];
        if (k == 0) {
            return counts;
        }
        TopK top = TOP.get();
        lock.readLock().lock();
        try {
            for (int r = 0; r < queries.length; r++) {
                float[] q = queries[r];
                AdFilter filter = filters[r];
                top.reset(k);
                for (int p = 0; p < size; p++) {
                    if (!written.get(p)
                            || paused.get(p)
                            || !filter.admits(targetWord[p], interests[p], category[p])
                            || exhausted.get(campaign[p])) {
                        continue;
                    }
                    float score = score(q, vectors, p * dim + from, q.length) + prior[p];
                    if (top.admits(score, p)) {
                        top.offer(score, p);
                    }
                }
                counts[r] = top.drainBestFirstKeys(out[r]);
            }
        } finally {
            lock.readLock().unlock();
        }
        return counts;
    }

    /** The dot product as the GPU's kernel sums it: in dimension order, one fused multiply-add per component. */
    static float score(float[] q, float[] v, int offset, int length) {
        float acc = 0f;
        for (int d = 0; d < length; d++) {
            acc = Math.fma(q[d], v[offset + d], acc);
        }
        return acc;
    }

    @Override
    public void close() {
        // Heap arrays: nothing to release.
    }

    @Override
    public String toString() {
        return "CpuInventoryScan[" + size() + " of " + capacity + " ads, dim " + dim + ", " + paused.cardinality()
                + " paused]";
    }
}
