package adsml.platform.index.ann;

import java.util.BitSet;

/**
 * A light ranking of the whole inventory, many requests at once, by brute force: for each request, every eligible ad
 * scored as {@code query . embedding + prior} and the best {@code k} kept. Where an {@link IvfIndex} reads a few lists
 * and may miss some of the true top k, this reads every ad and misses none: what a GPU, whose memory holds a million
 * ads' embeddings and attributes, is for (adsml.scheduler.gpu's GpuInventoryScan; its speed is not measured yet).
 * {@link CpuInventoryScan} is its twin: the same arithmetic, so the same answers, bit for bit.
 *
 * <p>Contract: an ad is eligible for a request when the request's {@link AdFilter} admits it, it is not paused, and its
 * campaign is not in the request's exhausted set. The score is fp32: the products of the query's components and the
 * embedding's over the call's range of dimensions, summed in dimension order with fused multiply-adds, then the prior
 * added. A query reads only its range: a tower's query leaves the light part of each row unread, a light model's the
 * tower's, and the answer is the one a query with zeros outside its range would get (for finite embeddings), at a
 * fraction of the memory traffic. Each request's best are written as {@link adsml.platform.index.RankKeys} keys of
 * (score, position): higher score first, ties to the lower position, a NaN score ranked as negative infinity. Writes
 * are visible to every search that starts after they return, and a search sees all of a write (or of a
 * {@link #setPriors}) or none of it: ScanAdIndex relies on it to tell which priors ranked an answer. Implementations
 * are thread-safe.
 */
public interface InventoryScan extends AutoCloseable {
    /** The most a request may ask for: the GPU sorts one request's best in one block. */
    int MAX_K = 1024;

    /** The most requests one search may carry. */
    int MAX_REQUESTS = 256;

    /** The embeddings' dimension. */
    int dim();

    /** Positions the inventory has room for. */
    int capacity();

    /** One more than the highest position written: the ads a search reads. */
    int size();

    /**
     * Writes {@code rows} at their positions (a paused ad stays paused).
     *
     * @throws IllegalArgumentException when the rows' dimension is not {@link #dim()} or a position is past
     *     {@link #capacity()}
     */
    void write(InventoryRows rows);

    /**
     * Pauses or resumes the ad at {@code position}.
     *
     * @throws IllegalArgumentException when the position was never written
     */
    void setPaused(int position, boolean paused);

    /**
     * Replaces the prior of every position below {@code priors.length} in one call (a row written later brings its
     * own): what a light ranker writes when its ad terms move, with a new version or the day's click rates.
     *
     * @throws IllegalArgumentException when {@code priors} is longer than {@link #capacity()}
     */
    void setPriors(float[] priors);

    /**
     * Ranks every eligible ad for each of {@code queries} (with {@code filters} at the same index) over dimensions
     * {@code [from, from + length)} of the embeddings, every query of the call that long, and writes each request's
     * best {@code k} into {@code out[r]}, best first; returns how many per request.
     *
     * @param exhausted the campaigns whose ads are not eligible (out of budget), for every request of the call
     * @throws IllegalArgumentException when the arrays' lengths disagree, there are more than {@link #MAX_REQUESTS}
     *     requests, the queries are not of one length of at least 1 within {@link #dim()} from {@code from}, {@code k}
     *     is outside [0, {@link #MAX_K}], or an out array is shorter than {@code k}
     */
    int[] search(int from, float[][] queries, AdFilter[] filters, BitSet exhausted, int k, long[][] out);

    /**
     * {@link #search(int, float[][], AdFilter[], BitSet, int, long[][])} over whole rows.
     *
     * @throws IllegalArgumentException also when a query's length is not {@link #dim()}
     */
    default int[] search(float[][] queries, AdFilter[] filters, BitSet exhausted, int k, long[][] out) {
        for (int r = 0; r < queries.length; r++) {
            if (queries[r].length != dim()) {
                throw new IllegalArgumentException(
                        "request " + r + ": query of " + queries[r].length + " floats, the inventory's are " + dim());
            }
        }
        return search(0, queries, filters, exhausted, k, out);
    }

    /**
     * Whether the scan's ads are gone and every call will fail until a new scan is opened and written: a GPU whose
     * context was rebuilt after a sticky error lost its memory. False for a scan that may answer again by itself.
     */
    default boolean lost() {
        return false;
    }

    @Override
    void close();

    /** Checks rows against an inventory's dimension and capacity, as {@link #write} says; for implementations. */
    static void checkWrite(InventoryRows rows, int dim, int capacity) {
        if (rows.dim() != dim) {
            throw new IllegalArgumentException("rows of dimension " + rows.dim() + ", the inventory's are " + dim);
        }
        for (int p : rows.positions()) {
            if (p >= capacity) {
                throw new IllegalArgumentException("position " + p + " is past the capacity, " + capacity);
            }
        }
    }

    /** Checks that a query of {@code length} floats from dimension {@code from} fits embeddings of {@code dim}. */
    static void checkRange(int dim, int from, int length) {
        if (from < 0 || length < 1 || from + length > dim) {
            throw new IllegalArgumentException("a query of " + length + " floats from dimension " + from
                    + " does not fit the inventory's " + dim + " dimensions");
        }
    }

    /** Checks priors against an inventory's capacity, as {@link #setPriors} says; for implementations. */
    static void checkPriors(float[] priors, int capacity) {
        if (priors.length > capacity) {
            throw new IllegalArgumentException(priors.length + " priors, past the capacity, " + capacity);
        }
    }

    /** Checks a search's arguments as the contract says; for implementations. */
    static void checkSearch(int dim, int from, float[][] queries, AdFilter[] filters, int k, long[][] out) {
        if (queries.length != filters.length || queries.length != out.length) {
            throw new IllegalArgumentException("queries, filters and out must have one entry per request, had "
                    + queries.length + ", " + filters.length + " and " + out.length);
        }
        if (queries.length > MAX_REQUESTS) {
            throw new IllegalArgumentException(
                    "at most " + MAX_REQUESTS + " requests per search, were " + queries.length);
        }
        if (k < 0 || k > MAX_K) {
            throw new IllegalArgumentException("k must be within [0, " + MAX_K + "], was " + k);
        }
        int length = queries.length == 0 ? 1 : queries[0].length;
        checkRange(dim, from, length);
        for (int r = 0; r < queries.length; r++) {
            if (queries[r].length != length) {
                throw new IllegalArgumentException("request " + r + ": query of " + queries[r].length
                        + " floats, the call's first is of " + length);
            }
            if (out[r].length < k) {
                throw new IllegalArgumentException("request " + r + ": out holds " + out[r].length + " < k = " + k);
            }
        }
    }
}
