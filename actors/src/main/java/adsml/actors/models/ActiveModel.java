package adsml.actors.models;

import adsml.scheduler.LoadedVersion;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The version live traffic is scored by. Every request reads it once, without a message to the registry; only the
 * registry changes it, so a swap is one atomic write and each request (and so each batch it joins) sees exactly one
 * version.
 */
public final class ActiveModel {
    private final AtomicReference<LoadedVersion> active = new AtomicReference<>();

    public Optional<LoadedVersion> current() {
        return Optional.ofNullable(active.get());
    }

    void set(LoadedVersion version) {
        active.set(version);
    }
}
