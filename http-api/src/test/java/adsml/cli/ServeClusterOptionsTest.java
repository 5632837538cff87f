package adsml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.actors.cluster.ClusterSettings;
import adsml.platform.index.Partition;
import com.typesafe.config.Config;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** {@code serve --cluster}'s options: what they set, and each bad one refused by name. */
class ServeClusterOptionsTest {
    private static Config config(String... argv) throws Exception {
        Set<String> options = new HashSet<>(ServeCommand.OPTIONS);
        options.addAll(ServeCommand.CLUSTER_OPTIONS);
        return ClusterSettings.withPekkoCluster(
                ServeCommand.config(Args.parse("serve", List.of(argv), options, ServeCommand.FLAGS)));
    }

    @Test
    void cluster_setsTheNodesAddressSeedsAndPekkosClusterProvider() throws Exception {
        Config c = config("--cluster", "--cluster-port", "2601", "--seed-nodes", "127.0.0.1:2601,127.0.0.1:2602");
        assertTrue(c.getBoolean("adsml.cluster.enabled"));
        assertEquals("cluster", c.getString("pekko.actor.provider"));
        assertEquals(2601, c.getInt("pekko.remote.artery.canonical.port"));
        assertEquals(
                List.of("pekko://adsml@127.0.0.1:2601", "pekko://adsml@127.0.0.1:2602"),
                c.getStringList("pekko.cluster.seed-nodes"));
        assertEquals("keep-majority", c.getString("pekko.cluster.split-brain-resolver.active-strategy"));
        assertTrue(c.getBoolean("pekko.coordinated-shutdown.reason-overrides"
                + ".\"org.apache.pekko.actor.CoordinatedShutdown$ClusterDowningReason$\".exit-jvm"));
        assertFalse(c.getBoolean("pekko.coordinated-shutdown.exit-jvm"), "a failed start returns to main");
    }

    @Test
    void singleNode_keepsPekkosLocalProvider() throws Exception {
        Config c = config();
        assertFalse(c.getBoolean("adsml.cluster.enabled"));
        assertEquals("local", c.getString("pekko.actor.provider"));
    }

    @Test
    void badOptions_areRefusedByName() {
        assertRefused("--seed-nodes", "--cluster", "--seed-nodes", "localhost");
        assertRefused("ports 1-65535", "--cluster", "--seed-nodes", "127.0.0.1:70000");
        assertRefused("--cluster-port must be within [1, 65535]", "--cluster", "--cluster-port", "0");
        assertRefused("--management-port must be within [0, 65535]", "--cluster", "--management-port", "-1");
        assertRefused("--cluster-port needs --cluster", "--cluster-port", "2552");
        assertRefused("--partition: partition must be in 0..2, was 3", "--cluster", "--partition", "3/3");
        assertRefused("--partition: a partition is written i/n", "--cluster", "--partition", "two");
        assertRefused("--partition needs --cluster", "--partition", "0/2");
    }

    @Test
    void partition_setsTheFlatLayout() throws Exception {
        Config c = config("--cluster", "--partition", "1/3");
        assertEquals(new Partition(1, 3), ClusterSettings.from(c).partition());
        assertEquals(Partition.WHOLE, ClusterSettings.from(config("--cluster")).partition(), "grouped by default");
    }

    private static void assertRefused(String reason, String... argv) {
        Args.UsageException e = assertThrows(Args.UsageException.class, () -> config(argv));
        assertTrue(e.getMessage().contains(reason), e.getMessage());
    }
}
