package adsml.platform.counters;

/** The counter store could not answer (Redis down or too slow): the request is served with zero counters. */
public final class CounterStoreException extends RuntimeException {
    public CounterStoreException(String message, Throwable cause) {
        super(message, cause);
    }
}
