package adsml.scheduler;

import adsml.platform.model.Model;
import adsml.platform.scoring.Scorer;

/**
 * Somewhere batches are scored: a CPU worker pool or a GPU. The scheduler runs {@link #workers()} threads per device,
 * each scoring one batch at a time.
 *
 * <p>The caller owns a device and closes it after the scheduler and every version loaded on it.
 */
public interface Device extends AutoCloseable {

    /** A short name, unique among a scheduler's devices; it names the worker threads ({@code adsml-<name>-w0}). */
    String name();

    /** Batches the device scores at once (worker threads, or streams). */
    int workers();

    /** Bytes of model memory the device may hold; loaded versions count against it until their scorer is closed. */
    long memoryBudgetBytes();

    /**
     * Loads {@code model} and returns its scorer, which the device's {@link #workers()} threads may call at once.
     * Closing the scorer releases the version's memory.
     *
     * @throws DeviceMemoryException when the version does not fit what is left of the budget
     */
    Scorer load(Model model);

    /**
     * Whether the device can run {@code model}'s architecture; a version is loaded only on the devices that can (a GPU
     * runs DCN versions, the CPU runs every kind).
     */
    default boolean runs(Model model) {
        return true;
    }

    /**
     * Whether the scheduler sends this device only batches that another device failed, or work no other healthy device
     * can take: the CPU behind GPUs, so it takes over a failed GPU's batches without slowing the batches a GPU would
     * have scored.
     */
    default boolean fallbackOnly() {
        return false;
    }

    /**
     * The nice value (0 to 19) the device's scoring threads give themselves: above 0, they run below the threads that
     * answer HTTP, so that a refusal or a health probe under overload does not wait behind a batch for a core. Only
     * worth it where scoring is the CPU's own work; 0 leaves the threads as they are.
     */
    default int workerNice() {
        return 0;
    }

    /**
     * The largest difference from the plain-Java reference that this device's scores may show: a version whose golden
     * batch differs by more is refused. Reduced-precision backends say theirs.
     */
    default double referenceTolerance() {
        return 1e-4;
    }

    /**
     * Whether the device can take work at all. The scheduler quarantines a device whose batch failed and probes it
     * until it recovers; a device that answers false here takes no work until {@link #recover()} makes it healthy, so
     * say false for a state that a probe alone cannot heal (a CUDA context that saw a sticky error, a closed device).
     */
    boolean healthy();

    /**
     * Tries to make a device that is not {@link #healthy()} usable again; returns whether it is healthy now. The
     * scheduler calls it on one of the device's workers when the device's quarantine is up, and probes the device if it
     * returns true. A GPU rebuilds its CUDA context and uploads the versions loaded on it again; a device with nothing
     * to rebuild answers whether it is healthy.
     */
    default boolean recover() {
        return healthy();
    }

    @Override
    void close();
}
