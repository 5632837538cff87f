package adsml.scheduler;

/** A job named a {@link LoadedVersion} that was already retired; the caller should use the serving version. */
public final class VersionRetiredException extends IllegalStateException {
    public VersionRetiredException(String versionId) {
        super("model version " + versionId + " is retired");
    }
}
