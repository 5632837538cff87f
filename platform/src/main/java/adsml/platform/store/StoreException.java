package adsml.platform.store;

/**
 * A {@link UserStore} could not read or write: the storage engine failed, or (as {@link CorruptRecordException}) a
 * stored record could not be decoded. Unchecked: a caller on the request path treats it like a missing user or fails
 * the request; it cannot repair the store.
 */
public class StoreException extends RuntimeException {
    public StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    public StoreException(String message) {
        super(message);
    }
}
