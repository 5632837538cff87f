package adsml.scheduler;

/**
 * A device's own failure while scoring (a CUDA error, say), as opposed to one of the version it scored: the scheduler
 * quarantines the device and retries the batch elsewhere, whatever version the batch was of. Backends throw a subclass.
 */
public abstract class DeviceFaultException extends RuntimeException {
    protected DeviceFaultException(String message, Throwable cause) {
        super(message, cause);
    }
}
