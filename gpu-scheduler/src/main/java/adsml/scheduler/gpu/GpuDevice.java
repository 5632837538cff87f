package adsml.scheduler.gpu;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.Architecture;
import adsml.platform.model.Model;
import adsml.platform.scoring.Scorer;
import adsml.scheduler.Device;
import adsml.scheduler.DeviceMemoryException;
import adsml.scheduler.MemoryBudget;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
import jcuda.CudaException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One NVIDIA GPU as a scheduler {@link Device}: a CUDA context owned by a pinned thread, DCN versions resident in
 * device memory (embedding tables included), and {@link GpuSettings#streams()} streams, one per scheduler worker.
 *
 * <p>Every loaded version reserves its weights and stream buffers against the device's {@link MemoryBudget}, so two
 * versions during a swap both count; a load that does not fit is refused with {@link DeviceMemoryException} before
 * anything is allocated.
 *
 * <p>A CUDA error while scoring is thrown as {@link GpuFailureException}, a device fault: the scheduler retries the
 * batch on another device (the CPU behind the GPU) and quarantines this one, which reports itself unhealthy until
 * {@link #recover()} has looked at its context. Some errors leave the context usable (a refused launch, an allocation
 * that does not fit); a crashed kernel (an illegal address, a trap) is sticky: every later call fails until the context
 * is destroyed. Recovery tells them apart by synchronizing the context: if that fails, it destroys the context, creates
 * another, and uploads every loaded version's weights and buffers again. Then the scheduler probes the device with a
 * version, and a passing probe puts it back in service, without a restart. CUDA's documentation calls a context after a
 * sticky error undefined and advises restarting the process; the probe, scores checked as probabilities, is what
 * decides, and a device that fails it stays quarantined, probed at the longest backoff, until the process restarts.
 * {@link #injectFault} makes the next batch fail either way, to show all of this on a real card.
 */
public final class GpuDevice implements Device {
    private static final Logger LOG = LoggerFactory.getLogger(GpuDevice.class);

    private final String name;
    private final CudaDevices.Info info;
    private final GpuSettings settings;
    private final MemoryBudget memory;
    private final CudaContext cuda;
    /**
     * The versions' scorers on this device, which a rebuilt context must allocate again; changed on the owner thread.
     */
    private final Set<GpuScorer> scorers = ConcurrentHashMap.newKeySet();

    private final AtomicReference<GpuFault> injected = new AtomicReference<>();
    /**
     * Set when a rebuild begins, cleared when every scorer is allocated again: a rebuild cut short leaves lanes whose
     * host buffers were freed with the old context, so only another rebuild may follow it. On the owner thread.
     */
    private boolean rebuilding;

    private final AtomicReference<Throwable> failure = new AtomicReference<>();
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

    /** The bound of the configured precision, plus what the embedding tables' storage may add. */
    @Override
    public double referenceTolerance() {
        return settings.precision().tolerance() + settings.embeddings().bound();
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
        requireUsable();
        DcnPlan plan = DcnPlan.of(model.spec(), settings.maxBatchRows(), settings.embeddings(), settings.precision());
        // A kernel this device cannot run refuses the version now, not each batch.
        for (DcnPlan.Step step : plan.steps()) {
            DcnPlan.grid(step, plan.maxRows(), plan.precision(), cuda.maxSharedBytes);
        }
        Model.Dcn dcn = (Model.Dcn) model;
        String id = model.spec().name() + "/" + model.spec().version();
        MemoryBudget.Reservation reservation = memory.reserve(id, plan.deviceBytes(settings.streams()));
        try {
            return MemoryBudget.accounted(
                    GpuScorer.create(this, cuda, plan, dcn.weights(), settings.streams()), reservation);
        } catch (CudaException e) {
            reservation.close();
            // Out of memory at load leaves the context usable; anything else is treated as a broken device.
            if (e.getMessage() == null || !e.getMessage().contains("OUT_OF_MEMORY")) {
                failure.set(e);
            }
            throw new GpuFailureException(name + ": loading " + id + " failed: " + e.getMessage(), e);
        } catch (RuntimeException | Error e) {
            reservation.close();
            throw e;
        }
    }

    /** Refuses a closed device, or one whose last CUDA error it has not recovered from. */
    private void requireUsable() {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        Throwable failed = failure.get();
        if (failed != null) {
            throw new GpuFailureException(
                    name + " is unhealthy since an earlier CUDA error: " + failed.getMessage(), failed);
        }
    }

    /**
     * Opens an inventory of {@code capacity} ads of dimension {@code dim} on this GPU (see {@link GpuInventoryScan}),
     * its memory reserved against the device's budget until it is closed.
     *
     * @throws DeviceMemoryException when it does not fit what is left of the budget
     * @throws GpuFailureException when CUDA refuses the allocation
     */
    public GpuInventoryScan openInventory(int dim, int capacity) {
        requireUsable();
        MemoryBudget.Reservation reservation = memory.reserve(
                "inventory of " + capacity + " ads", GpuInventoryScan.deviceBytes(Math.max(dim, 1), capacity));
        try {
            return GpuInventoryScan.create(this, cuda, dim, capacity, reservation);
        } catch (CudaException e) {
            reservation.close();
            throw new GpuFailureException(name + ": allocating an inventory failed: " + e.getMessage(), e);
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
        failure.set(cause);
        return new GpuFailureException(
                name + " (" + info.name() + "): " + what + " failed: " + cause.getMessage()
                        + "; the device is quarantined until it recovers",
                cause);
    }

    /** Called on the owner thread when a scorer has allocated its memory, and when it has freed it. */
    void allocated(GpuScorer scorer) {
        scorers.add(scorer);
    }

    void freed(GpuScorer scorer) {
        scorers.remove(scorer);
    }

    /**
     * Makes the next batch scored on this device fail with {@code fault}, once: for fault drills on a real card (see
     * {@link GpuFault}). The batch is retried elsewhere, as a real fault's would be.
     */
    public void injectFault(GpuFault fault) {
        injected.set(Objects.requireNonNull(fault, "fault"));
    }

    /** The injected fault the next batch must fail with, taken once; null when none is armed. */
    GpuFault takeInjectedFault() {
        return injected.getAndSet(null);
    }

    @Override
    public boolean healthy() {
        return !closed && failure.get() == null;
    }

    /**
     * After a CUDA error: keeps the context if it still works, else destroys it, creates another and allocates every
     * loaded version again (weights uploaded from the host's copy, lanes and their graphs anew). Runs on the owner
     * thread. Every scorer's lanes are taken back first (waiting for the batches on them, which fail fast on a broken
     * context), so no lane is in use while the context goes; then all of them forget their handles before any is
     * allocated again, so that a rebuild cut short leaves no lane holding memory of the old context.
     */
    @Override
    public synchronized boolean recover() {
        Throwable cause = failure.get();
        if (closed || cause == null) {
            return !closed;
        }
        boolean rebuilt;
        try {
            rebuilt = cuda.call(() -> {
                if (!rebuilding && cuda.works()) {
                    return false;
                }
                List<GpuScorer> all = List.copyOf(scorers);
                List<Runnable> giveBack = new ArrayList<>();
                try {
                    for (GpuScorer scorer : all) {
                        giveBack.add(scorer.takeLanes());
                    }
                    rebuilding = true;
                    cuda.rebuild();
                    all.forEach(GpuScorer::forget);
                    all.forEach(GpuScorer::allocate);
                    rebuilding = false;
                } finally {
                    giveBack.forEach(Runnable::run);
                }
                return true;
            });
        } catch (RuntimeException e) {
            LOG.warn(
                    "{} did not recover from '{}': {}; it stays quarantined (a restart of the process clears it)",
                    name,
                    cause.getMessage(),
                    e.toString());
            return false;
        }
        // Only the failure recovered from: one recorded meanwhile stands, and the probe sees it.
        failure.compareAndSet(cause, null);
        LOG.info(
                "{} recovered from '{}': {}",
                name,
                cause.getMessage(),
                rebuilt
                        ? "context rebuilt, " + scorers.size() + " versions uploaded again"
                        : "its context still works");
        return true;
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
            if (failure.get() == null) {
                throw new GpuFailureException(name + ": destroying the context failed: " + e.getMessage(), e);
            }
        }
    }

    @Override
    public String toString() {
        return "GpuDevice[" + name + ", " + info.name() + ", " + settings.streams() + " streams, "
                + settings.precision() + ", " + settings.embeddings() + " embeddings, "
                + MemoryBudget.format(usedBytes()) + " of " + MemoryBudget.format(memoryBudgetBytes()) + " used"
                + (failure.get() == null ? "" : ", unhealthy: " + failure.get().getMessage()) + "]";
    }
}
