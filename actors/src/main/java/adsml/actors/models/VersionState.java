package adsml.actors.models;

/**
 * Where a model version is in its life; FAILED carries its reason in {@link VersionInfo}. A
 * DRAINING version takes no new requests but still has batches in flight; once the last one is
 * done its memory is freed and it is UNLOADED.
 */
public enum VersionState {
    LOADING, READY, ACTIVE, DRAINING, UNLOADED, FAILED
}
