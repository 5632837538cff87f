package adsml.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.ServingFixture.Client;
import adsml.server.AdsmlServer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A start that fails after it opened the user store, the devices and the index closes them again: the same process (a
 * test, a node of the cluster demo) can start a server on the same folder at once, where RocksDB refused its lock.
 */
class FailedStartTest {
    @TempDir
    Path data;

    @Test
    void aStartThatFailsLate_releasesWhatItOpened() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        // Read after the user store, the devices, the scan index (its batcher thread) and the scheduler are open.
        Files.createDirectories(data.resolve("features"));
        Files.writeString(data.resolve("features/broken.conf"), "name = broken\nsparse = [ {name = x\n");
        Exception refused = assertThrows(
                Exception.class, () -> ServingFixture.start(data, Map.of("adsml.platform.index.kind", "scan")));
        assertTrue(refused.getMessage().contains("broken.conf"), refused.toString());
        assertFalse(
                Thread.getAllStackTraces().keySet().stream()
                        .anyMatch(t -> t.isAlive() && t.getName().equals("adsml-inventory-scan")),
                "the scan's batcher thread is stopped");
        Files.delete(data.resolve("features/broken.conf"));
        try (AdsmlServer server = ServingFixture.start(data, Map.of())) {
            Client client = new Client(server.started());
            assertEquals(
                    200,
                    client.rank(ServingFixture.rankBody("u3", 3, 200, false)).status());
        }
    }
}
