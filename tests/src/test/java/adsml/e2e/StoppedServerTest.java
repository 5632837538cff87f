package adsml.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import adsml.server.AdsmlServer;
import java.lang.ref.WeakReference;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A stopped server leaves nothing of itself reachable: a process that starts servers one after another (this suite, a
 * node restarted in place) holds the memory of the one running, not of every one before it. A GC listener that held the
 * metrics registry, and through it the scheduler and every model version, once ran this suite out of its 4 GiB.
 */
class StoppedServerTest {
    @TempDir
    Path data;

    @Test
    void aServerThatServedAndStopped_isCollected() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        List<WeakReference<Object>> stopped = startServeAndStop();
        for (int i = 0; i < 50 && stopped.stream().anyMatch(r -> r.get() != null); i++) {
            System.gc();
            Thread.sleep(100);
        }
        for (WeakReference<Object> part : stopped) {
            assertNull(part.get(), "still reachable from a stopped server: take a heap dump and follow its GC root");
        }
    }

    /**
     * The server, and its budgets: what its actors hold (the leak ran from the metrics through the scheduler's versions
     * to the actor system, which does not hold the server object itself).
     */
    private List<WeakReference<Object>> startServeAndStop() throws Exception {
        AdsmlServer server = ServingFixture.start(data, Map.of());
        ServingFixture.Client client = new ServingFixture.Client(server.started());
        assertEquals(
                200, client.rank(ServingFixture.rankBody("u3", 3, 200, false)).status());
        assertEquals(200, client.get("/metrics").status());
        server.close();
        return List.of(
                new WeakReference<>(server),
                new WeakReference<>(server.marketplace().budget()));
    }
}
