package adsml.http;

import adsml.platform.auction.AuctionSettings;
import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;
import java.time.Duration;

/** {@code adsml.http}, read once and checked: a bad value fails start-up with the key's name. */
public record HttpSettings(
        String host,
        int port,
        String adminHost,
        int adminPort,
        String rankToken,
        String ingestToken,
        String adminToken,
        long maxBodyBytes,
        int maxSlots,
        int maxDeadlineMs,
        int maxEventsPerRequest,
        int maxInFlightRanks,
        Duration eventsTimeout,
        Duration adminTimeout,
        Duration modelLoadTimeout) {

    /**
     * Reads {@code adsml.http}; a rank request's slots are bounded by the auction's
     * {@code adsml.platform.auction.max-slots}, the key's one home.
     */
    public static HttpSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.http");
        Duration day = Duration.ofDays(1);
        return new HttpSettings(
                r.nonEmptyString("host"),
                r.intIn("port", 0, 65535),
                r.nonEmptyString("admin-host"),
                r.intIn("admin-port", 0, 65535),
                r.string("rank-token"),
                r.string("ingest-token"),
                r.string("admin-token"),
                r.bytesIn("max-body-bytes", 1024, 1L << 30),
                AuctionSettings.from(root).maxSlots(),
                r.intIn("max-deadline-ms", 1, 600_000),
                r.intIn("max-events-per-request", 1, 1_000_000),
                r.intIn("max-in-flight-ranks", 1, 1_000_000),
                r.durationIn("events-timeout", Duration.ofMillis(1), day),
                r.durationIn("admin-timeout", Duration.ofMillis(1), day),
                r.durationIn("model-load-timeout", Duration.ofMillis(1), day));
    }

    public RankRequest.Limits rankLimits() {
        return new RankRequest.Limits(maxSlots, maxDeadlineMs);
    }

    /** These settings with the ingest and admin tokens the server runs with (generated where none was set). */
    public HttpSettings withTokens(String ingest, String admin) {
        return new HttpSettings(
                host,
                port,
                adminHost,
                adminPort,
                rankToken,
                ingest,
                admin,
                maxBodyBytes,
                maxSlots,
                maxDeadlineMs,
                maxEventsPerRequest,
                maxInFlightRanks,
                eventsTimeout,
                adminTimeout,
                modelLoadTimeout);
    }
}
