package adsml.actors.ranking;

import adsml.scheduler.UnavailableException;
import java.time.Duration;

/** No model version is active yet: the service is up but cannot rank. */
public final class NoActiveModelException extends UnavailableException {
    public NoActiveModelException() {
        super("no model version is active", Duration.ofSeconds(5));
    }
}
