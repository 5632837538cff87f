package adsml.actors.ranking;

/** No model version is active yet: the service is up but cannot rank (the edge answers 503). */
public final class NoActiveModelException extends RuntimeException {
    public NoActiveModelException() {
        super("no model version is active");
    }
}
