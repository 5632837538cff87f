package adsml.scheduler.gpu;

import adsml.scheduler.DeviceFaultException;

/**
 * A CUDA call failed on a device (a launch failure, an illegal address, out of memory while scoring): the device's
 * fault, never the version's. The device is marked unhealthy and the scheduler retries the batch elsewhere.
 */
public final class GpuFailureException extends DeviceFaultException {
    public GpuFailureException(String message, Throwable cause) {
        super(message, cause);
    }
}
