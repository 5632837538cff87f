package adsml.scheduler.gpu;

import adsml.platform.index.ann.AdFilter;
import adsml.platform.index.ann.CpuInventoryScan;
import adsml.platform.index.ann.InventoryRows;
import adsml.platform.index.ann.InventoryScan;
import adsml.platform.index.ann.VectorAds;
import adsml.scheduler.MemoryBudget;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import jcuda.CudaException;
import jcuda.Pointer;
import jcuda.driver.CUdeviceptr;
import jcuda.driver.CUfunction;
import jcuda.driver.CUstream;
import jcuda.driver.CUstream_flags;
import jcuda.driver.JCudaDriver;

/**
 * {@link InventoryScan} on one GPU ({@code inventory.cu}): the embeddings and attributes of up to {@code capacity} ads
 * resident in device memory, written in place; per call, up to {@link #GROUP} requests scored in one pass over the ads
 * (each embedding read once for all of them), each request's best {@code k} selected and sorted on the device, and only
 * those keys copied back. The same answers as {@link CpuInventoryScan}, bit for bit.
 *
 * <p>Calls are serialized on one stream (a lock): batching requests together is the caller's part, and a call reads
 * each embedding once whatever the requests in it (what a call of 1, 8 or 32 costs is InventoryBenchmark's to measure;
 * it has not run on a GPU yet). Host arrays are copied synchronously on the legacy default stream (JCuda may not hand a
 * Java array to an asynchronous copy, and a copy from pageable memory may return before it lands); the kernels run on
 * the scan's own blocking stream, which waits for those copies, while a scheduler lane's non-blocking stream on the
 * same GPU goes on meanwhile. A context rebuild waits for a call in progress ({@link CudaContext#sharedUse}).
 *
 * <p>A CUDA error marks the device unhealthy, as a scoring error does. A device's context rebuilt after a sticky error
 * loses this inventory's memory: every call then fails with {@link GpuFailureException} until a new scan is opened and
 * written.
 */
public final class GpuInventoryScan implements InventoryScan {
    /** Requests scored per launch: inventory.cu's widest inventory_score kernel. */
    static final int GROUP = 32;
    /** The widest embedding the score kernel's shared memory holds for {@link #GROUP} queries. */
    public static final int MAX_DIM = 256;
    /** Rows staged per write launch. */
    static final int WRITE_ROWS = 4096;

    private static final int FILTER_INTS = 5;
    private static final int SCORE_THREADS = 256;
    private static final int TOPK_THREADS = 1024;
    private static final int FLAG_WRITTEN = 1;
    private static final int FLAG_PAUSED = 2;

    private final GpuDevice device;
    private final CudaContext cuda;
    /** The context generation the memory was allocated in; set on the owner thread as it allocates. */
    private volatile int generation;

    private final int dim;
    private final int capacity;
    private final MemoryBudget.Reservation reservation;
    private final ReentrantLock lock = new ReentrantLock();
    private final CUstream stream = new CUstream();
    private final List<CUdeviceptr> allocations = new ArrayList<>();
    /** The device's flags column, mirrored: what setPaused checks and writes back. */
    private final int[] flags;

    private final int[] fields = VectorAds.targetFields();
    // Device columns (see inventory.cu's layout), scratch and staging.
    private CUdeviceptr vecT;
    private CUdeviceptr campaign;
    private CUdeviceptr category;
    private CUdeviceptr word;
    private CUdeviceptr interests;
    private CUdeviceptr prior;
    private CUdeviceptr devFlags;
    private CUdeviceptr keys;
    private CUdeviceptr queries;
    private CUdeviceptr filters;
    private CUdeviceptr out;
    private CUdeviceptr counts;
    private CUdeviceptr stagedPositions;
    private CUdeviceptr stagedVectors;
    private CUdeviceptr stagedCampaign;
    private CUdeviceptr stagedCategory;
    private CUdeviceptr stagedWord;
    private CUdeviceptr stagedInterests;
    private CUdeviceptr stagedPrior;
    private CUdeviceptr exhausted;
    private int exhaustedWords;
    private int size;
    private boolean hasStream;
    private boolean closed;

    private GpuInventoryScan(
            GpuDevice device, CudaContext cuda, int dim, int capacity, MemoryBudget.Reservation reservation) {
        this.device = device;
        this.cuda = cuda;
        this.dim = dim;
        this.capacity = capacity;
        this.reservation = reservation;
        this.flags = new int[capacity];
    }

    /** Device bytes of a scan of {@code capacity} ads of dimension {@code dim}: what it reserves. */
    static long deviceBytes(int dim, int capacity) {
        long perAd = (long) dim * Float.BYTES + 5L * Integer.BYTES + Long.BYTES + (long) GROUP * Integer.BYTES;
        long perCall = (long) GROUP * (dim + FILTER_INTS) * Float.BYTES
                + (long) GROUP * MAX_K * Long.BYTES
                + GROUP * Integer.BYTES;
        long staging = (long) WRITE_ROWS * (dim * Float.BYTES + 5L * Integer.BYTES + Long.BYTES);
        return perAd * capacity + perCall + staging;
    }

    /** Allocates the columns and buffers on the owner thread; frees what it took if a step fails. */
    static GpuInventoryScan create(
            GpuDevice device, CudaContext cuda, int dim, int capacity, MemoryBudget.Reservation reservation) {
        if (dim < 1 || dim > MAX_DIM || capacity < 1) {
            throw new IllegalArgumentException(
                    "dim must be within [1, " + MAX_DIM + "] and capacity >= 1, were " + dim + " and " + capacity);
        }
        GpuInventoryScan scan = new GpuInventoryScan(device, cuda, dim, capacity, reservation);
        cuda.call(() -> {
            try {
                scan.allocate();
            } catch (RuntimeException e) {
                scan.free();
                throw e;
            }
            return null;
        });
        return scan;
    }

    private void allocate() {
        generation = cuda.generation();
        // Blocking: its kernels wait for the synchronous copies on the legacy stream (see the class comment).
        JCudaDriver.cuStreamCreate(stream, CUstream_flags.CU_STREAM_DEFAULT);
        hasStream = true;
        long n = capacity;
        vecT = alloc(n * dim * Float.BYTES);
        campaign = alloc(n * Integer.BYTES);
        category = alloc(n * Integer.BYTES);
        word = alloc(n * Integer.BYTES);
        interests = alloc(n * Long.BYTES);
        prior = alloc(n * Float.BYTES);
        devFlags = alloc(n * Integer.BYTES);
        JCudaDriver.cuMemsetD32(devFlags, 0, n);
        keys = alloc((long) GROUP * n * Integer.BYTES);
        queries = alloc((long) GROUP * dim * Float.BYTES);
        filters = alloc((long) GROUP * FILTER_INTS * Integer.BYTES);
        out = alloc((long) GROUP * MAX_K * Long.BYTES);
        counts = alloc((long) GROUP * Integer.BYTES);
        stagedPositions = alloc((long) WRITE_ROWS * Integer.BYTES);
        stagedVectors = alloc((long) WRITE_ROWS * dim * Float.BYTES);
        stagedCampaign = alloc((long) WRITE_ROWS * Integer.BYTES);
        stagedCategory = alloc((long) WRITE_ROWS * Integer.BYTES);
        stagedWord = alloc((long) WRITE_ROWS * Integer.BYTES);
        stagedInterests = alloc((long) WRITE_ROWS * Long.BYTES);
        stagedPrior = alloc((long) WRITE_ROWS * Float.BYTES);
        exhausted = alloc(Integer.BYTES);
        exhaustedWords = 1;
    }

    private CUdeviceptr alloc(long bytes) {
        CUdeviceptr p = new CUdeviceptr();
        JCudaDriver.cuMemAlloc(p, Math.max(bytes, 1));
        allocations.add(p);
        return p;
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
        lock.lock();
        try {
            return size;
        } finally {
            lock.unlock();
        }
    }

    @Override
    public void write(InventoryRows rows) {
        InventoryScan.checkWrite(rows, dim, capacity);
        onCard(() -> "writing " + rows.size() + " ads to the inventory", () -> {
            for (int from = 0; from < rows.size(); from += WRITE_ROWS) {
                int count = Math.min(WRITE_ROWS, rows.size() - from);
                JCudaDriver.cuMemcpyHtoD(
                        stagedPositions, Pointer.to(rows.positions()).withByteOffset(4L * from), 4L * count);
                JCudaDriver.cuMemcpyHtoD(
                        stagedVectors, Pointer.to(rows.vectors()).withByteOffset(4L * from * dim), 4L * count * dim);
                JCudaDriver.cuMemcpyHtoD(
                        stagedCampaign, Pointer.to(rows.campaign()).withByteOffset(4L * from), 4L * count);
                JCudaDriver.cuMemcpyHtoD(
                        stagedCategory, Pointer.to(rows.category()).withByteOffset(4L * from), 4L * count);
                JCudaDriver.cuMemcpyHtoD(
                        stagedWord, Pointer.to(rows.targetWord()).withByteOffset(4L * from), 4L * count);
                JCudaDriver.cuMemcpyHtoD(
                        stagedInterests, Pointer.to(rows.interests()).withByteOffset(8L * from), 8L * count);
                JCudaDriver.cuMemcpyHtoD(stagedPrior, Pointer.to(rows.prior()).withByteOffset(4L * from), 4L * count);
                long elements = (long) count * dim;
                launch(
                        cuda.inventoryWrite,
                        (int) Math.min((elements + 255) / 256, 65_535),
                        256,
                        0,
                        Pointer.to(
                                ints(count),
                                ints(dim),
                                Pointer.to(stagedPositions),
                                Pointer.to(stagedVectors),
                                Pointer.to(stagedCampaign),
                                Pointer.to(stagedCategory),
                                Pointer.to(stagedWord),
                                Pointer.to(stagedInterests),
                                Pointer.to(stagedPrior),
                                ints(capacity),
                                Pointer.to(vecT),
                                Pointer.to(campaign),
                                Pointer.to(category),
                                Pointer.to(word),
                                Pointer.to(interests),
                                Pointer.to(prior),
                                Pointer.to(devFlags)));
                // The staging buffers are reused by the next chunk: this one must have landed.
                JCudaDriver.cuStreamSynchronize(stream);
            }
            for (int p : rows.positions()) {
                flags[p] |= FLAG_WRITTEN;
                size = Math.max(size, p + 1);
            }
        });
    }

    @Override
    public void setPaused(int position, boolean paused) {
        onCard(() -> "pausing an ad of the inventory", () -> {
            if (position < 0 || position >= capacity || (flags[position] & FLAG_WRITTEN) == 0) {
                throw new IllegalArgumentException("no ad was written at position " + position);
            }
            flags[position] = paused ? flags[position] | FLAG_PAUSED : flags[position] & ~FLAG_PAUSED;
            JCudaDriver.cuMemcpyHtoD(
                    devFlags.withByteOffset(4L * position), Pointer.to(new int[] {flags[position]}), 4);
        });
    }

    @Override
    public void setPriors(float[] priors) {
        InventoryScan.checkPriors(priors, capacity);
        if (priors.length == 0) {
            return; // nothing to copy: an empty inventory, or ranking before any ad
        }
        // Synchronous from pageable memory: the searches after it read the new priors.
        onCard(
                () -> "writing " + priors.length + " priors to the inventory",
                () -> JCudaDriver.cuMemcpyHtoD(prior, Pointer.to(priors), 4L * priors.length));
    }

    @Override
    public int[] search(
            int fromDim, float[][] requestQueries, AdFilter[] requestFilters, BitSet spent, int k, long[][] best) {
        InventoryScan.checkSearch(dim, fromDim, requestQueries, requestFilters, k, best);
        int[] found = new int[requestQueries.length];
        if (k == 0 || requestQueries.length == 0) {
            return found;
        }
        onCard(() -> "searching the inventory for " + requestQueries.length + " requests", () -> {
            int exhaustedBits = uploadExhausted(spent);
            for (int from = 0; from < requestQueries.length; from += GROUP) {
                int requests = Math.min(GROUP, requestQueries.length - from);
                searchGroup(fromDim, requestQueries, requestFilters, from, requests, exhaustedBits, k, best, found);
            }
        });
        return found;
    }

    /**
     * Runs {@code work} on the card: under this scan's lock and the context's shared use (a rebuild waits for it), on a
     * usable device with its context current. A CUDA error fails the device, saying what it was doing.
     */
    private void onCard(Supplier<String> what, Runnable work) {
        lock.lock();
        Lock use = cuda.sharedUse();
        use.lock();
        try {
            usable();
            cuda.makeCurrent();
            work.run();
        } catch (CudaException e) {
            throw device.failed(what.get(), e);
        } finally {
            use.unlock();
            lock.unlock();
        }
    }

    /**
     * One launch of the score kernel for requests {@code [from, from + requests)}: it reads dimensions {@code [fromDim,
     * fromDim + length)} of each ad as a scan of that many dimensions whose embeddings start {@code fromDim} rows into
     * the dimension-major vecT.
     */
    private void searchGroup(
            int fromDim,
            float[][] requestQueries,
            AdFilter[] requestFilters,
            int from,
            int requests,
            int exhaustedBits,
            int k,
            long[][] best,
            int[] found) {
        int length = requestQueries[from].length;
        float[] q = new float[requests * length];
        int[] f = new int[requests * FILTER_INTS];
        for (int r = 0; r < requests; r++) {
            System.arraycopy(requestQueries[from + r], 0, q, r * length, length);
            AdFilter filter = requestFilters[from + r];
            f[r * FILTER_INTS] = filter.knownWord();
            f[r * FILTER_INTS + 1] = (int) filter.interests();
            f[r * FILTER_INTS + 2] = (int) (filter.interests() >>> 32);
            f[r * FILTER_INTS + 3] = (int) filter.categories();
            f[r * FILTER_INTS + 4] = (int) (filter.categories() >>> 32);
        }
        JCudaDriver.cuMemcpyHtoD(queries, Pointer.to(q), 4L * q.length);
        JCudaDriver.cuMemcpyHtoD(filters, Pointer.to(f), 4L * f.length);
        int kernelRequests = requests == 1 ? 1 : requests <= 8 ? 8 : GROUP;
        int n = size;
        if (n > 0) {
            launch(
                    cuda.inventoryScore.get(kernelRequests),
                    (n + SCORE_THREADS - 1) / SCORE_THREADS,
                    SCORE_THREADS,
                    kernelRequests * (length + FILTER_INTS) * Float.BYTES,
                    Pointer.to(
                            Pointer.to(vecT.withByteOffset((long) fromDim * capacity * Float.BYTES)),
                            ints(capacity),
                            ints(n),
                            ints(length),
                            Pointer.to(campaign),
                            Pointer.to(category),
                            Pointer.to(word),
                            Pointer.to(interests),
                            Pointer.to(prior),
                            Pointer.to(devFlags),
                            Pointer.to(exhausted),
                            ints(exhaustedBits),
                            Pointer.to(queries),
                            Pointer.to(filters),
                            ints(requests),
                            ints(fields[0]),
                            ints(fields[1]),
                            ints(fields[2]),
                            Pointer.to(keys)));
        }
        launch(
                cuda.inventoryTopk,
                requests,
                TOPK_THREADS,
                0,
                Pointer.to(Pointer.to(keys), ints(capacity), ints(n), ints(k), Pointer.to(out), Pointer.to(counts)));
        JCudaDriver.cuStreamSynchronize(stream);
        int[] c = new int[requests];
        JCudaDriver.cuMemcpyDtoH(Pointer.to(c), counts, 4L * requests);
        long[] keysOut = new long[requests * k];
        JCudaDriver.cuMemcpyDtoH(Pointer.to(keysOut), out, 8L * requests * k);
        for (int r = 0; r < requests; r++) {
            found[from + r] = c[r];
            System.arraycopy(keysOut, r * k, best[from + r], 0, c[r]);
        }
    }

    /** The exhausted campaigns as 32-bit words on the device (grown when a campaign id needs it); returns the bits. */
    private int uploadExhausted(BitSet spent) {
        long[] longs = spent.toLongArray();
        int words = 2 * longs.length;
        if (words == 0) {
            return 0;
        }
        if (words > exhaustedWords) {
            // The new buffer first: if it cannot be had, the old one stays, whole and owned.
            CUdeviceptr grown = alloc(4L * words);
            CUdeviceptr old = exhausted;
            exhausted = grown;
            exhaustedWords = words;
            allocations.remove(old);
            JCudaDriver.cuMemFree(old);
        }
        int[] w = new int[words];
        for (int i = 0; i < longs.length; i++) {
            w[2 * i] = (int) longs[i];
            w[2 * i + 1] = (int) (longs[i] >>> 32);
        }
        JCudaDriver.cuMemcpyHtoD(exhausted, Pointer.to(w), 4L * words);
        return 32 * words;
    }

    private void launch(CUfunction f, int blocks, int threads, int sharedBytes, Pointer params) {
        JCudaDriver.cuLaunchKernel(f, blocks, 1, 1, threads, 1, 1, sharedBytes, stream, params, null);
    }

    private static Pointer ints(int value) {
        return Pointer.to(new int[] {value});
    }

    /** True once the device's context was rebuilt: this scan's memory went with the old one. */
    @Override
    public boolean lost() {
        return cuda.generation() != generation;
    }

    /** Refuses a closed scan, or one whose context was rebuilt since it was allocated; under the lock. */
    private void usable() {
        if (closed) {
            throw new IllegalStateException("the inventory scan is closed");
        }
        if (cuda.generation() != generation) {
            throw new GpuFailureException(
                    device.name() + "'s CUDA context was rebuilt after an error: this inventory's memory went with the"
                            + " old one; open and write a new scan",
                    null);
        }
        if (!device.healthy()) {
            throw new GpuFailureException(device.name() + " is unhealthy: the inventory waits for it to recover", null);
        }
    }

    /** Frees the device memory on the owner thread and returns the reservation. */
    @Override
    public void close() {
        lock.lock();
        try {
            if (closed) {
                return;
            }
            closed = true;
        } finally {
            lock.unlock();
        }
        try {
            cuda.call(() -> {
                // Here, on the owner thread, where a rebuild runs too: old addresses may be reused by a new context.
                if (cuda.generation() == generation) {
                    free();
                }
                return null;
            });
        } finally {
            reservation.close();
        }
    }

    /** On the owner thread; a device that failed may refuse, and its context takes the memory with it. */
    private void free() {
        for (CUdeviceptr p : allocations) {
            try {
                JCudaDriver.cuMemFree(p);
            } catch (CudaException e) {
                // Freed with the context when it goes; nothing else holds it.
            }
        }
        allocations.clear();
        if (hasStream) {
            hasStream = false;
            try {
                JCudaDriver.cuStreamDestroy(stream);
            } catch (CudaException e) {
                // Gone with the context when it goes.
            }
        }
    }

    @Override
    public String toString() {
        return "GpuInventoryScan[" + device.name() + ", " + size() + " of " + capacity + " ads, dim " + dim + ", "
                + MemoryBudget.format(deviceBytes(dim, capacity)) + "]";
    }
}
