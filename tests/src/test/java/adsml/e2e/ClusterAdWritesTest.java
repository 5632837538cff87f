package adsml.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;

import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Ad writes at volume across two nodes in this JVM: every ad of the world rewritten through one node is read on the
 * other, however many writes the replicated state holds (their size once passed Pekko's frame, and writes stopped
 * reaching the other node).
 */
class ClusterAdWritesTest {
    @TempDir
    Path dir;

    private final List<AdsmlServer> servers = new ArrayList<>();

    @AfterEach
    void stop() {
        for (AdsmlServer s : servers) {
            s.close();
        }
    }

    @Test
    void everyAdRewrittenThroughOneNode_isReadOnTheOther() throws Exception {
        int seed = ClusterFixture.freePort();
        int other = ClusterFixture.freePort();
        for (int i = 0; i < 2; i++) {
            ServingFixture.writeWorldAndFirstVersion(dir.resolve("node-" + i));
        }
        servers.add(ServingFixture.start(dir.resolve("node-0"), ClusterFixture.node(seed, seed)));
        servers.add(ServingFixture.start(dir.resolve("node-1"), ClusterFixture.node(other, seed)));
        ServingFixture.Client writer = new ServingFixture.Client(servers.get(0).started());
        ServingFixture.Client reader = new ServingFixture.Client(servers.get(1).started());

        int ads = ServingFixture.ADS;
        int[] category = new int[ads];
        for (int id = 0; id < ads; id++) {
            JsonNode ad = writer.get("/v1/ads/" + id).json();
            category[id] = (ad.path("category").asInt() + 1) % 50;
            String body = "{\"campaignId\":" + ad.path("campaignId").asInt() + ",\"category\":" + category[id]
                    + ",\"creativeType\":\"" + ad.path("creativeType").asText() + "\",\"embedding\":"
                    + ad.path("embedding") + ",\"paused\":false}";
            ServingFixture.Response put = writer.put("/v1/ads/" + id, body);
            assertEquals(200, put.status(), put::toString);
        }
        int last = ads - 1;
        ClusterFixture.awaitTrue(
                () -> reader.get("/v1/ads/" + last).json().path("category").asInt() == category[last],
                10_000,
                "the last of " + ads + " writes read on the other node");
        for (int id = 0; id < ads; id += 97) {
            assertEquals(
                    category[id],
                    reader.get("/v1/ads/" + id).json().path("category").asInt(),
                    "ad " + id);
        }
    }
}
