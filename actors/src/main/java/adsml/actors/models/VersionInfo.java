package adsml.actors.models;

import java.time.Instant;

/**
 * What the registry knows of one version, as the admin API shows it.
 *
 * @param since when it entered {@code state}
 * @param detail the validation result once validated, the reason when FAILED, else empty
 * @param loadedAt when it finished loading and validating (became READY); null before that, and when it failed
 */
public record VersionInfo(
        String name, String version, VersionState state, Instant since, String detail, Instant loadedAt) {

    public String id() {
        return name + "/" + version;
    }

    VersionInfo to(VersionState newState, Instant at, String newDetail) {
        return new VersionInfo(name, version, newState, at, newDetail, loadedAt);
    }

    VersionInfo loaded(Instant at, String validation) {
        return new VersionInfo(name, version, VersionState.READY, at, validation, at);
    }
}
