package adsml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The server's settings of Pekko itself reach the configuration the server loads, not Pekko's defaults. This runs on
 * the class path; in the shaded jar they hold because application.conf is the jar's only one (a reference.conf there
 * loses to Pekko's, appended after it).
 */
class ServerConfigTest {
    private final Config config = ConfigFactory.load();

    @Test
    void pekkoSettingsOfTheServerOverridePekkosDefaults() {
        assertEquals(List.of("org.apache.pekko.event.slf4j.Slf4jLogger"), config.getStringList("pekko.loggers"));
        assertEquals("off", config.getString("pekko.log-dead-letters"));
        assertEquals(1, config.getInt("pekko.actor.default-dispatcher.fork-join-executor.parallelism-min"));
        assertEquals(0.5, config.getDouble("pekko.actor.default-dispatcher.fork-join-executor.parallelism-factor"));
        assertEquals("pekko.actor.default-dispatcher", config.getString("pekko.io.tcp.worker-dispatcher"));
    }
}
