package adsml.load;

import java.net.URI;

/** Not one request could be sent: nothing listens at the URL, or its host does not resolve. */
public final class TargetUnreachableException extends Exception {
    private final URI target;

    TargetUnreachableException(URI target, String reason, Throwable cause) {
        super("nothing answers at " + target + " (" + reason + ")", cause);
        this.target = target;
    }

    public URI target() {
        return target;
    }
}
