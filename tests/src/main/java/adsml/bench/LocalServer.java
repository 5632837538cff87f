package adsml.bench;

import adsml.server.AdsmlServer;
import com.typesafe.config.ConfigFactory;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * A server started in this process, as the serving benchmark and the end-to-end tests run one: both listeners on free
 * loopback ports, so that runs side by side never fight over a port and nothing outside the machine can reach it.
 */
public final class LocalServer {
    private LocalServer() {}

    /**
     * Starts a server on {@code data}: the listeners on port 0 of 127.0.0.1, then {@code overrides}, over the
     * configuration the server loads.
     */
    public static AdsmlServer start(Path data, Map<String, Object> overrides) throws Exception {
        Map<String, Object> settings = new HashMap<>();
        settings.put("adsml.http.port", 0);
        settings.put("adsml.http.admin-port", 0);
        settings.put("adsml.http.host", "127.0.0.1");
        settings.putAll(overrides);
        return AdsmlServer.start(data, ConfigFactory.parseMap(settings).withFallback(ConfigFactory.load()));
    }
}
