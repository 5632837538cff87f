package adsml.e2e;

import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three adsml nodes of one Pekko cluster in this JVM, each with its own data folder: the members, ad writes, budgets
 * and rollouts across them, and a node that leaves and one that joins late and catches up. The kill of a node's process
 * under load is {@link ClusterDemoTest}'s.
 */
class ClusterTest {
    @TempDir
    Path dir;

    private final List<AdsmlServer> servers = new ArrayList<>();
    private final List<Integer> ports = new ArrayList<>();

    @AfterEach
    void stop() {
        for (AdsmlServer s : servers) {
            s.close();
        }
    }

    @Test
    void threeNodes_shareMembersAdsBudgetsAndRollouts() throws Exception {
        for (int i = 0; i < 3; i++) {
            Path data = dir.resolve("node-" + i);
            ServingFixture.writeWorldAndFirstVersion(data);
            ports.add(ClusterFixture.freePort());
        }
        for (int i = 0; i < 3; i++) {
            servers.add(node(i));
        }
        List<ServingFixture.Client> nodes = servers.stream()
                .map(s -> new ServingFixture.Client(s.started()))
                .toList();

        // A node joins rollouts once it serves; the receptionist's listing reaches the others by gossip, and the
        // leader moves a member from Joining to Up a gossip round later, not always before the listing arrives.
        ClusterFixture.awaitTrue(
                () -> {
                    JsonNode seen = nodes.get(0).adminGet("/admin/api/cluster").json();
                    return seen.path("nodes").size() == 3
                            && count(
                                            seen.path("members"),
                                            m -> m.path("status").asText().equals("Up"))
                                    == 3;
                },
                10_000,
                "every node Up and its agent listed");
        JsonNode cluster = nodes.get(0).adminGet("/admin/api/cluster").json();
        assertTrue(cluster.path("enabled").asBoolean());
        assertEquals(
                3, count(cluster.path("members"), m -> m.path("status").asText().equals("Up")), cluster::toString);
        assertEquals(3, cluster.path("nodes").size(), cluster::toString);
        for (JsonNode n : cluster.path("nodes")) {
            assertEquals("ctr/1", n.path("activeVersion").asText(), cluster::toString);
        }

        // An ad write through one node is read on the others within a second.
        JsonNode ad = nodes.get(0).get("/v1/ads/3").json();
        int category = (ad.path("category").asInt() + 1) % 50;
        String body = "{\"campaignId\":" + ad.path("campaignId").asInt() + ",\"category\":" + category
                + ",\"creativeType\":\"" + ad.path("creativeType").asText() + "\",\"embedding\":"
                + ad.path("embedding") + ",\"paused\":true}";
        assertEquals(200, nodes.get(1).put("/v1/ads/3", body).status());
        for (ServingFixture.Client node : nodes) {
            ClusterFixture.awaitTrue(
                    () -> {
                        JsonNode read = node.get("/v1/ads/3").json();
                        return read.path("category").asInt() == category
                                && read.path("paused").asBoolean();
                    },
                    1_000,
                    "ad 3's write on every node");
        }

        // Spend charged on one node counts on every node: a campaign spent out there is out of budget everywhere.
        JsonNode campaign = nodes.get(0).get("/v1/ads/5").json().path("campaign");
        double budget = campaign.path("dailyBudget").asDouble();
        String events = "{\"events\":[{\"type\":\"impression\",\"eventId\":\"e1\",\"requestId\":\"r1\","
                + "\"userId\":\"u1\",\"adId\":5,\"timestampMs\":" + System.currentTimeMillis() + ",\"cost\":" + budget
                + "}]}";
        assertEquals(200, nodes.get(2).post("/v1/events", events).status());
        for (ServingFixture.Client node : nodes) {
            ClusterFixture.awaitTrue(
                    () -> node.get("/v1/ads/5")
                            .json()
                            .path("campaign")
                            .path("outOfBudget")
                            .asBoolean(),
                    2_000,
                    "campaign of ad 5 out of budget on every node");
            assertEquals(
                    budget,
                    node.get("/v1/ads/5")
                            .json()
                            .path("campaign")
                            .path("spentToday")
                            .asDouble(),
                    1e-6);
        }

        // Events taken by one node count in every node's counters: an ad shown to a user as often as the cap allows on
        // node 2 is capped for that user on node 0.
        JsonNode before = nodes.get(0).explain(rankBody("u11", 3, 500, true)).json();
        int shown = before.path("ads").path(0).path("adId").asInt();
        // The topic reaches a node once the receptionist's gossip has told the others of it: right after the nodes
        // start, a batch may go before that (at most once), so the impressions are sent again until counted.
        int[] sent = {0};
        ClusterFixture.awaitTrue(
                () -> {
                    StringBuilder impressions = new StringBuilder("{\"events\":[");
                    for (int i = 0; i < 2; i++, sent[0]++) {
                        impressions
                                .append(i == 0 ? "" : ",")
                                .append("{\"type\":\"impression\",\"eventId\":\"cap")
                                .append(sent[0])
                                .append("\",\"requestId\":\"rcap")
                                .append(sent[0])
                                .append("\",\"userId\":\"u11\",\"adId\":")
                                .append(shown)
                                .append(",\"timestampMs\":")
                                .append(System.currentTimeMillis())
                                .append(",\"cost\":0}");
                    }
                    assertEquals(
                            200,
                            nodes.get(2).post("/v1/events", impressions + "]}").status());
                    long until = System.currentTimeMillis() + 500;
                    while (System.currentTimeMillis() < until) {
                        for (JsonNode c : nodes.get(0)
                                .explain(rankBody("u11", 3, 500, true))
                                .json()
                                .path("debug")) {
                            if (c.path("adId").asInt() == shown
                                    && c.path("outcome").asText().equals("FREQUENCY_CAPPED")) {
                                return true;
                            }
                        }
                        Thread.sleep(20);
                    }
                    return false;
                },
                8_000,
                "ad " + shown + " capped for u11 on node 0 by impressions taken by node 2");

        // A rollout to a version one node cannot load switches no node, and says which node and why.
        ServingFixture.writeVersion(dir.resolve("node-0"), 2L);
        ServingFixture.writeVersion(dir.resolve("node-1"), 2L);
        ServingFixture.Response refused = nodes.get(1).adminPost("/admin/api/models/ctr/2/activate");
        assertEquals(409, refused.status(), refused::toString);
        assertTrue(refused.json().path("error").asText().contains("127.0.0.1:" + ports.get(2)), refused::toString);
        for (ServingFixture.Client node : nodes) {
            assertEquals(
                    "ctr/1",
                    node.adminGet("/admin/api/models").json().path("active").asText());
        }
        // With the version on every node, it is loaded everywhere and then switched everywhere.
        ServingFixture.writeVersion(dir.resolve("node-2"), 2L);
        ServingFixture.Response rolled = nodes.get(1).adminPost("/admin/api/models/ctr/2/activate");
        assertEquals(200, rolled.status(), rolled::toString);
        assertEquals(6, rolled.json().path("cluster").path("steps").size(), rolled::toString);
        for (ServingFixture.Client node : nodes) {
            assertEquals(
                    "ctr/2",
                    node.adminGet("/admin/api/models").json().path("active").asText());
            assertEquals(
                    "ctr/2",
                    node.rank(rankBody("u7", 3, 500, false))
                            .json()
                            .path("modelVersion")
                            .asText());
        }

        // A canary splits the users the same way on every node: each user sees one version.
        ServingFixture.writeVersion(dir.resolve("node-0"), 3L);
        ServingFixture.writeVersion(dir.resolve("node-1"), 3L);
        ServingFixture.writeVersion(dir.resolve("node-2"), 3L);
        assertEquals(
                200,
                nodes.get(0)
                        .adminPost("/admin/api/models/ctr/3/canary?share=0.5")
                        .status());
        for (int u = 0; u < 20; u++) {
            String first = nodes.get(0)
                    .rank(rankBody("u" + u, 3, 500, false))
                    .json()
                    .path("modelVersion")
                    .asText();
            for (ServingFixture.Client node : nodes) {
                assertEquals(
                        first,
                        node.rank(rankBody("u" + u, 3, 500, false))
                                .json()
                                .path("modelVersion")
                                .asText(),
                        "user u" + u);
            }
        }
        assertEquals(200, nodes.get(2).adminDelete("/admin/api/models/canary").status());

        // A rollback is cluster-wide too.
        ServingFixture.Response back = nodes.get(2).adminPost("/admin/api/models/rollback");
        assertEquals(200, back.status(), back::toString);
        for (ServingFixture.Client node : nodes) {
            assertEquals(
                    "ctr/1",
                    node.adminGet("/admin/api/models").json().path("active").asText());
        }
        assertEquals(
                "ctr/1",
                nodes.get(0)
                        .adminGet("/admin/api/cluster")
                        .json()
                        .path("servedVersion")
                        .asText());

        // A node that leaves is no member; one that joins later serves the cluster's version (not its folder's newest),
        // and has the ad writes and the spend it missed.
        servers.remove(2).close();
        ClusterFixture.awaitTrue(
                () -> nodes.get(0)
                                .adminGet("/admin/api/cluster")
                                .json()
                                .path("members")
                                .size()
                        == 2,
                15_000,
                "node 2 gone from the members");
        Path late = dir.resolve("node-3");
        ServingFixture.writeWorldAndFirstVersion(late);
        ServingFixture.writeVersion(late, 2L);
        ports.add(ClusterFixture.freePort());
        AdsmlServer joined = node(3);
        servers.add(joined);
        ServingFixture.Client lateNode = new ServingFixture.Client(joined.started());
        assertEquals(
                "ctr/1",
                lateNode.adminGet("/admin/api/models").json().path("active").asText());
        ClusterFixture.awaitTrue(
                () -> lateNode.get("/v1/ads/3").json().path("category").asInt() == category,
                5_000,
                "the late node applied the ad write it missed");
        ClusterFixture.awaitTrue(
                () -> lateNode.get("/v1/ads/5")
                        .json()
                        .path("campaign")
                        .path("outOfBudget")
                        .asBoolean(),
                5_000,
                "the late node counts the spend it missed");
    }

    /** Node {@code i}: its data folder, its remoting port, node 0 as the seed. */
    private AdsmlServer node(int i) throws Exception {
        return ServingFixture.start(dir.resolve("node-" + i), ClusterFixture.node(ports.get(i), ports.get(0)));
    }

    private static int count(JsonNode array, Predicate<JsonNode> test) {
        int n = 0;
        for (JsonNode e : array) {
            n += test.test(e) ? 1 : 0;
        }
        return n;
    }
}
