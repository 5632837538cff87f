package adsml.scheduler;

import java.time.Duration;

/**
 * The job's batch failed because its model version is at fault (its scorer threw where another version scores fine on
 * the same device): the version is reported faulty, and the model registry rolls back from it, so a retry soon is
 * scored by the version before it.
 */
public final class VersionFaultException extends UnavailableException {
    /** @param cause the scorer's error (the scheduler logged it); never shown to a client */
    public VersionFaultException(String versionId, Throwable cause) {
        super(versionId + " failed to score a batch: the version is faulty", Duration.ofSeconds(1), cause);
    }
}
