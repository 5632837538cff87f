package adsml.actors.models;

import java.time.Instant;

/**
 * What the registry knows of one version, as the admin API shows it.
 *
 * @param since when it entered {@code state}
 * @param detail what last happened to it: its validation when it became READY, then the canary, shadow, activation or
 *     rollback that changed its role (and what that ended), or the reason it FAILED
 * @param loadedAt when it finished loading and validating (became READY); null before that, and when it failed
 * @param validation its validation against the reference, kept through every later state; null until validated
 */
public record VersionInfo(
        String name,
        String version,
        VersionState state,
        Instant since,
        String detail,
        Instant loadedAt,
        String validation) {

    public String id() {
        return name + "/" + version;
    }

    VersionInfo to(VersionState newState, Instant at, String newDetail) {
        return new VersionInfo(name, version, newState, at, newDetail, loadedAt, validation);
    }

    VersionInfo loaded(Instant at, String validation) {
        return new VersionInfo(name, version, VersionState.READY, at, validation, at, validation);
    }
}
