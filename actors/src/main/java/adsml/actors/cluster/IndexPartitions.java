package adsml.actors.cluster;

import adsml.actors.ranking.RemotePartitions;
import adsml.platform.domain.Context;
import adsml.platform.index.Audience;
import adsml.platform.index.IvfAdIndex;
import adsml.platform.index.Partition;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReferenceArray;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Routers;
import org.apache.pekko.actor.typed.receptionist.Receptionist;
import org.apache.pekko.actor.typed.receptionist.ServiceKey;

/**
 * The flat layout's partitions as this node sees them: its own {@link IvfAdIndex} partition, which it serves to the
 * other nodes through a pool of searchers registered with the receptionist under its partition's key, and the other
 * partitions' searchers, which every retrieval asks. One node per partition: a partition whose node is down is missing
 * from every answer until it returns (replicas of a partition, which the keys allow, are not started here).
 */
public final class IndexPartitions implements RemotePartitions {
    /** A retrieval asks for no more than this: a bound on what one message may make a node search and send. */
    static final int MAX_KEYS = 100_000;

    /**
     * One partition's request: its best {@code max} keys for this audience. A request out of bounds (no audience or
     * context, {@code max} outside 1..{@link #MAX_KEYS}) is answered with none.
     */
    public record Search(Audience audience, Context context, int max, ActorRef<Hits> replyTo)
            implements ClusterSerializable {}

    /** A partition's answer, best first. */
    public record Hits(int partition, long[] keys) implements ClusterSerializable {}

    /** What the admin API shows of the layout. */
    public record Status(int partition, int partitions, int partitionsFound, long retrievals, long partial) {}

    private final IvfAdIndex local;
    private final Duration timeout;
    private final int searchers;
    private final AtomicReferenceArray<ActorRef<Search>> others;
    private final AtomicLong retrievals = new AtomicLong();
    private final AtomicLong partial = new AtomicLong();
    private volatile ActorSystem<?> system;

    /**
     * @param local this node's partition ({@link IvfAdIndex#partition()} names which)
     * @param timeout how long a retrieval waits for the other partitions at most
     * @param searchers how many searches of this partition may run at once for other nodes
     */
    public IndexPartitions(IvfAdIndex local, Duration timeout, int searchers) {
        if (local.partition().whole()) {
            throw new IllegalArgumentException("a flat layout needs the index partitioned, was whole");
        }
        this.local = local;
        this.timeout = timeout;
        this.searchers = searchers;
        this.others = new AtomicReferenceArray<>(local.partition().count());
    }

    static ServiceKey<Search> key(int partition) {
        return ServiceKey.create(Search.class, "adsml-partition-" + partition);
    }

    /**
     * Serves this partition to the cluster and follows the other partitions' searchers; retrievals before this find
     * every other partition missing.
     */
    public void start(ActorSystem<?> system) {
        this.system = system;
        Partition own = local.partition();
        ActorRef<Search> pool = system.systemActorOf(
                Routers.pool(
                        searchers,
                        Behaviors.supervise(searcher(local)).onFailure(Throwable.class, SupervisorStrategy.restart())),
                "partition-" + own.index(),
                DispatcherSelector.fromConfig("adsml.actors.cpu-dispatcher"));
        system.receptionist().tell(Receptionist.register(key(own.index()), pool));
        system.systemActorOf(
                Behaviors.<Receptionist.Listing>setup(context -> {
                    for (int p = 0; p < own.count(); p++) {
                        if (p != own.index()) {
                            context.getSystem().receptionist().tell(Receptionist.subscribe(key(p), context.getSelf()));
                        }
                    }
                    return Behaviors.receiveMessage(listing -> {
                        for (int p = 0; p < own.count(); p++) {
                            if (p != own.index() && listing.isForKey(key(p))) {
                                // Any registered searcher of the partition will do; the first is as good as another.
                                others.set(
                                        p,
                                        listing.getServiceInstances(key(p)).stream()
                                                .findFirst()
                                                .orElse(null));
                            }
                        }
                        return Behaviors.same();
                    });
                }),
                "partitions-listing",
                Props.empty());
    }

    private static Behavior<Search> searcher(IvfAdIndex index) {
        int partition = index.partition().index();
        return Behaviors.receiveMessage(search -> {
            long[] keys = new long[0];
            if (search.max() > 0 && search.max() <= MAX_KEYS && search.audience() != null && search.context() != null) {
                keys = new long[search.max()];
                keys = Arrays.copyOf(keys, index.retrieveKeys(search.audience(), search.context(), search.max(), keys));
            }
            search.replyTo().tell(new Hits(partition, keys));
            return Behaviors.same();
        });
    }

    @Override
    public IvfAdIndex local() {
        return local;
    }

    @Override
    public Duration timeout() {
        return timeout;
    }

    @Override
    public CompletionStage<Gathered> search(Audience audience, Context context, int max, Duration wait) {
        retrievals.incrementAndGet();
        int own = local.partition().index();
        int count = local.partition().count();
        ActorSystem<?> sys = system;
        List<CompletableFuture<Hits>> asked = new ArrayList<>(count - 1);
        for (int p = 0; p < count; p++) {
            if (p == own) {
                continue;
            }
            ActorRef<Search> ref = others.get(p);
            if (ref == null || sys == null || wait.isZero() || wait.isNegative()) {
                asked.add(CompletableFuture.completedFuture(null));
                continue;
            }
            asked.add(AskPattern.<Search, Hits>ask(
                            ref, replyTo -> new Search(audience, context, max, replyTo), wait, sys.scheduler())
                    .toCompletableFuture()
                    .exceptionally(failure -> null));
        }
        return CompletableFuture.allOf(asked.toArray(CompletableFuture<?>[]::new))
                .thenApply(done -> {
                    long[][] keys = new long[asked.size()][];
                    int[] counts = new int[asked.size()];
                    int missing = 0;
                    for (int k = 0; k < keys.length; k++) {
                        Hits hits = asked.get(k).join();
                        keys[k] = hits == null ? new long[0] : hits.keys();
                        counts[k] = keys[k].length;
                        missing += hits == null ? 1 : 0;
                    }
                    if (missing > 0) {
                        partial.incrementAndGet();
                    }
                    return new Gathered(keys, counts, missing);
                });
    }

    public Status status() {
        int found = 1;
        for (int p = 0; p < others.length(); p++) {
            found += others.get(p) != null ? 1 : 0;
        }
        return new Status(local.partition().index(), local.partition().count(), found, retrievals.get(), partial.get());
    }
}
