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
        int minInFlightRanks,
        int maxInFlightRanks,
        double rankLatencyTarget,
        Duration eventsTimeout,
        Duration maxEventAge,
        Duration adminTimeout,
        Duration modelLoadTimeout,
        ListenerLimits publicListener,
        ListenerLimits adminListener,
        int maxInFlightAdWrites) {

    /**
     * What one listener allows a connection.
     *
     * @param bodyTimeout from a request's headers to the last byte of its body: a slow sender is answered 408
     * @param requestTimeout from a request's headers to its answer: a route that never answers is cut off with a 503
     * @param idleTimeout a connection with nothing in flight for this long is closed
     * @param maxConnections connections accepted at once; more wait in the operating system's backlog
     */
    public record ListenerLimits(
            Duration bodyTimeout, Duration requestTimeout, Duration idleTimeout, int maxConnections) {}

    /**
     * Reads {@code adsml.http}; a rank request's slots are bounded by the auction's
     * {@code adsml.platform.auction.max-slots}, the key's one home.
     */
    public static HttpSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.http");
        Duration day = Duration.ofDays(1);
        int maxDeadlineMs = r.intIn("max-deadline-ms", 1, 600_000);
        int minInFlight = r.intIn("min-in-flight-ranks", 1, 1_000_000);
        int maxInFlight = r.intIn("max-in-flight-ranks", 1, 1_000_000);
        r.require(
                minInFlight <= maxInFlight,
                "min-in-flight-ranks",
                "must not exceed max-in-flight-ranks (" + maxInFlight + "), was " + minInFlight);
        Duration eventsTimeout = r.durationIn("events-timeout", Duration.ofMillis(1), day);
        Duration adminTimeout = r.durationIn("admin-timeout", Duration.ofMillis(1), day);
        Duration modelLoadTimeout = r.durationIn("model-load-timeout", Duration.ofMillis(1), day);
        ListenerLimits publicListener = listener(r, "public-listener");
        ListenerLimits adminListener = listener(r, "admin-listener");
        // A listener's request timeout must outlast the longest wait a route of it allows itself, or Pekko would answer
        // a plain-text 503 in the route's place.
        Duration longestPublicWait = max(Duration.ofMillis(maxDeadlineMs).plusSeconds(1), eventsTimeout);
        r.require(
                publicListener.requestTimeout().compareTo(longestPublicWait) > 0,
                "public-listener.request-timeout",
                "must be longer than max-deadline-ms + 1 s and events-timeout (" + longestPublicWait + "), was "
                        + publicListener.requestTimeout());
        Duration longestAdminWait = max(longestPublicWait, max(adminTimeout, modelLoadTimeout));
        r.require(
                adminListener.requestTimeout().compareTo(longestAdminWait) > 0,
                "admin-listener.request-timeout",
                "must be longer than the public listener's waits, admin-timeout and model-load-timeout ("
                        + longestAdminWait + "), was " + adminListener.requestTimeout());
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
                maxDeadlineMs,
                r.intIn("max-events-per-request", 1, 1_000_000),
                minInFlight,
                maxInFlight,
                r.doubleIn("rank-latency-target", 0.05, 1.0),
                eventsTimeout,
                r.durationIn("max-event-age", Duration.ofMinutes(1), Duration.ofDays(365)),
                adminTimeout,
                modelLoadTimeout,
                publicListener,
                adminListener,
                r.intIn("max-in-flight-ad-writes", 1, 10_000));
    }

    private static ListenerLimits listener(SettingsReader r, String name) {
        return new ListenerLimits(
                r.durationIn(name + ".body-timeout", Duration.ofMillis(100), Duration.ofDays(1)),
                r.durationIn(name + ".request-timeout", Duration.ofMillis(100), Duration.ofDays(1)),
                r.durationIn(name + ".idle-timeout", Duration.ofMillis(100), Duration.ofDays(1)),
                r.intIn(name + ".max-connections", 1, 1_000_000));
    }

    private static Duration max(Duration a, Duration b) {
        return a.compareTo(b) >= 0 ? a : b;
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
                minInFlightRanks,
                maxInFlightRanks,
                rankLatencyTarget,
                eventsTimeout,
                maxEventAge,
                adminTimeout,
                modelLoadTimeout,
                publicListener,
                adminListener,
                maxInFlightAdWrites);
    }
}
