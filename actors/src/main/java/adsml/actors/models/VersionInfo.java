package adsml.actors.models;

import java.time.Instant;

/**
 * What the registry knows of one version, as the admin API shows it.
 *
 * @param detail the validation result once validated, the reason when FAILED, else empty
 */
public record VersionInfo(String name, String version, VersionState state, Instant since, String detail) {

    public String id() {
        return name + "/" + version;
    }

    VersionInfo to(VersionState newState, Instant at, String newDetail) {
        return new VersionInfo(name, version, newState, at, newDetail);
    }
}
