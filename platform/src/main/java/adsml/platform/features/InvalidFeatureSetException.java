package adsml.platform.features;

/** A feature set's declaration is wrong: the message names the file, the feature and the key. */
public final class InvalidFeatureSetException extends RuntimeException {
    public InvalidFeatureSetException(String message) {
        super(message);
    }
}
