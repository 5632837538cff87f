package adsml.http;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/** {@code adsml.http}, read once and checked: a bad value fails start-up with the key's name. */
public record HttpSettings(String host, int port, String adminHost, int adminPort, String adminToken,
                           long maxBodyBytes, int maxSlots, int maxDeadlineMs, int maxEventsPerRequest, int maxInFlightRanks,
                           Duration eventsTimeout, Duration adminTimeout, Duration modelLoadTimeout) {

    public static HttpSettings from(Config root) {
        Config c = root.getConfig("adsml.http");
        HttpSettings s = new HttpSettings(c.getString("host"), c.getInt("port"), c.getString("admin-host"),
                c.getInt("admin-port"), c.getString("admin-token"), c.getBytes("max-body-bytes"), c.getInt("max-slots"),
                c.getInt("max-deadline-ms"), c.getInt("max-events-per-request"), c.getInt("max-in-flight-ranks"),
                c.getDuration("events-timeout"), c.getDuration("admin-timeout"), c.getDuration("model-load-timeout"));
        require(s.port >= 0 && s.port <= 65535, "adsml.http.port", "must be a port number, was " + s.port);
        require(s.adminPort >= 0 && s.adminPort <= 65535, "adsml.http.admin-port", "must be a port number, was " + s.adminPort);
        require(s.maxBodyBytes >= 1024, "adsml.http.max-body-bytes", "must be at least 1 KiB, was " + s.maxBodyBytes);
        require(s.maxSlots >= 1, "adsml.http.max-slots", "must be >= 1, was " + s.maxSlots);
        require(s.maxDeadlineMs >= 1, "adsml.http.max-deadline-ms", "must be >= 1, was " + s.maxDeadlineMs);
        for (String key : new String[] {"events-timeout", "admin-timeout", "model-load-timeout"}) {
            require(!c.getDuration(key).isNegative() && !c.getDuration(key).isZero(), "adsml.http." + key, "must be positive");
        }
        require(s.maxInFlightRanks >= 1, "adsml.http.max-in-flight-ranks", "must be >= 1, was " + s.maxInFlightRanks);
        require(s.maxEventsPerRequest >= 1, "adsml.http.max-events-per-request", "must be >= 1, was " + s.maxEventsPerRequest);
        return s;
    }

    public RankRequest.Limits rankLimits() {
        return new RankRequest.Limits(maxSlots, maxDeadlineMs);
    }

    public HttpSettings withAdminToken(String token) {
        return new HttpSettings(host, port, adminHost, adminPort, token, maxBodyBytes, maxSlots, maxDeadlineMs,
                maxEventsPerRequest, maxInFlightRanks, eventsTimeout, adminTimeout, modelLoadTimeout);
    }

    static void require(boolean ok, String key, String problem) {
        if (!ok) {
            throw new ConfigException.BadValue(key, problem);
        }
    }
}
