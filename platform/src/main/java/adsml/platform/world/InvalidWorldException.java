package adsml.platform.world;

/**
 * A world folder whose content is missing or malformed. The message names the file, and where it applies the line
 * number (1-based, the header being line 1) and the field, e.g. {@code train.csv line 1203: field 'click': expected 0
 * or 1, got '7'}.
 */
public final class InvalidWorldException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidWorldException(String message) {
        super(message);
    }

    public InvalidWorldException(String message, Throwable cause) {
        super(message, cause);
    }
}
