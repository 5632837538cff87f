package adsml.e2e;

import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.WebElement;

/**
 * Three nodes in this JVM serving the flat layout: each node's IVF holds a third of the ads (by id modulo 3), and a
 * request to any node is answered from all three partitions; with one node gone, the others answer from theirs.
 */
class ClusterFlatTest {
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
    void everyNodeAnswersFromEveryPartition_andFromTheLiveOnesWhenOneIsGone() throws Exception {
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < 3; i++) {
            ServingFixture.writeWorldAndFirstVersion(dir.resolve("node-" + i));
            ports.add(ClusterFixture.freePort());
        }
        for (int i = 0; i < 3; i++) {
            Map<String, Object> settings = ClusterFixture.node(ports.get(i), ports.get(0));
            settings.put("adsml.cluster.partition", i + "/3");
            settings.put("adsml.platform.index.kind", "ivf");
            // Generous for a test on a shared machine: the layout's cost is measured by cluster-demo, not here.
            settings.put("adsml.cluster.scatter-timeout", "2s");
            servers.add(ServingFixture.start(dir.resolve("node-" + i), settings));
        }
        List<ServingFixture.Client> nodes = servers.stream()
                .map(s -> new ServingFixture.Client(s.started()))
                .toList();
        for (ServingFixture.Client node : nodes) {
            ClusterFixture.awaitTrue(
                    () -> layout(node).path("partitionsFound").asInt() == 3, 10_000, "every partition found");
        }

        // Retrievals before the other partitions were found (the warm-up's) went without them.
        List<Integer> partialBefore = new ArrayList<>();
        for (ServingFixture.Client node : nodes) {
            partialBefore.add(layout(node).path("partial").asInt());
        }
        for (ServingFixture.Client node : nodes) {
            Set<Integer> partitions = new HashSet<>();
            for (int u = 0; u < 20; u++) {
                partitions.addAll(candidatePartitions(node, "u" + u));
            }
            assertEquals(Set.of(0, 1, 2), partitions, "candidates from every partition");
        }
        for (int i = 0; i < nodes.size(); i++) {
            JsonNode layout = layout(nodes.get(i));
            assertEquals(partialBefore.get(i), layout.path("partial").asInt(), layout::toString);
        }

        if (HeadlessChromium.installed()) { // .ci/run installs it; the API above is the contract either way
            pageShowsTheLayout(servers.get(0));
        }

        // Node 2 leaves: its partition is missing from the others' answers, which still come.
        servers.remove(2).close();
        ClusterFixture.awaitTrue(
                () -> layout(nodes.get(0)).path("partitionsFound").asInt() == 2,
                20_000,
                "node 2's partition gone from node 0's listing");
        for (int u = 0; u < 20; u++) {
            Set<Integer> partitions = candidatePartitions(nodes.get(0), "u" + u);
            assertTrue(Set.of(0, 1).containsAll(partitions), () -> "partitions " + partitions);
        }
        JsonNode layout = layout(nodes.get(0));
        assertTrue(layout.path("partial").asInt() >= partialBefore.get(0) + 20, layout::toString);
    }

    /** The admin UI's Cluster page of {@code server} says which partition it holds and that it finds all three. */
    private static void pageShowsTheLayout(AdsmlServer server) throws Exception {
        String admin = "http://127.0.0.1:" + server.started().admin().getPort();
        try (HeadlessChromium browser = HeadlessChromium.start(1280, 800)) {
            browser.open(admin + "/admin/cluster");
            WebElement token = browser.await("input[name=token]");
            token.sendKeys(ServingFixture.ADMIN_TOKEN);
            browser.find("[data-action=sign-in]").click();
            String text = browser.await("[data-testid=layout]").getText();
            assertTrue(text.contains("partition 0 of 3") && text.contains("finds 3"), text);
        }
    }

    private static JsonNode layout(ServingFixture.Client node) {
        return node.adminGet("/admin/api/cluster").json().path("layout");
    }

    /** The partitions (ad id modulo 3) of the candidates a node scored for {@code user}. */
    private static Set<Integer> candidatePartitions(ServingFixture.Client node, String user) {
        ServingFixture.Response r = node.explain(rankBody(user, 3, 2_000, true));
        assertEquals(200, r.status(), r::toString);
        Set<Integer> partitions = new HashSet<>();
        for (JsonNode c : r.json().path("debug")) {
            partitions.add(c.path("adId").asInt() % 3);
        }
        return partitions;
    }
}
