package adsml.scheduler;

import java.time.Duration;

/**
 * Nothing could score the job: every device that holds its version is unhealthy, or the batch failed on each of them in
 * turn.
 */
public final class NoHealthyDeviceException extends UnavailableException {
    /**
     * @param untilProbe how long until a quarantined device holding the version is probed, and may take work again
     * @param lastError the last device's failure (the scheduler logged it), when the batch was tried; null when no
     *     device was healthy
     */
    public NoHealthyDeviceException(String versionId, Duration untilProbe, Throwable lastError) {
        super("no healthy device can score " + versionId, untilProbe, lastError);
    }
}
