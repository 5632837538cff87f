package adsml.scheduler.gpu;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
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
    private static final String PTX = "/adsml/scheduler/gpu/dcn.ptx";

    private final ExecutorService owner;
    private final CUcontext context = new CUcontext();
    private final CUmodule module = new CUmodule();
    final CUfunction gather = new CUfunction();
    final Map<DcnPlan.LinearKernel, CUfunction> linear = new EnumMap<>(DcnPlan.LinearKernel.class);
    /** Shared memory a block may opt in to on this device; DcnPlan leaves out the kernels that need more. */
    int maxSharedBytes;

    final CUfunction head = new CUfunction();

    private CudaContext(String threadName) {
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
        CudaContext c = new CudaContext(threadName);
        try {
            c.call(() -> {
                CUdevice device = new CUdevice();
                JCudaDriver.cuDeviceGet(device, ordinal);
                JCudaDriver.cuCtxCreate(c.context, 0, device);
                JCudaDriver.cuModuleLoadData(c.module, ptx());
                JCudaDriver.cuModuleGetFunction(c.gather, c.module, "gather_concat");
                int[] optIn = new int[1];
                JCudaDriver.cuDeviceGetAttribute(
                        optIn, CUdevice_attribute.CU_DEVICE_ATTRIBUTE_MAX_SHARED_MEMORY_PER_BLOCK_OPTIN, device);
                c.maxSharedBytes = optIn[0];
                for (DcnPlan.LinearKernel kernel : DcnPlan.LinearKernel.values()) {
                    if (kernel.sharedBytes > c.maxSharedBytes) {
                        continue;
                    }
                    CUfunction f = new CUfunction();
                    JCudaDriver.cuModuleGetFunction(f, c.module, kernel.function);
                    // Past 48 KiB a block's dynamic shared memory must be allowed per function.
                    JCudaDriver.cuFuncSetAttribute(
                            f,
                            CUfunction_attribute.CU_FUNC_ATTRIBUTE_MAX_DYNAMIC_SHARED_SIZE_BYTES,
                            kernel.sharedBytes);
                    c.linear.put(kernel, f);
                }
                JCudaDriver.cuModuleGetFunction(c.head, c.module, "head_sigmoid_calibrate");
                return null;
            });
        } catch (RuntimeException e) {
            c.owner.shutdownNow();
            throw e;
        }
        return c;
    }

    /** The PTX text, NUL-terminated as cuModuleLoadData requires. */
    private static byte[] ptx() {
        try (InputStream in = CudaContext.class.getResourceAsStream(PTX)) {
            if (in == null) {
                throw new IllegalStateException("PTX resource " + PTX + " is missing from the classpath");
            }
            byte[] text = in.readAllBytes();
            return Arrays.copyOf(text, text.length + 1);
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + PTX, e);
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
