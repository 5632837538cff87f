package adsml.actors.models;

/**
 * Why the registry refused an admin request, typed so that the edge can tell the caller's mistake (a bad name: 400; no
 * such version: 404) from a state that forbids it (not loaded, failed validation: 409).
 */
public final class RegistryRefusal extends RuntimeException {

    public enum Kind {
        BAD_NAME,
        /** An argument out of its bounds (a canary's share). */
        BAD_REQUEST,
        NOT_FOUND,
        CONFLICT
    }

    private final Kind kind;

    public RegistryRefusal(Kind kind, String reason) {
        super(reason, null, false, false);
        this.kind = kind;
    }

    public Kind kind() {
        return kind;
    }
}
