package adsml.scheduler.gpu;

/**
 * A CUDA call failed on a device (a launch failure, an illegal address, out of memory while scoring): the device is
 * marked unhealthy and the scheduler retries the batch elsewhere.
 */
public final class GpuFailureException extends RuntimeException {
    public GpuFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
