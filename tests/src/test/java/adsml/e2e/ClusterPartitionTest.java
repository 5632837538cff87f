package adsml.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.actors.cluster.ClusterNode;
import adsml.platform.index.BudgetTracker;
import adsml.server.AdsmlServer;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.pekko.actor.Address;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.remote.RARP;
import org.apache.pekko.remote.RARP$;
import org.apache.pekko.remote.transport.ThrottlerTransportAdapter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import scala.concurrent.Await;

/**
 * A network partition between three nodes of one cluster in this JVM, made with Pekko's test transport (every message
 * between node 2 and the others dropped, both ways): node 2, on the minority side, renews no budget lease and spends no
 * more than the cap it held; the majority keeps counting that cap, so the two sides together stay within the budget;
 * the split brain resolver downs node 2.
 */
class ClusterPartitionTest {
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
    void aPartition_keepsBothSidesWithinTheBudget_andTheMajorityStays() throws Exception {
        List<Integer> ports = List.of(ClusterFixture.freePort(), ClusterFixture.freePort(), ClusterFixture.freePort());
        for (int i = 0; i < 3; i++) {
            Path data = dir.resolve("node-" + i);
            ServingFixture.writeWorldAndFirstVersion(data);
            Map<String, Object> settings = new HashMap<>(ClusterFixture.node(ports.get(i), ports.get(0)));
            settings.put("pekko.remote.artery.advanced.test-mode", true); // for the blackhole below
            servers.add(ServingFixture.start(data, settings));
        }
        ServingFixture.Client client = new ServingFixture.Client(servers.get(0).started());
        int campaign = client.get("/v1/ads/5").json().path("campaignId").asInt();
        long budget = servers.get(0).marketplace().budget().view().dailyBudgetMicros(campaign);
        ClusterFixture.awaitTrue(() -> capOf(2, campaign) > 0 && capOf(0, campaign) > 0, 5_000, "leases on every node");

        ClusterNode cut = servers.get(2).cluster().orElseThrow();
        for (int i = 0; i < 2; i++) {
            Address other = Cluster.get(servers.get(i).cluster().orElseThrow().system())
                    .selfMember()
                    .address();
            blackhole(cut, other);
        }
        ClusterFixture.awaitTrue(
                () -> cut.members().stream().filter(m -> !m.self()).noneMatch(ClusterNode.MemberView::reachable),
                15_000,
                "node 2 sees the others unreachable");
        long held = capOf(2, campaign);
        // Node 2 is charged up to its cap while cut off: it stays at that cap, renewing nothing.
        servers.get(2).marketplace().budget().charge(campaign, held / 1e6);
        Thread.sleep(1_000); // ten sync intervals
        BudgetTracker.DayView cutView = servers.get(2).marketplace().budget().view();
        assertEquals(held, cutView.capMicros(campaign), "the minority renewed its lease");
        assertTrue(cutView.exhausted(campaign), "node 2 spent its cap and may spend no more");
        // The majority counts node 2's cap: the caps of all three never pass the budget.
        long majority = capOf(0, campaign) + capOf(1, campaign);
        assertTrue(majority + held <= budget, "caps " + majority + " + " + held + " past the budget " + budget);

        // The split brain resolver downs node 2 (5 s stable after it became unreachable); the majority serves on.
        ClusterFixture.awaitTrue(
                () -> servers.get(0).cluster().orElseThrow().members().stream()
                        .noneMatch(m -> m.node().equals("127.0.0.1:" + ports.get(2))),
                30_000,
                "node 2 removed from the majority's members");
        assertEquals(
                200, client.rank(ServingFixture.rankBody("u1", 3, 500, false)).status());
        assertFalse(
                servers.get(0).marketplace().budget().view().capMicros(campaign) + held > budget,
                "the majority's cap passed what node 2's cap leaves");
    }

    private long capOf(int node, int campaign) {
        return servers.get(node).marketplace().budget().view().capMicros(campaign);
    }

    /**
     * Drops every message between {@code node} and {@code other}, both ways, in Pekko's test transport. The command's
     * classes are deprecated with classic remoting, but Artery's test mode still takes them: the multi-node testkit's
     * blackhole is built on them.
     */
    @SuppressWarnings("deprecation")
    private static void blackhole(ClusterNode node, Address other) throws Exception {
        RARP rarp = (RARP) RARP$.MODULE$.apply(Adapter.toClassic(node.system()));
        // Scala's case object Direction.Both, which Java cannot name.
        ThrottlerTransportAdapter.Direction both = (ThrottlerTransportAdapter.Direction)
                Class.forName("org.apache.pekko.remote.transport.ThrottlerTransportAdapter$Direction$Both$")
                        .getField("MODULE$")
                        .get(null);
        Await.result(
                rarp.provider()
                        .transport()
                        .managementCommand(new ThrottlerTransportAdapter.SetThrottle(
                                other, both, ThrottlerTransportAdapter.Blackhole$.MODULE$)),
                scala.concurrent.duration.Duration.fromNanos(
                        Duration.ofSeconds(5).toNanos()));
    }
}
