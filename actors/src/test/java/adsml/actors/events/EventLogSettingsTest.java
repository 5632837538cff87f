package adsml.actors.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class EventLogSettingsTest {
    private static Config with(Map<String, Object> values) {
        return ConfigFactory.parseMap(values).withFallback(ConfigFactory.defaultReference());
    }

    @Test
    void defaults_areTheDocumentedOnes() {
        EventLogSettings s = EventLogSettings.from(ConfigFactory.defaultReference());
        assertEquals(32L << 20, s.segmentBytes());
        assertEquals(16, s.retentionSegments());
        assertEquals(256L << 20, s.retentionBytes());
        assertEquals(Duration.ofSeconds(1), s.retryInterval());
        assertEquals(64, s.maxInFlightBatches());
    }

    @Test
    void outOfRangeValues_failNamingTheKey() {
        for (Map.Entry<String, Object> bad : Map.<String, Object>of(
                        "adsml.actors.event-log.segment-bytes", "1k",
                        "adsml.actors.event-log.retention-bytes", "16m",
                        "adsml.actors.event-log.retention-segments", 0,
                        "adsml.actors.event-log.retry-interval", "1ms",
                        "adsml.actors.event-log.max-in-flight-batches", 0)
                .entrySet()) {
            ConfigException e = assertThrows(
                    ConfigException.class,
                    () -> EventLogSettings.from(with(Map.of(bad.getKey(), bad.getValue()))),
                    bad.toString());
            assertTrue(e.getMessage().contains(bad.getKey()), e.getMessage());
        }
    }
}
