package adsml.platform.world;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class WorldConfigTest {
    @Test
    void defaults_haveDocumentedSizes() {
        WorldConfig c = WorldConfig.defaults(3);
        assertEquals(100_000, c.ads());
        assertEquals(50_000, c.users());
        assertEquals(5_000_000, c.trainImpressions());
        assertEquals(200_000, c.heldoutImpressions());
        assertEquals(5_000, c.advertisers());
        assertEquals(20_000, c.campaigns());
    }

    @Test
    void derivedCounts_atLeastOne() {
        WorldConfig c = new WorldConfig(1, 3, 1, 0, 0);
        assertEquals(1, c.advertisers());
        assertEquals(1, c.campaigns());
    }

    @Test
    void construct_messageNamesTheField() {
        assertEquals(
                "ads must be >= 1, was 0",
                assertThrows(IllegalArgumentException.class, () -> new WorldConfig(1, 0, 1, 0, 0))
                        .getMessage());
        assertEquals(
                "users must be >= 1, was -2",
                assertThrows(IllegalArgumentException.class, () -> new WorldConfig(1, 1, -2, 0, 0))
                        .getMessage());
        assertEquals(
                "trainImpressions must be >= 0, was -1",
                assertThrows(IllegalArgumentException.class, () -> new WorldConfig(1, 1, 1, -1, 0))
                        .getMessage());
    }
}
