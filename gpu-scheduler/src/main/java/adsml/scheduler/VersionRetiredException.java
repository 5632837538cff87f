package adsml.scheduler;

import java.time.Duration;

/**
 * A job named a {@link LoadedVersion} that was retired meanwhile (a swap happened between reading the active version
 * and submitting): the next request is scored by the serving version.
 */
public final class VersionRetiredException extends UnavailableException {
    public VersionRetiredException(String versionId) {
        super("model version " + versionId + " is retired", Duration.ofSeconds(1));
    }
}
