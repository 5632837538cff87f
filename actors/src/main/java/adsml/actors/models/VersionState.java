package adsml.actors.models;

/**
 * Where a model version is in its life; FAILED carries its reason in {@link VersionInfo}. An
 * UNLOADED version takes no new requests; its memory is freed after its last in-flight batch.
 */
public enum VersionState {
    LOADING, READY, ACTIVE, UNLOADED, FAILED
}
