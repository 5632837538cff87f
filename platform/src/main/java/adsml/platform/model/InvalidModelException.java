package adsml.platform.model;

/**
 * Thrown when a model artifact (a safetensors file, a calibration in model.json, ...) is malformed or does not match
 * what the caller requires.
 *
 * <p>Contract: the message always names the artifact (file name or a caller-supplied location) and the field or tensor
 * at fault, so it can be shown to an operator as is; the cause, when present, is the low-level exception (I/O, JSON
 * parse) that revealed the problem.
 */
public final class InvalidModelException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** @param message names the artifact and the field at fault */
    public InvalidModelException(String message) {
        super(message);
    }

    /**
     * @param message names the artifact and the field at fault
     * @param cause the low-level exception that revealed the problem
     */
    public InvalidModelException(String message, Throwable cause) {
        super(message, cause);
    }
}
