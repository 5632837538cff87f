package adsml.platform.testing;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;

/**
 * A clock that tests move by hand: the one fake of time for every module's tests. Code that reads monotonic nanoseconds
 * instead (the scheduler's {@code Ticker}) takes {@code clock::nanos}, which moves with the clock.
 */
public final class FakeClock extends Clock {
    private volatile Instant now;
    private final ZoneId zone;

    public FakeClock(Instant start) {
        this(start, ZoneOffset.UTC);
    }

    public FakeClock(Instant start, ZoneId zone) {
        this.now = start;
        this.zone = zone;
    }

    public void advance(Duration d) {
        now = now.plus(d);
    }

    /** The clock's instant in nanoseconds since the epoch. */
    public long nanos() {
        Instant at = now;
        return Math.addExact(Math.multiplyExact(at.getEpochSecond(), 1_000_000_000L), at.getNano());
    }

    @Override
    public ZoneId getZone() {
        return zone;
    }

    @Override
    public Clock withZone(ZoneId z) {
        return new FakeClock(now, z);
    }

    @Override
    public Instant instant() {
        return now;
    }
}
