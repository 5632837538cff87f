package adsml.scheduler.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Lock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import jcuda.CudaException;
import jcuda.driver.CUcontext;
import jcuda.driver.CUdevice;
import jcuda.driver.CUdevice_attribute;
import jcuda.driver.CUfunction;
import jcuda.driver.CUfunction_attribute;
import jcuda.driver.CUmodule;
import jcuda.driver.JCudaDriver;

/**
 * One device's CUDA context and the kernels loaded into it, owned by one pinned thread ({@code adsml-gpuN-ctx}): it
 * creates and destroys the context, loads the PTX, and allocates, uploads and frees every version's memory, so loads
 * and unloads never interleave.
 *
 * <p>Scoring does not go through that thread: each scheduler worker of the device makes the context current on itself
 * ({@link #makeCurrent()}) and drives its own stream, so that a worker waiting for its batch never holds up another
 * worker's copies and launches.
 */
final class CudaContext implements AutoCloseable {
    private static final String DCN_PTX = "/adsml/scheduler/gpu/dcn.ptx";
    private static final String INVENTORY_PTX = "/adsml/scheduler/gpu/inventory.ptx";

    private final ExecutorService owner;
    private final int ordinal;
    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    private final CUmodule inventoryModule = new CUmodule();
    /** dcn.cu's gather for each storage of the embedding table, writing fp32 x0. */
    final Map<EmbeddingStorage, CUfunction> gather = new EnumMap<>(EmbeddingStorage.class);
    /** The same, writing bf16 x0 (BF16 plans). */
    final Map<EmbeddingStorage, CUfunction> gatherIntoBf16 = new EnumMap<>(EmbeddingStorage.class);

    final CUfunction trap = new CUfunction();
    final CUfunction inventoryWrite = new CUfunction();
    final CUfunction inventoryTopk = new CUfunction();
    /** inventory.cu's inventory_score_R kernels by R, the most requests each scores per launch. */
    final Map<Integer, CUfunction> inventoryScore = new TreeMap<>();
    /**
     * How many contexts this device has had: a rebuild after a sticky error adds one, and memory allocated in an
     * earlier one is gone (its addresses may be reused by the new one).
     */
    private volatile int generation;

    /**
     * Held shared by whoever drives the context outside the owner thread and its lanes (an inventory scan's calls),
     * exclusively by a rebuild: no CUDA call may use a context while it is destroyed.
     */
    private final ReentrantReadWriteLock use = new ReentrantReadWriteLock();

    final Map<DcnPlan.LinearKernel, CUfunction> linear = new EnumMap<>(DcnPlan.LinearKernel.class);
    /** Shared memory a block may opt in to on this device; DcnPlan leaves out the kernels that need more. */
    int maxSharedBytes;

    final CUfunction head = new CUfunction();
    /** The head reading bf16 activations (BF16 plans). */
    final CUfunction headBf16 = new CUfunction();

    private CudaContext(int ordinal, String threadName) {
        this.ordinal = ordinal;
        this.owner = Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, threadName);
            t.setDaemon(true);
            return t;
        });
    }

    /** Creates a context on device {@code ordinal} and loads the kernels, on a new owner thread. */
    static CudaContext open(int ordinal, String threadName) {
        // Errors as CudaExceptions, whoever opens the context: silent error codes would pass for success.
        JCudaDriver.setExceptionsEnabled(true);
        CudaContext c = new CudaContext(ordinal, threadName);
        try {
            c.call(() -> {
                c.create();
                return null;
            });
        } catch (RuntimeException e) {
            c.owner.shutdownNow();
            throw e;
        }
        return c;
    }

    /** Creates the context, current on the owner thread, and loads the kernels; on the owner thread. */
    private void create() {
        CUdevice device = new CUdevice();
        JCudaDriver.cuDeviceGet(device, ordinal);
        JCudaDriver.cuCtxCreate(context, 0, device);
        JCudaDriver.cuModuleLoadData(module, ptx(DCN_PTX));
        JCudaDriver.cuModuleLoadData(inventoryModule, ptx(INVENTORY_PTX));
        JCudaDriver.cuModuleGetFunction(inventoryWrite, inventoryModule, "inventory_write");
        JCudaDriver.cuModuleGetFunction(inventoryTopk, inventoryModule, "inventory_topk");
        inventoryScore.clear();
        for (int r : new int[] {1, 8, 32}) {
            CUfunction f = new CUfunction();
            JCudaDriver.cuModuleGetFunction(f, inventoryModule, "inventory_score_" + r);
            inventoryScore.put(r, f);
        }
        gather.clear();
        gatherIntoBf16.clear();
        for (EmbeddingStorage storage : EmbeddingStorage.values()) {
            CUfunction f = new CUfunction();
            JCudaDriver.cuModuleGetFunction(f, module, storage.gatherKernel());
            gather.put(storage, f);
            CUfunction intoBf16 = new CUfunction();
            JCudaDriver.cuModuleGetFunction(intoBf16, module, storage.gatherKernel() + "_into_bf16");
            gatherIntoBf16.put(storage, intoBf16);
        }
        JCudaDriver.cuModuleGetFunction(trap, module, "fault_trap");
        int[] optIn = new int[1];
        JCudaDriver.cuDeviceGetAttribute(
                optIn, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, device);
        maxSharedBytes = optIn[0];
        linear.clear();
        for (DcnPlan.LinearKernel kernel : DcnPlan.LinearKernel.values()) {
            if (kernel.sharedBytes > maxSharedBytes) {
                continue;
            }
            CUfunction f = new CUfunction();
            JCudaDriver.cuModuleGetFunction(f, module, kernel.function);
            // Past 48 KiB a block's dynamic shared memory must be allowed per function.
            JCudaDriver.cuFuncSetAttribute(
                    f, CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES, kernel.sharedBytes);
            linear.put(kernel, f);
        }
        JCudaDriver.cuModuleGetFunction(head, module, "head_sigmoid_calibrate");
        JCudaDriver.cuModuleGetFunction(headBf16, module, "head_sigmoid_calibrate_bf16");
    }

    /**
     * Whether the context still works: a sticky error (a kernel that crashed) fails every call, this synchronize
     * included, until the context is destroyed. On the owner thread.
     */
    boolean works() {
        try {
            JCudaDriver.cuCtxSynchronize();
            return true;
        } catch (CudaException e) {
            return false;
        }
    }

    /**
     * Destroys the context, and with it every allocation made in it, and creates a new one with the kernels loaded:
     * what CUDA asks for after a sticky error. On the owner thread; the caller allocates again what it needs.
     */
    void rebuild() {
        use.writeLock().lock();
        try {
            try {
                JCudaDriver.cuCtxDestroy(context);
            } catch (CudaException e) {
                // A context that saw a sticky error may refuse to go quietly; the new one does not depend on it.
            }
            generation++;
            create();
        } finally {
            use.writeLock().unlock();
        }
    }

    /** The shared side of {@link #use}: held around calls that a rebuild must not overlap. */
    Lock sharedUse() {
        return use.readLock();
    }

    /** The context's generation: see {@link #generation}. */
    int generation() {
        return generation;
    }

    /** A PTX resource's text, NUL-terminated as cuModuleLoadData requires. */
    private static byte[] ptx(String resource) {
        try (InputStream in = CudaContext.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + resource + " is missing from the classpath");
            }
            byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + resource, e);
        }
    }

    /**
     * Runs {@code task} on the owner thread, with the context current, and returns its result or rethrows its
     * exception.
     */
    <T> T call(Callable<T> task) {
        try {
            return owner.submit(task).get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error error) {
                throw error;
            }
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the CUDA owner thread", e);
        }
    }

    /** Makes the context current on the calling thread (a scheduler worker). */
    void makeCurrent() {
        JCudaDriver.cuCtxSetCurrent(context);
    }

    /** Unloads the kernels and destroys the context, then ends the owner thread. */
    @Override
    public void close() {
        try {
            call(() -> {
                JCudaDriver.cuModuleUnload(inventoryModule);
                JCudaDriver.cuModuleUnload(module);
                JCudaDriver.cuCtxDestroy(context);
                return null;
            });
        } finally {
            owner.shutdown();
            try {
                owner.awaitTermination(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
