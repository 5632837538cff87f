package adsml.platform.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.auction.AuctionSettings;
import adsml.platform.store.UserStoreSettings;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SettingsReaderTest {
    private static Config config(String hocon) {
        return ConfigFactory.parseString(hocon).withFallback(ConfigFactory.defaultReference());
    }

    @Test
    void valuesWithinBounds_areRead() {
        SettingsReader r = SettingsReader.of(config("t { n = 5, d = 2s, x = 0.5, b = 1k, s = \" Auto \" }"), "t");
        assertEquals(5, r.intIn("n", 1, 10));
        assertEquals(Duration.ofSeconds(2), r.durationIn("d", Duration.ZERO, Duration.ofMinutes(1)));
        assertEquals(0.5, r.doubleIn("x", 0, 1));
        assertEquals(1024, r.bytesIn("b", 1, 1 << 20));
        assertEquals("auto", r.parsed("s", s -> s));
    }

    @Test
    void outOfBoundsOrUnparsable_failNamingTheFullKey() {
        SettingsReader r = SettingsReader.of(config("t { n = 11, x = NaN, s = fast }"), "t");
        ConfigException e = assertThrows(ConfigException.BadValue.class, () -> r.intIn("n", 1, 10));
        assertTrue(e.getMessage().contains("t.n") && e.getMessage().contains("was 11"), e.getMessage());
        e = assertThrows(ConfigException.class, () -> r.doubleIn("x", 0, 1));
        assertTrue(e.getMessage().contains("t.x"), e.getMessage());
        e = assertThrows(
                ConfigException.BadValue.class,
                () -> r.parsed("s", s -> {
                    throw new IllegalArgumentException("unknown speed '" + s + "'");
                }));
        assertTrue(e.getMessage().contains("t.s") && e.getMessage().contains("unknown speed 'fast'"), e.getMessage());
        e = assertThrows(ConfigException.BadValue.class, () -> r.oneOf("s", java.time.DayOfWeek.class));
        assertTrue(
                e.getMessage().contains("t.s") && e.getMessage().contains("unknown value 'fast' (known: monday,"),
                e.getMessage());
    }

    @Test
    void oneOf_readsAnEnumConstantInAnyCase() {
        SettingsReader r = SettingsReader.of(config("t { d = \" Friday \" }"), "t");
        assertEquals(java.time.DayOfWeek.FRIDAY, r.oneOf("d", java.time.DayOfWeek.class));
    }

    @Test
    void platformSections_haveValidDefaultsAndBoundedKeys() {
        AuctionSettings auction = AuctionSettings.from(ConfigFactory.defaultReference());
        assertEquals(20, auction.maxSlots());
        assertEquals(
                100_000,
                UserStoreSettings.from(ConfigFactory.defaultReference()).cacheSize());
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> AuctionSettings.from(ConfigFactory.parseMap(Map.of("adsml.platform.auction.max-slots", 0))
                        .withFallback(ConfigFactory.defaultReference())));
        assertTrue(e.getMessage().contains("adsml.platform.auction.max-slots"), e.getMessage());
    }

    @Test
    void unknownAdsmlKey_isRefusedByName_otherRootsAreNotOurs() {
        SettingsReader.requireKnownKeys(config("adsml.platform.auction.max-slots = 3\nsomething.else = 1"));
        ConfigException e = assertThrows(
                ConfigException.class,
                () -> SettingsReader.requireKnownKeys(config("adsml.platform.auction.max-slot = 3")));
        assertTrue(e.getMessage().contains("adsml.platform.auction.max-slot"), e.getMessage());
    }

    /** A misspelt -D key is part of the default reference (Typesafe Config lays system properties over it). */
    @Test
    void unknownAdsmlKey_givenAsASystemProperty_isRefusedToo() {
        String key = "adsml.scheduler.gpu.embedings";
        System.setProperty(key, "int8");
        ConfigFactory.invalidateCaches();
        try {
            Config root = ConfigFactory.load();
            ConfigException e = assertThrows(ConfigException.class, () -> SettingsReader.requireKnownKeys(root));
            assertTrue(e.getMessage().contains(key), e.getMessage());
        } finally {
            System.clearProperty(key);
            ConfigFactory.invalidateCaches();
        }
    }
}
