package adsml.e2e;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/** What the tests of several nodes in one JVM share: ports, a node's settings, and waiting for the cluster. */
final class ClusterFixture {
    private ClusterFixture() {}

    /** A loopback port nothing listens on, below Linux's ephemeral range (which outbound connections take from). */
    static int freePort() throws IOException {
        while (true) {
            int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // the next one
            }
        }
    }

    /** A node of a cluster on {@code port}, joining through the node on {@code seedPort}. */
    static Map<String, Object> node(int port, int seedPort) throws IOException {
        Map<String, Object> settings = new HashMap<>();
        settings.put("adsml.cluster.enabled", true);
        settings.put("pekko.remote.artery.canonical.port", port);
        settings.put("pekko.cluster.seed-nodes", List.of("pekko://adsml@127.0.0.1:" + seedPort));
        settings.put("pekko.management.http.port", freePort());
        return settings;
    }

    interface Check {
        boolean holds() throws Exception;
    }

    /** Polls {@code check} every 10 ms until it holds, failing naming {@code what} after {@code withinMs}. */
    static void awaitTrue(Check check, long withinMs, String what) throws Exception {
        long giveUp = System.currentTimeMillis() + withinMs;
        while (!check.holds()) {
            assertFalse(System.currentTimeMillis() > giveUp, what + ": not within " + withinMs + " ms");
            Thread.sleep(10);
        }
    }
}
