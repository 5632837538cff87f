package adsml.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

class FaultSettingsTest {
    @Test
    void from_readsTheDocumentedDefaults() {
        assertEquals(FaultSettings.defaults(), FaultSettings.from(ConfigFactory.load()));
    }

    @Test
    void from_refusesAMaxBackoffBelowTheInitial_namingTheKey() {
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> FaultSettings.from(ConfigFactory.parseString("adsml.scheduler.quarantine.max-backoff-ms = 10")
                        .withFallback(ConfigFactory.load())));
        assertTrue(e.getMessage().contains("adsml.scheduler.quarantine.max-backoff-ms"), e.getMessage());
    }
}
