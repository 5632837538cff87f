package adsml.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ActorSettingsTest {
    private static Config with(Map<String, Object> values) {
        return ConfigFactory.parseMap(values).withFallback(ConfigFactory.defaultReference());
    }

    @Test
    void stagePoolSize_zeroMeansOnePerCore_elseAsConfigured() {
        assertEquals(
                16,
                ActorSettings.from(with(Map.of("adsml.actors.stage-pool-size", 0)), 16)
                        .stagePoolSize());
        assertEquals(
                3,
                ActorSettings.from(with(Map.of("adsml.actors.stage-pool-size", 3)), 16)
                        .stagePoolSize());
        assertEquals(
                1000, ActorSettings.from(ConfigFactory.defaultReference(), 2).maxCandidates());
    }

    @Test
    void outOfRangeValues_failNamingTheKey() {
        ConfigException e = assertThrows(
                ConfigException.class, () -> ActorSettings.from(with(Map.of("adsml.actors.stage-pool-size", -1)), 16));
        assertTrue(e.getMessage().contains("adsml.actors.stage-pool-size"), e.getMessage());
        e = assertThrows(
                ConfigException.class, () -> ActorSettings.from(with(Map.of("adsml.actors.max-candidates", 0)), 2));
        assertTrue(e.getMessage().contains("adsml.actors.max-candidates"), e.getMessage());
    }
}
