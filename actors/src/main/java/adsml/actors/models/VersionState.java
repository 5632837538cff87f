package adsml.actors.models;

/**
 * Where a model version is in its life: LOADING (reading its files, loading it on every device), WARMING (scoring the
 * golden batch that validates it and warms the device path), READY, ACTIVE, DRAINING, UNLOADED, or FAILED with its
 * reason in {@link VersionInfo}. A DRAINING version takes no new requests but still has batches in flight; once the
 * last one is done its memory is freed and it is UNLOADED.
 */
public enum VersionState {
    LOADING,
    WARMING,
    READY,
    ACTIVE,
    DRAINING,
    UNLOADED,
    FAILED
}
