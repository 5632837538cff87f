package adsml.simulate;

import java.time.Clock;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.concurrent.atomic.AtomicLong;

/** A UTC clock that stands still until the simulation moves it, and only ever forward. */
final class SimClock extends Clock {
    private final AtomicLong millis;

    SimClock(long startMillis) {
        this.millis = new AtomicLong(startMillis);
    }

    /** Moves the clock to {@code epochMillis}, unless it is there or later already. */
    void advanceTo(long epochMillis) {
        millis.accumulateAndGet(epochMillis, Math::max);
    }

    @Override
    public long millis() {
        return millis.get();
    }

    @Override
    public Instant instant() {
        return Instant.ofEpochMilli(millis.get());
    }

    @Override
    public ZoneId getZone() {
        return ZoneOffset.UTC;
    }

    @Override
    public Clock withZone(ZoneId zone) {
        if (!ZoneOffset.UTC.equals(zone)) {
            throw new UnsupportedOperationException("the simulation's clock runs in UTC only");
        }
        return this;
    }
}
