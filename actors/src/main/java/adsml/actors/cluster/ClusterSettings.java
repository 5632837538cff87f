package adsml.actors.cluster;

import adsml.platform.config.SettingsReader;
import adsml.platform.index.Partition;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigValue;
import java.time.Duration;
import java.util.Map;

/**
 * {@code adsml.cluster}: whether this node is one of a cluster, and how its budgets, ad writes and rollouts behave.
 *
 * @param syncInterval how often a node publishes its spend and renews its budget leases
 * @param leaseWindow a lease covers at most the node's own spend rate over this long
 * @param leaseFloor the least lease, as a share of the budget, divided among the nodes
 * @param partition this node's partition of the index: {@link Partition#WHOLE} in the grouped layout
 * @param scatterTimeout in the flat layout, how long a retrieval waits for the other partitions at most
 */
public record ClusterSettings(
        boolean enabled,
        boolean bootstrap,
        Duration syncInterval,
        Duration leaseWindow,
        double leaseFloor,
        Duration adWriteTimeout,
        Duration rolloutTimeout,
        Partition partition,
        Duration scatterTimeout) {

    public static ClusterSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.cluster");
        return new ClusterSettings(
                root.getBoolean("adsml.cluster.enabled"),
                root.getBoolean("adsml.cluster.bootstrap"),
                r.durationIn("budget.sync-interval", Duration.ofMillis(10), Duration.ofSeconds(10)),
                r.durationIn("budget.lease-window", Duration.ofMillis(100), Duration.ofMinutes(10)),
                r.doubleIn("budget.lease-floor", 0, 1),
                r.durationIn("ad-write-timeout", Duration.ofMillis(10), Duration.ofMinutes(1)),
                r.durationIn("rollout-timeout", Duration.ofSeconds(1), Duration.ofHours(1)),
                r.parsed("partition", Partition::parse),
                r.durationIn("scatter-timeout", Duration.ofMillis(1), Duration.ofSeconds(10)));
    }

    /**
     * {@code config} with Pekko's cluster settings ({@code adsml/cluster.conf}) where it holds Pekko's defaults, so
     * that what the user set wins; unchanged when the cluster is off.
     */
    public static Config withPekkoCluster(Config config) {
        if (!config.getBoolean("adsml.cluster.enabled")) {
            return config;
        }
        Config reference = ConfigFactory.defaultReference();
        Config result = config;
        for (Map.Entry<String, ConfigValue> e :
                ConfigFactory.parseResources("adsml/cluster.conf").entrySet()) {
            String key = e.getKey();
            boolean userSet = config.hasPath(key)
                    && !(reference.hasPath(key) && reference.getValue(key).equals(config.getValue(key)));
            if (!userSet) {
                result = result.withValue(key, e.getValue());
            }
        }
        return result;
    }
}
