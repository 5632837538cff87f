package adsml.scheduler;

/**
 * The scheduler's only source of time, in nanoseconds on an arbitrary, monotonic origin (as {@link System#nanoTime()}).
 * Deadlines passed to the scheduler are on the same origin. Tests move a fake ticker instead of sleeping.
 */
@FunctionalInterface
public interface Ticker {
    Ticker SYSTEM = System::nanoTime;

    long nanos();
}
