package adsml.platform.counters;

import java.io.IOException;

/** A counter snapshot that cannot be restored: not one, another format version, truncated, or corrupt. */
public final class InvalidSnapshotException extends IOException {
    public InvalidSnapshotException(String message) {
        super(message);
    }
}
