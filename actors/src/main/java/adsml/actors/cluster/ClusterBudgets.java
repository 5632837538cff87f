package adsml.actors.cluster;

import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.index.BudgetTracker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.cluster.ClusterEvent;
import org.apache.pekko.cluster.Member;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.ddata.Key;
import org.apache.pekko.cluster.ddata.LWWMap;
import org.apache.pekko.cluster.ddata.LWWMapKey;
import org.apache.pekko.cluster.ddata.SelfUniqueAddress;
import org.apache.pekko.cluster.ddata.typed.javadsl.DistributedData;
import org.apache.pekko.cluster.ddata.typed.javadsl.Replicator;
import org.apache.pekko.cluster.ddata.typed.javadsl.ReplicatorMessageAdapter;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.SelfUp;
import org.apache.pekko.cluster.typed.Subscribe;

/**
 * Makes this node's {@link BudgetTracker} answer for the cluster's budgets. Every {@code sync-interval} the node
 * publishes its own spend today and its caps (distributed data: campaigns in chunks of {@link #CHUNK}, one replicated
 * map per chunk with one entry per node, last writer wins, a chunk pushed to every node at once when it changed), reads
 * the others', and gives itself a lease per campaign ({@link #cap}): what it may spend before it hears again. Small
 * chunks (about 2 KB per node) keep every message far below Pekko's frame size and send little for a campaign that
 * changed. What changes a chunk is kept rare, since every change is sent to every node: a cap is renewed only when the
 * node needs more room or holds far more than it needs ({@link #renews}), and a spend that stays within its published
 * cap waits for {@link #SPEND_INTERVAL_NANOS} (the others count a node's cap, not its spend, so only a spend past its
 * cap, charged by events of another node's auction, cannot wait). Publishing every campaign with a spend rate at every
 * interval stalled the nodes at 60,000 campaigns.
 *
 * <p>The bound. A node's lease is at most what is left divided by the nodes, where what is left is the budget less this
 * node's spend and every other node's cap: the most each of them may spend before it renews. So the caps of all nodes
 * never sum past the budget when each renewal has heard the others' last caps, even when several renew at once (each
 * misses the others' renewals of that moment; ClusterBudgetsTest holds this). A node that misses another's publication
 * for longer than an interval (a pause) may overlap it by one lease. A node cut off from the rest spends no more than
 * its cap: on the minority side of a partition it renews nothing. A lease is also no more than the node's own spend
 * rate over {@code lease-window} (or a floor, or one charge, when that is more), so that the caps hold back little of a
 * budget: what a node that dies had not spent of its cap stays held until it returns, its spend read back from its own
 * event log. Until its first majority read after joining, a node holds no lease and spends nothing.
 */
public final class ClusterBudgets {
    /** Campaigns per replicated map. */
    static final int CHUNK = 128;

    /** Majority reads of chunks at once while catching up ({@code readMissing}). */
    static final int READS_IN_FLIGHT = 8;

    /** How long a spend within its published cap may wait to be published. */
    static final long SPEND_INTERVAL_NANOS = 1_000_000_000L;

    private static final String KEY_PREFIX = "adsml-spend-";

    private static final double MICROS = 1_000_000.0;
    /** The weight of the newest interval in a campaign's spend rate. */
    private static final double RATE_WEIGHT = 0.3;

    /**
     * One node's spend for the day that started at {@code dayStartMs}, for one chunk's campaigns (the chunk's first id
     * at index 0): each one's spend and cap, in micro-dollars. Every campaign, spent on or not: a cap left out would be
     * a lease the others do not count.
     */
    public record NodeSpend(long dayStartMs, long[] spent, long[] caps) implements ClusterSerializable {}

    public sealed interface Command {}

    /** The event log has handed today's spend to the tracker: this node may publish and lease. */
    public enum Settled implements Command {
        INSTANCE
    }

    private enum Tick implements Command {
        INSTANCE
    }

    private record Joined(SelfUp up) implements Command {}

    private record Heard(int chunk, Replicator.SubscribeResponse<LWWMap<String, NodeSpend>> response)
            implements Command {}

    private record Read(int chunk, Replicator.GetResponse<LWWMap<String, NodeSpend>> response) implements Command {}

    private record Published(Replicator.UpdateResponse<LWWMap<String, NodeSpend>> response) implements Command {}

    /**
     * The most this node's own spend on a campaign may reach before it hears from the cluster again.
     *
     * @param countedElsewhere the other nodes' caps (their spend where a charge took it past the cap)
     * @param nodes the nodes that spend today, this one included
     * @param perWindow this node's spend over one lease window at its recent rate
     * @param floor the least lease in total, divided among the nodes
     * @param charge the most one charge of the campaign may be
     */
    static long cap(long budget, long own, long countedElsewhere, int nodes, long perWindow, long floor, long charge) {
        long left = budget - own - countedElsewhere;
        if (left <= 0) {
            return own;
        }
        long lease = Math.min(left / nodes, Math.max(Math.max(floor / nodes, charge), perWindow));
        return own + lease;
    }

    /**
     * Whether a node that holds {@code cap} (negative: none yet) with {@code own} spent takes the cap {@link #cap} now
     * gives it, {@code want}: when it needs more room (less than half the new lease is left of its cap) or holds far
     * more than it needs (the new lease is under half of what is left of its cap). Keeping a cap between is safe: the
     * other nodes count it as long as it stands.
     */
    static boolean renews(long own, long cap, long want) {
        if (cap < 0) {
            return true;
        }
        long room = cap - own;
        long lease = want - own;
        return want > cap ? room * 2 < lease : want < cap && lease * 2 < room;
    }

    static Key<LWWMap<String, NodeSpend>> key(int chunk) {
        return LWWMapKey.create(KEY_PREFIX + chunk);
    }

    private static int chunkOf(Key<?> key) {
        return Integer.parseInt(key.id().substring(KEY_PREFIX.length()));
    }

    private ClusterBudgets() {}

    /** @param node this node's name in the cluster ({@code host:port}): its entries' key */
    public static Behavior<Command> create(
            BudgetTracker budget, List<Campaign> campaigns, String node, ClusterSettings settings) {
        return Behaviors.setup(context -> DistributedData.withReplicatorMessageAdapter(
                (ReplicatorMessageAdapter<Command, LWWMap<String, NodeSpend>> replicator) -> {
                    Cluster cluster = Cluster.get(context.getSystem());
                    cluster.subscriptions()
                            .tell(Subscribe.create(context.messageAdapter(SelfUp.class, Joined::new), SelfUp.class));
                    int chunks = Math.max(1, (campaigns.size() + CHUNK - 1) / CHUNK);
                    for (int k = 0; k < chunks; k++) {
                        // One adapter serves every subscription (a message adapter is kept per message class, the
                        // last one registered winning), so the chunk is read from the key the answer names.
                        replicator.subscribe(key(k), response -> new Heard(chunkOf(response.key()), response));
                    }
                    SelfUniqueAddress self =
                            DistributedData.get(context.getSystem()).selfUniqueAddress();
                    Node state = new Node(budget, charges(campaigns), chunks, node, settings, cluster);
                    return Behaviors.withTimers(timers -> {
                        timers.startTimerWithFixedDelay(Tick.INSTANCE, settings.syncInterval());
                        return Behaviors.receive(Command.class)
                                .onMessage(Joined.class, j -> {
                                    state.joined = true;
                                    readMissing(replicator, state, settings);
                                    return Behaviors.same();
                                })
                                .onMessageEquals(Settled.INSTANCE, () -> {
                                    state.settled = true;
                                    return Behaviors.same();
                                })
                                .onMessage(Heard.class, h -> {
                                    if (h.response() instanceof Replicator.Changed<LWWMap<String, NodeSpend>> c) {
                                        state.entries.set(
                                                h.chunk(), c.dataValue().getEntries());
                                    }
                                    return Behaviors.same();
                                })
                                .onMessage(Read.class, r -> {
                                    state.reading[r.chunk()] = false;
                                    if (r.response() instanceof Replicator.GetSuccess<LWWMap<String, NodeSpend>> ok) {
                                        state.entries.set(
                                                r.chunk(), ok.dataValue().getEntries());
                                        state.read[r.chunk()] = true;
                                    } else if (r.response() instanceof Replicator.NotFound) {
                                        state.read[r.chunk()] = true; // a majority holds none: nobody published
                                    }
                                    return Behaviors.same();
                                })
                                .onMessage(Published.class, p -> Behaviors.same())
                                .onMessageEquals(Tick.INSTANCE, () -> {
                                    if (!state.settled) {
                                        return Behaviors.same();
                                    }
                                    Map<Integer, NodeSpend> changed = state.tick(System.nanoTime());
                                    changed.forEach((chunk, mine) -> replicator.askUpdate(
                                            replyTo -> new Replicator.Update<>(
                                                    key(chunk),
                                                    LWWMap.empty(),
                                                    new Replicator.WriteAll(settings.syncInterval()),
                                                    replyTo,
                                                    map -> map.put(self, node, mine)),
                                            Published::new));
                                    if (state.joined) {
                                        readMissing(replicator, state, settings);
                                    }
                                    return Behaviors.same();
                                })
                                .build();
                    });
                }));
    }

    /**
     * Reads from a majority the chunks not read yet and not being read, {@link #READS_IN_FLIGHT} at a time: hundreds at
     * once kept the replicator from answering anything else for seconds (a starting node's read of the served version
     * timed out).
     */
    private static void readMissing(
            ReplicatorMessageAdapter<Command, LWWMap<String, NodeSpend>> replicator,
            Node state,
            ClusterSettings settings) {
        Duration within = settings.syncInterval().multipliedBy(10);
        int inFlight = 0;
        for (boolean r : state.reading) {
            inFlight += r ? 1 : 0;
        }
        for (int k = 0; k < state.read.length && inFlight < READS_IN_FLIGHT; k++) {
            if (state.read[k] || state.reading[k]) {
                continue;
            }
            inFlight++;
            int chunk = k;
            state.reading[chunk] = true;
            replicator.askGet(
                    replyTo -> new Replicator.Get<>(key(chunk), new Replicator.ReadMajority(within), replyTo),
                    response -> new Read(chunkOf(response.key()), response));
        }
    }

    /** The most one charge of each campaign may be, in micro-dollars: its bid, per thousand for CPM. */
    private static long[] charges(List<Campaign> campaigns) {
        long[] charge = new long[campaigns.size()];
        for (Campaign c : campaigns) {
            double dollars = c.bidType() == BidType.CPM ? c.bid() / 1000.0 : c.bid();
            charge[c.id()] = Math.round(dollars * MICROS);
        }
        return charge;
    }

    /** The actor's state; one tick at a time, on the actor's thread. */
    private static final class Node {
        final BudgetTracker budget;
        final long[] charge;
        final String name;
        final ClusterSettings settings;
        final Cluster cluster;
        /** Per chunk: the entries heard, whether a majority read came back, whether one is out. */
        final List<Map<String, NodeSpend>> entries;

        final boolean[] read;
        final boolean[] reading;
        /** Per chunk, what this node last published (null: nothing yet today), and when. */
        final NodeSpend[] published;

        final long[] publishedAt;

        boolean joined;
        boolean settled;
        long day = Long.MIN_VALUE;
        long lastTick;
        long[] lastOwn = new long[0];
        double[] rate = new double[0];
        long[] leasedElsewhere = new long[0];
        long[] leasedCap = new long[0];

        Node(BudgetTracker budget, long[] charge, int chunks, String name, ClusterSettings settings, Cluster cluster) {
            this.budget = budget;
            this.charge = charge;
            this.name = name;
            this.settings = settings;
            this.cluster = cluster;
            this.entries = new ArrayList<>(Collections.nCopies(chunks, Map.of()));
            this.read = new boolean[chunks];
            this.reading = new boolean[chunks];
            this.published = new NodeSpend[chunks];
            this.publishedAt = new long[chunks];
        }

        boolean caughtUp() {
            for (boolean r : read) {
                if (!r) {
                    return false;
                }
            }
            return true;
        }

        /**
         * Measures this node's rates, renews its leases when it may, and returns the chunks whose entry changed since
         * it last published them.
         */
        Map<Integer, NodeSpend> tick(long nowNanos) {
            BudgetTracker.DayView view = budget.view();
            int n = Math.min(view.idLimit(), entries.size() * CHUNK);
            if (lastOwn.length < n) {
                lastOwn = Arrays.copyOf(lastOwn, n);
                rate = Arrays.copyOf(rate, n);
                leasedElsewhere = Arrays.copyOf(leasedElsewhere, n);
                leasedCap = Arrays.copyOf(leasedCap, n);
            }
            if (view.startMillis() != day) {
                // A new day: every cap is 0 again in the tracker, so every lease is given anew.
                day = view.startMillis();
                Arrays.fill(leasedCap, -1);
                Arrays.fill(leasedElsewhere, -1);
                Arrays.fill(published, null);
            }
            double seconds = lastTick == 0 ? 0 : (nowNanos - lastTick) / 1e9;
            lastTick = nowNanos;
            for (int c = 0; c < n; c++) {
                long own = view.ownMicros(c);
                if (seconds > 0) {
                    double perSecond = Math.max(0, own - lastOwn[c]) / seconds;
                    rate[c] = rate[c] * (1 - RATE_WEIGHT) + perSecond * RATE_WEIGHT;
                }
                lastOwn[c] = own;
            }
            if (caughtUp() && !minority()) {
                lease(view, n);
            }
            Map<Integer, NodeSpend> changed = new HashMap<>();
            for (int k = 0; k * CHUNK < n; k++) {
                int from = k * CHUNK;
                int to = Math.min(n, from + CHUNK);
                long[] spent = new long[to - from];
                long[] caps = new long[to - from];
                for (int c = from; c < to; c++) {
                    spent[c - from] = view.ownMicros(c);
                    caps[c - from] = view.capMicros(c);
                }
                NodeSpend mine = new NodeSpend(day, spent, caps);
                if (due(published[k], mine, nowNanos - publishedAt[k])) {
                    published[k] = mine;
                    publishedAt[k] = nowNanos;
                    changed.put(k, mine);
                }
            }
            return changed;
        }

        /**
         * Whether {@code mine} is to be published, {@code sinceNanos} after {@code last} was: its caps changed, or a
         * spend passed its published cap, or its spend changed and has waited long enough.
         */
        private static boolean due(NodeSpend last, NodeSpend mine, long sinceNanos) {
            if (last == null || !Arrays.equals(last.caps(), mine.caps())) {
                return true;
            }
            if (Arrays.equals(last.spent(), mine.spent())) {
                return false;
            }
            for (int i = 0; i < mine.spent().length; i++) {
                if (mine.spent()[i] > last.caps()[i]) {
                    return true;
                }
            }
            return sinceNanos >= SPEND_INTERVAL_NANOS;
        }

        private void lease(BudgetTracker.DayView view, int n) {
            long[] spentElsewhere = new long[n];
            long[] counted = new long[n];
            Set<String> nodes = new HashSet<>();
            nodes.add(name);
            for (int k = 0; k < entries.size(); k++) {
                for (Map.Entry<String, NodeSpend> e : entries.get(k).entrySet()) {
                    NodeSpend other = e.getValue();
                    if (e.getKey().equals(name) || other.dayStartMs() != day) {
                        continue;
                    }
                    nodes.add(e.getKey());
                    int from = k * CHUNK;
                    for (int i = 0; i < other.spent().length && from + i < n; i++) {
                        spentElsewhere[from + i] += other.spent()[i];
                        counted[from + i] += Math.max(other.spent()[i], other.caps()[i]);
                    }
                }
            }
            long windowNanos = settings.leaseWindow().toNanos();
            for (int c = 0; c < n; c++) {
                long budgetMicros = view.dailyBudgetMicros(c);
                if (budgetMicros < 0) {
                    continue;
                }
                long perWindow = (long) (rate[c] * windowNanos / 1e9);
                long own = view.ownMicros(c);
                long want = cap(
                        budgetMicros,
                        own,
                        counted[c],
                        nodes.size(),
                        perWindow,
                        (long) (settings.leaseFloor() * budgetMicros),
                        c < charge.length ? charge[c] : 0);
                long cap = renews(own, leasedCap[c], want) ? want : leasedCap[c];
                if ((cap != leasedCap[c] || spentElsewhere[c] != leasedElsewhere[c])
                        && budget.lease(c, day, spentElsewhere[c], cap)) {
                    leasedCap[c] = cap;
                    leasedElsewhere[c] = spentElsewhere[c];
                }
            }
        }

        /** Whether this node sees no more than half the members: then the other side may be the one that stays. */
        private boolean minority() {
            ClusterEvent.CurrentClusterState state = cluster.state();
            int members = 0;
            for (Member m : state.getMembers()) {
                if (m.status() != MemberStatus.down() && m.status() != MemberStatus.removed()) {
                    members++;
                }
            }
            return reachable().size() * 2 <= members;
        }

        /** The members this node can reach, by name, itself included. */
        private Set<String> reachable() {
            ClusterEvent.CurrentClusterState state = cluster.state();
            Set<Member> unreachable = state.getUnreachable();
            Set<String> names = new HashSet<>();
            for (Member m : state.getMembers()) {
                if (!unreachable.contains(m)
                        && m.status() != MemberStatus.down()
                        && m.status() != MemberStatus.removed()) {
                    names.add(Names.of(m.address()));
                }
            }
            names.add(name);
            return names;
        }
    }
}
