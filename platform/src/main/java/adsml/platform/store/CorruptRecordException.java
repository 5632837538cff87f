package adsml.platform.store;

/** A stored user record could not be decoded; the message names the user id. */
public final class CorruptRecordException extends StoreException {
    private final int userId;

    public CorruptRecordException(int userId, String reason, Throwable cause) {
        super("user " + userId + ": corrupt record: " + reason, cause);
        this.userId = userId;
    }

    /** The id of the user whose record is corrupt. */
    public int userId() {
        return userId;
    }
}
