package adsml.actors.cluster;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Campaign;
import adsml.platform.index.AdIndex;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;

/**
 * Ad writes across the cluster. The node that takes a write applies it to its own index at once and publishes the ad's
 * new state here (distributed data: one entry per ad, last writer wins, pushed to every reachable node at once); every
 * other node applies what it hears to its index. A node that joins or returns gets every entry by gossip and applies
 * them, so it catches up on the writes it missed. Entries are kept for the ads written since the world was generated:
 * the world's own ads come from its files (docs/CLUSTER.md says where this stops scaling).
 *
 * <p>The entries are spread over {@link #SHARDS} maps by ad id. A write carries its map's whole state to every node
 * (delta propagation is off: adsml/cluster.conf); with one map, 2,000 written ads (ClusterAdWritesTest) no longer
 * reached the other node, the map having outgrown Artery's 256 KiB frame at about 150 bytes an ad. Spread, each map
 * stays far below it up to about 100,000 written ads.
 */
public final class ReplicatedAds {
    static final int SHARDS = 256;

    /**
     * An ad as a write left it.
     *
     * @param writeId names the write, unique in the cluster ({@code node#boot#n}): how a node tells an entry it applied
     */
    public record AdState(
            int adId, int campaignId, int category, int creativeType, float[] embedding, boolean paused, String writeId)
            implements ClusterSerializable {}

    public sealed interface Command {}

    /** A write this node took and applied: published to the others. */
    public record Publish(AdState state) implements Command {}

    private record Heard(Replicator.SubscribeResponse<LWWMap<String, AdState>> response) implements Command {}

    private record Published(Replicator.UpdateResponse<LWWMap<String, AdState>> response) implements Command {}

    private ReplicatedAds() {}

    static Key<LWWMap<String, AdState>> key(int adId) {
        return LWWMapKey.create("adsml-ads-" + Math.floorMod(adId, SHARDS));
    }

    /** A write id for this node's next write. */
    public static String nextWriteId(String node, AtomicLong writes) {
        return node + "#" + writes.incrementAndGet();
    }

    /** Runs on a blocking dispatcher: an index write copies arrays. */
    public static Behavior<Command> create(AdIndex index, List<Campaign> campaigns, ClusterSettings settings) {
        return Behaviors.setup(context -> DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, AdState>> replicator) -> {
                    for (int shard = 0; shard < SHARDS; shard++) {
                        // One adapter serves every key: a change names its own entries.
                        replicator.subscribe(key(shard), Heard::new);
                    }
                    SelfUniqueAddress self =
                            DistributedData.get(context.getSystem()).selfUniqueAddress();
                    Map<String, String> applied = new HashMap<>();
                    return Behaviors.receive(Command.class)
                            .onMessage(Publish.class, p -> {
                                String key = Integer.toString(p.state().adId());
                                // Applied again here: an older state of this ad heard between the HTTP write and
                                // this message would otherwise stand, and the map's newer entry, marked applied,
                                // would never be.
                                apply(index, campaigns, p.state(), context.getLog());
                                applied.put(key, p.state().writeId());
                                replicator.askUpdate(
                                        replyTo -> new Replicator.Update<>(
                                                key(p.state().adId()),
                                                LWWMap.empty(),
                                                new Replicator.WriteAll(settings.adWriteTimeout()),
                                                replyTo,
                                                map -> map.put(self, key, p.state())),
                                        Published::new);
                                return Behaviors.same();
                            })
                            .onMessage(Published.class, p -> Behaviors.same())
                            .onMessage(Heard.class, h -> {
                                if (h.response() instanceof Replicator.Changed<LWWMap<String, AdState>> changed) {
                                    List<AdState> fresh = new ArrayList<>();
                                    changed.dataValue().getEntries().forEach((key, state) -> {
                                        if (!state.writeId().equals(applied.get(key))) {
                                            fresh.add(state);
                                        }
                                    });
                                    // In id order: a new ad takes the next id, so the index stays dense.
                                    fresh.sort(Comparator.comparingInt(AdState::adId));
                                    for (AdState state : fresh) {
                                        apply(index, campaigns, state, context.getLog());
                                        applied.put(Integer.toString(state.adId()), state.writeId());
                                    }
                                }
                                return Behaviors.same();
                            })
                            .build();
                }));
    }

    private static void apply(AdIndex index, List<Campaign> campaigns, AdState s, org.slf4j.Logger log) {
        if (s.campaignId() < 0 || s.campaignId() >= campaigns.size() || s.adId() < 0 || s.adId() > index.size()) {
            log.warn(
                    "ad write {} for ad {} of campaign {} does not fit this node's world: skipped",
                    s.writeId(),
                    s.adId(),
                    s.campaignId());
            return;
        }
        index.upsert(
                new Ad(s.adId(), s.campaignId(), s.category(), s.creativeType(), s.embedding()),
                campaigns.get(s.campaignId()));
        index.setPaused(s.adId(), s.paused());
    }
}
