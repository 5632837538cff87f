package adsml.scheduler.gpu;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.Architecture;
import adsml.platform.model.Model;
import adsml.platform.scoring.Scorer;
import adsml.scheduler.Device;
import adsml.scheduler.DeviceMemoryException;
import adsml.scheduler.MemoryBudget;
import java.util.Objects;
import jcuda.CudaException;

/**
 * One NVIDIA GPU as a scheduler {@link Device}: a CUDA context owned by a pinned thread, DCN versions resident in
 * device memory (embedding tables included), and {@link GpuSettings#streams()} streams, one per scheduler worker.
 *
 * <p>Every loaded version reserves its weights and stream buffers against the device's {@link MemoryBudget}, so two
 * versions during a swap both count; a load that does not fit is refused with {@link DeviceMemoryException} before
 * anything is allocated. A CUDA error while scoring is thrown as {@link GpuFailureException}, a device fault, and marks
 * the device unhealthy for good: a context that saw a launch failure or an illegal address is unusable (CUDA's errors
 * are sticky), so {@link #healthy()} stays false, the scheduler never probes the device, and its batches move to
 * another device (the CPU behind it) until the server restarts. Unlike the CPU, whose quarantine ends when a probe
 * passes.
 */
public final class GpuDevice implements Device {
    private final String name;
    private final CudaDevices.Info info;
    private final GpuSettings settings;
    private final MemoryBudget memory;
    private final CudaContext cuda;
    private volatile Throwable failure;
    private volatile boolean closed;

    private GpuDevice(CudaDevices.Info info, GpuSettings settings, CudaContext cuda) {
        this.name = "gpu" + info.ordinal();
        this.info = info;
        this.settings = settings;
        this.memory = new MemoryBudget(name, settings.budgetFor(info.totalBytes()));
        this.cuda = cuda;
    }

    /**
     * Opens {@code info}'s device: creates its context and loads the kernels.
     *
     * @throws GpuFailureException when the context or the kernels cannot be created
     */
    public static GpuDevice open(CudaDevices.Info info, GpuSettings settings) {
        Objects.requireNonNull(settings, "settings");
        try {
            return new GpuDevice(
                    info, settings, CudaContext.open(info.ordinal(), "adsml-gpu" + info.ordinal() + "-ctx"));
        } catch (CudaException e) {
            throw new GpuFailureException(
                    "gpu" + info.ordinal() + " (" + info.name() + "): cannot create a context and load "
                            + "the kernels: " + e.getMessage(),
                    e);
        }
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public int workers() {
        return settings.streams();
    }

    @Override
    public long memoryBudgetBytes() {
        return memory.budgetBytes();
    }

    public long usedBytes() {
        return memory.usedBytes();
    }

    /** The bound of the configured precision (fp32 or TF32). */
    @Override
    public double referenceTolerance() {
        return settings.precision().tolerance();
    }

    /** DCN versions only: LR and TorchScript versions stay on the CPU. */
    @Override
    public boolean runs(Model model) {
        return model.spec().architecture() == Architecture.DCN;
    }

    /**
     * @throws DeviceMemoryException when the version's weights and stream buffers do not fit the budget
     * @throws IllegalArgumentException when the version is not a DCN, or its shape exceeds the kernels' limits
     * @throws GpuFailureException when CUDA refuses the allocation or the upload
     */
    @Override
    public Scorer load(Model model) {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        if (failure != null) {
            throw new GpuFailureException(
                    name + " is unhealthy since an earlier CUDA error: " + failure.getMessage(), failure);
        }
        DcnPlan plan = DcnPlan.of(model.spec(), settings.maxBatchRows());
        Model.Dcn dcn = (Model.Dcn) model;
        String id = model.spec().name() + "/" + model.spec().version();
        MemoryBudget.Reservation reservation = memory.reserve(id, plan.deviceBytes(settings.streams()));
        try {
            return MemoryBudget.accounted(
                    GpuScorer.create(this, cuda, plan, dcn.weights(), settings.precision(), settings.streams()),
                    reservation);
        } catch (CudaException e) {
            reservation.close();
            // Out of memory at load leaves the context usable; anything else is treated as a broken device.
            if (e.getMessage() == null || !e.getMessage().contains("OUT_OF_MEMORY")) {
                failure = e;
            }
            throw new GpuFailureException(name + ": loading " + id + " failed: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            reservation.close();
            throw e;
        }
    }

    /**
     * Milliseconds per forward pass of {@code batch} on a loaded GPU version's scorer, inputs already on the device
     * (CUDA events; no copies): the kernels' own time, for benchmarks.
     *
     * @throws IllegalArgumentException when {@code scorer} is not a GPU scorer of this device
     */
    public double kernelMillis(Scorer scorer, FeatureBatch batch, int warmup, int repeats) {
        Scorer inner = MemoryBudget.unwrap(scorer);
        if (!(inner instanceof GpuScorer gpu)) {
            throw new IllegalArgumentException("not a GPU scorer: " + scorer);
        }
        return gpu.kernelMillis(batch, warmup, repeats);
    }

    /** Marks the device unhealthy with {@code cause} and returns the exception that the scorer throws. */
    GpuFailureException failed(String what, CudaException cause) {
        failure = cause;
        return new GpuFailureException(
                name + " (" + info.name() + "): " + what + " failed: " + cause.getMessage()
                        + "; the device is marked unhealthy",
                cause);
    }

    @Override
    public boolean healthy() {
        return !closed && failure == null;
    }

    /** Destroys the context; close the versions loaded on it first. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            cuda.close();
        } catch (CudaException e) {
            if (failure == null) {
                throw new GpuFailureException(name + ": destroying the context failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "GpuDevice[" + name + ", " + info.name() + ", " + settings.streams() + " streams, "
                + settings.precision() + ", "
                + MemoryBudget.format(usedBytes()) + " of " + MemoryBudget.format(memoryBudgetBytes()) + " used"
                + (failure == null ? "" : ", unhealthy: " + failure.getMessage()) + "]";
    }
}
