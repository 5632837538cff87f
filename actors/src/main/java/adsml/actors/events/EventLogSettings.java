package adsml.actors.events;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;
import java.time.Duration;

/**
 * {@code adsml.actors.event-log}: how the event log rotates, how much of it is kept, how soon it tries again after a
 * failure, and how many batches may wait for it.
 *
 * @param segmentBytes the active segment is sealed once a force leaves it at least this long
 * @param retentionSegments sealed segments kept at most; the oldest go first
 * @param retentionBytes all segments together kept at most (the active one is never deleted)
 * @param retryInterval how long after a failure the log tries to reopen and write again
 * @param maxInFlightBatches {@code POST /v1/events} batches admitted and not yet answered by the log; more get a fast
 *     503. It bounds the log's mailbox too: nothing else sends it appends.
 */
public record EventLogSettings(
        long segmentBytes, int retentionSegments, long retentionBytes, Duration retryInterval, int maxInFlightBatches) {

    public static EventLogSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.actors.event-log");
        long segment = r.bytesIn("segment-bytes", 4096, 1L << 40);
        long retention = r.bytesIn("retention-bytes", 4096, 1L << 50);
        r.require(
                retention >= segment,
                "retention-bytes",
                "must be at least segment-bytes (" + segment + "), was " + retention);
        return new EventLogSettings(
                segment,
                r.intIn("retention-segments", 1, 100_000),
                retention,
                r.durationIn("retry-interval", Duration.ofMillis(10), Duration.ofMinutes(10)),
                r.intIn("max-in-flight-batches", 1, 100_000));
    }
}
