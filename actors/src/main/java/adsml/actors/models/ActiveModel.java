package adsml.actors.models;

import adsml.scheduler.LoadedVersion;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The version live traffic is scored by, and the canary beside it. Every request reads it once, without a message to
 * the registry; only the registry changes it, so a swap is one atomic write and each request (and so each batch it
 * joins) sees exactly one version.
 *
 * <p>A canary takes a {@code share} of the users: those whose id hashes below it, so that a user sees one version for
 * as long as the canary runs, and the rest of the traffic is a control group of the same hours.
 *
 * <p>A shadow version scores every request's rows again after the live scores are back, as shadow work: its scores are
 * only compared with the live ones, never shown.
 */
public final class ActiveModel {
    /** A version serving a share of the users beside the active one. */
    public record Canary(LoadedVersion version, double share) {}

    private final AtomicReference<LoadedVersion> active = new AtomicReference<>();
    private final AtomicReference<Canary> canary = new AtomicReference<>();
    private final AtomicReference<LoadedVersion> shadow = new AtomicReference<>();

    public Optional<LoadedVersion> current() {
        return Optional.ofNullable(active.get());
    }

    public Optional<Canary> canary() {
        return Optional.ofNullable(canary.get());
    }

    /** The version that scores every request again beside the live one, its scores only compared; empty if none. */
    public Optional<LoadedVersion> shadow() {
        return Optional.ofNullable(shadow.get());
    }

    /** The version that scores the user whose id hashes to {@code userHash}: the canary's share, or the active one. */
    public Optional<LoadedVersion> forUser(long userHash) {
        Canary c = canary.get();
        if (c != null && inShare(userHash, c.share())) {
            return Optional.of(c.version());
        }
        return current();
    }

    /** Whether the user hashing to {@code userHash} falls within {@code share} of the users. */
    static boolean inShare(long userHash, double share) {
        // The hash's top 53 bits as a uniform number in [0, 1): its low bits key the counters too.
        return (userHash >>> 11) * 0x1.0p-53 < share;
    }

    void set(LoadedVersion version) {
        active.set(version);
    }

    void setCanary(Canary c) {
        canary.set(c);
    }

    void setShadow(LoadedVersion version) {
        shadow.set(version);
    }
}
