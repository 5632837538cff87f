package adsml.scheduler.gpu;

/**
 * A fault that {@link GpuDevice#injectFault} makes the device's next batch fail with, to show what serving does when a
 * GPU fails: the batch is retried on the CPU, the device is quarantined, and it returns after a passing probe.
 */
public enum GpuFault {
    /**
     * A launch the driver refuses (a block of 2,048 threads, twice the limit): {@code CUDA_ERROR_INVALID_VALUE}, which
     * leaves the context usable, as a launch out of resources or an allocation that does not fit does.
     */
    LAUNCH,
    /**
     * A kernel that traps ({@code dcn.cu}'s {@code fault_trap}), as one that read an illegal address would:
     * {@code CUDA_ERROR_LAUNCH_FAILED}, sticky, so the context must be destroyed and every version's memory rebuilt.
     */
    TRAP
}
