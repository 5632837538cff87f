package adsml.platform.testing;

import adsml.platform.index.ann.AdFilter;
import adsml.platform.index.ann.InventoryRows;
import adsml.platform.index.ann.InventoryScan;
import java.util.BitSet;

/** An inventory scan that does what {@code inner} does: test doubles override the calls they hold or fail. */
public abstract class DelegatingScan implements InventoryScan {
    protected final InventoryScan inner;

    protected DelegatingScan(InventoryScan inner) {
        this.inner = inner;
    }

    /** The scan behind it, for a test to ask directly. */
    public InventoryScan inner() {
        return inner;
    }

    @Override
    public int dim() {
        return inner.dim();
    }

    @Override
    public int capacity() {
        return inner.capacity();
    }

    @Override
    public int size() {
        return inner.size();
    }

    @Override
    public void write(InventoryRows rows) {
        inner.write(rows);
    }

    @Override
    public void setPaused(int position, boolean paused) {
        inner.setPaused(position, paused);
    }

    @Override
    public void setPriors(float[] priors) {
        inner.setPriors(priors);
    }

    @Override
    public int[] search(int from, float[][] queries, AdFilter[] filters, BitSet exhausted, int k, long[][] out) {
        return inner.search(from, queries, filters, exhausted, k, out);
    }

    @Override
    public boolean lost() {
        return inner.lost();
    }

    @Override
    public void close() {
        inner.close();
    }
}
