package adsml.actors;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class ServingGuardianTest {
    @Test
    void stagePoolSize_zeroMeansOnePerCore_elseAsConfigured() {
        assertEquals(16, ServingGuardian.stagePoolSize(0, 16));
        assertEquals(2, ServingGuardian.stagePoolSize(0, 2));
        assertEquals(3, ServingGuardian.stagePoolSize(3, 16));
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> ServingGuardian.stagePoolSize(-1, 16));
        assertTrue(e.getMessage().contains("stage-pool-size"), e.getMessage());
    }
}
