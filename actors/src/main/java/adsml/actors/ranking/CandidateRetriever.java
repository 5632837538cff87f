package adsml.actors.ranking;

import adsml.platform.counters.CounterKeys;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.User;
import adsml.platform.features.RequestRow;
import adsml.platform.funnel.LightOnScan;
import adsml.platform.funnel.LightRanker;
import adsml.platform.index.AdIndex;
import adsml.platform.index.Audience;
import adsml.platform.index.IvfAdIndex;
import adsml.platform.index.ann.InventoryScan;
import adsml.platform.store.UserStore;
import adsml.scheduler.Ticker;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

/**
 * Finds who the request is for and which ads may answer it: the user from the feature store (a cold start when unknown,
 * never an error), then the eligible ads by retrieval score, which it hands to the feature assembler the request names:
 * up to {@code maxCandidates} of them, or, while a light model is active, the best {@code maxCandidates} by the light
 * model's eCPM of up to {@code retrieveWidth} retrieved (the funnel). With an inventory scan that holds the light
 * model's priors ({@link LightOnScan}), a known user's retrieval is the light model's ranking of every eligible ad on
 * the scan's device, and the cut picks from its best by the exact eCPM. The user's feature row is computed here, once
 * per request. Runs as a pool on the CPU dispatcher, since retrieval scans the index; a user the store cannot answer at
 * once (a cache miss that reads RocksDB) is loaded on the blocking executor and the retrieval resumes when it arrives,
 * so disk reads never hold a CPU thread. A store that fails serves the request as a cold start, with a warning: an ad
 * is still better than an error.
 *
 * <p>In a flat layout ({@link RemotePartitions}) a known user's retrieval asks the other nodes' partitions first,
 * searches this node's own meanwhile, and merges what answered by the request's half of its time left (at most the
 * partitions' timeout): a partition that is down or late costs coverage, not the request.
 */
public final class CandidateRetriever extends AbstractBehavior<CandidateRetriever.Command> {

    public sealed interface Command {}

    /**
     * Retrieve for {@code query}, then hand the candidates to {@code assembler}, which answers {@code replyTo};
     * {@code request} is the coordinator's number for the request, returned with the answer.
     */
    public record Retrieve(
            long request,
            RankQuery query,
            ActorRef<FeatureAssembler.Command> assembler,
            ActorRef<FeatureAssembler.Scored> replyTo)
            implements Command {}

    private static final long STORE_WARNING_INTERVAL_NANOS = 10_000_000_000L;

    private record UserLoaded(Retrieve retrieve, Optional<User> user) implements Command {}

    /** The other partitions answered (or their time ran out) for a retrieval whose own partition found {@code own}. */
    private record PartitionsAnswered(
            Retrieve retrieve, RequestRow row, long[] own, int ownCount, RemotePartitions.Gathered others)
            implements Command {}

    /** The scan light-ranked {@code count} ids into {@code ids}, or failed (then retrieval is the index's). */
    private record LightRanked(
            Retrieve retrieve, RequestRow row, Audience audience, int[] ids, Integer count, Throwable failure)
            implements Command {}

    /** This node's index answered {@code count} ids into {@code ids}, or failed. */
    private record Retrieved(
            Retrieve retrieve, RequestRow row, boolean coldStart, int[] ids, Integer count, Throwable failure)
            implements Command {}

    /**
     * The request's row (its user and context, whatever the feature set), whether it was a cold start, the candidate
     * ids {@code adIds[0..count)}, best first, and the ticker's time when retrieval finished. With a light ranker,
     * retrieval found {@code retrieved} ads, the light model {@code lightVersion} kept the {@code count} best by its
     * eCPM, and was done at {@code cutNanos}; without one, {@code retrieved == count}, {@code lightVersion} is null and
     * {@code cutNanos == retrievedNanos}.
     */
    public record Candidates(
            RequestRow user,
            boolean coldStart,
            int[] adIds,
            int count,
            long retrievedNanos,
            int retrieved,
            String lightVersion,
            long cutNanos) {
        /** Candidates straight from retrieval, with no light stage. */
        public Candidates(RequestRow user, boolean coldStart, int[] adIds, int count, long retrievedNanos) {
            this(user, coldStart, adIds, count, retrievedNanos, count, null, retrievedNanos);
        }
    }

    private final AdIndex index;
    private final UserStore users;
    private final Executor storeExecutor;
    private final Funnel funnel;
    private final Optional<RemotePartitions> partitions;
    private final Ticker ticker;
    private long lastStoreWarning;
    private long suppressedStoreWarnings;

    private CandidateRetriever(
            ActorContext<Command> context,
            AdIndex index,
            UserStore users,
            Executor storeExecutor,
            Funnel funnel,
            Optional<RemotePartitions> partitions,
            Ticker ticker) {
        super(context);
        this.ticker = ticker;
        this.index = index;
        this.users = users;
        this.storeExecutor = storeExecutor;
        this.funnel = funnel;
        this.partitions = partitions;
    }

    /**
     * The funnel's widths: the heavy model scores up to {@code maxCandidates}; while {@code light} has an active
     * version, retrieval finds up to {@code retrieveWidth} (by the light model itself where {@code onScan} has the scan
     * ranking by it) and the light model keeps the best {@code maxCandidates}, reading the counters of {@code stores}.
     */
    public record Funnel(
            int maxCandidates,
            int retrieveWidth,
            LightRanker light,
            FeatureStores stores,
            Optional<LightOnScan> onScan) {
        public Funnel {
            if (maxCandidates < 1 || retrieveWidth < maxCandidates) {
                throw new IllegalArgumentException(
                        "need 1 <= maxCandidates <= retrieveWidth, were " + maxCandidates + ", " + retrieveWidth);
            }
        }

        /** A funnel whose retrieval is the index's alone. */
        public Funnel(int maxCandidates, int retrieveWidth, LightRanker light, FeatureStores stores) {
            this(maxCandidates, retrieveWidth, light, stores, Optional.empty());
        }
    }

    /** A retriever that loads users the store cannot answer at once on {@code storeExecutor}. */
    public static Behavior<Command> create(
            AdIndex index, UserStore users, Executor storeExecutor, Funnel funnel, Ticker ticker) {
        return create(index, users, storeExecutor, funnel, Optional.empty(), ticker);
    }

    /** As {@link #create(AdIndex, UserStore, Executor, Funnel, Ticker)}, scattering to {@code partitions} if any. */
    public static Behavior<Command> create(
            AdIndex index,
            UserStore users,
            Executor storeExecutor,
            Funnel funnel,
            Optional<RemotePartitions> partitions,
            Ticker ticker) {
        return Behaviors.setup(
                context -> new CandidateRetriever(context, index, users, storeExecutor, funnel, partitions, ticker));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Retrieve.class, this::onRetrieve)
                .onMessage(UserLoaded.class, loaded -> retrieve(loaded.retrieve(), loaded.user()))
                .onMessage(PartitionsAnswered.class, this::onPartitionsAnswered)
                .onMessage(Retrieved.class, this::onRetrieved)
                .onMessage(LightRanked.class, this::onLightRanked)
                .build();
    }

    private Behavior<Command> onRetrieve(Retrieve retrieve) {
        if (expired(retrieve)) {
            return this;
        }
        if (retrieve.query().userId() < 0) {
            return retrieve(retrieve, Optional.empty());
        }
        CompletableFuture<Optional<User>> user = users.getAsync(retrieve.query().userId(), storeExecutor);
        if (user.isDone() && !user.isCompletedExceptionally()) {
            return retrieve(retrieve, user.join());
        }
        getContext().pipeToSelf(user, (found, failure) -> {
            if (failure != null) {
                warnStoreFailure(retrieve.query().userId(), failure);
                return new UserLoaded(retrieve, Optional.empty());
            }
            return new UserLoaded(retrieve, found);
        });
        return this;
    }

    /** One warning per retriever every 10 s at most: a store that is down fails every request. */
    private void warnStoreFailure(int userId, Throwable failure) {
        long now = ticker.nanos();
        if (lastStoreWarning != 0 && now - lastStoreWarning < STORE_WARNING_INTERVAL_NANOS) {
            suppressedStoreWarnings++;
            return;
        }
        getContext()
                .getLog()
                .warn(
                        "user {}: the feature store failed, serving a cold start ({} more failures since the last "
                                + "warning): {}",
                        userId,
                        suppressedStoreWarnings,
                        failure.toString());
        lastStoreWarning = now;
        suppressedStoreWarnings = 0;
    }

    /** True when the coordinator has answered at the deadline already: working on would only delay live requests. */
    private boolean expired(Retrieve retrieve) {
        return ticker.nanos() >= retrieve.query().deadlineNanos();
    }

    private Behavior<Command> retrieve(Retrieve retrieve, Optional<User> user) {
        if (expired(retrieve)) {
            return this;
        }
        RankQuery q = retrieve.query();
        int width = width();
        if (user.isPresent()) {
            // The request's country and device, where it names them, over the profile's: targeting and features alike.
            RequestRow row =
                    RequestRow.of(user.get(), CounterKeys.user(q.userKey()), q.country(), q.device(), q.context());
            Audience audience = Audience.of(user.get(), q.country(), q.device());
            if (partitions.isPresent()) {
                return scatter(retrieve, row, audience, partitions.get(), width);
            }
            Optional<LightRanker.Version> light = funnel.light().active();
            if (light.isPresent() && funnel.onScan().isPresent()) {
                int[] ids = new int[Math.min(width, InventoryScan.MAX_K)];
                Optional<CompletionStage<Integer>> ranked =
                        funnel.onScan().get().retrieveLater(light.get(), row, audience.filter(), ids.length, ids);
                if (ranked.isPresent()) {
                    getContext()
                            .pipeToSelf(
                                    ranked.get(),
                                    (n, failure) -> new LightRanked(retrieve, row, audience, ids, n, failure));
                    return this;
                }
            }
            return search(retrieve, row, false, audience, width);
        }
        // A cold start ranks every ad alike (a zero embedding): the store, whole on every node, answers it here.
        Audience unknown = new Audience(q.country(), q.device(), -1, 0L, Audience.UNKNOWN.embedding());
        RequestRow row = RequestRow.coldStart(q.country(), q.device(), CounterKeys.user(q.userKey()), q.context());
        return search(retrieve, row, true, unknown, width);
    }

    /**
     * Searches this node's index, and hands the candidates on at once when it answered in this thread (an index on the
     * heap), or when its answer arrives (a scan on a device): a retriever never waits for a device, so the CPU
     * dispatcher's threads keep serving the other requests' stages meanwhile.
     */
    private Behavior<Command> search(
            Retrieve retrieve, RequestRow row, boolean coldStart, Audience audience, int width) {
        int[] ids = new int[width];
        CompletableFuture<Integer> count = index.retrieveLater(
                        audience,
                        retrieve.query().context(),
                        width,
                        ids,
                        getContext().getExecutionContext())
                .toCompletableFuture();
        if (count.isDone() && !count.isCompletedExceptionally()) {
            return handOff(retrieve, row, coldStart, ids, count.join());
        }
        getContext().pipeToSelf(count, (n, failure) -> new Retrieved(retrieve, row, coldStart, ids, n, failure));
        return this;
    }

    private Behavior<Command> onRetrieved(Retrieved retrieved) {
        if (retrieved.failure() != null) {
            // As a failure in this thread: the request is answered at its deadline, the retriever restarted.
            throw new IllegalStateException("retrieval failed", retrieved.failure());
        }
        if (expired(retrieved.retrieve())) {
            return this;
        }
        return handOff(
                retrieved.retrieve(), retrieved.row(), retrieved.coldStart(), retrieved.ids(), retrieved.count());
    }

    /** The scan's light ranking, cut on the CPU; or, when the scan failed, the index's retrieval as without it. */
    private Behavior<Command> onLightRanked(LightRanked ranked) {
        if (expired(ranked.retrieve())) {
            return this;
        }
        if (ranked.failure() != null) {
            return search(ranked.retrieve(), ranked.row(), false, ranked.audience(), width());
        }
        return handOff(ranked.retrieve(), ranked.row(), false, ranked.ids(), ranked.count());
    }

    private int width() {
        return funnel.light().active().isPresent() ? funnel.retrieveWidth() : funnel.maxCandidates();
    }

    /** Asks the other partitions, searches this node's own meanwhile, and resumes when they answered. */
    private Behavior<Command> scatter(
            Retrieve retrieve, RequestRow row, Audience audience, RemotePartitions remote, int width) {
        RankQuery q = retrieve.query();
        long left = q.deadlineNanos() - ticker.nanos();
        Duration wait = Duration.ofNanos(Math.max(0, Math.min(remote.timeout().toNanos(), left / 2)));
        CompletionStage<RemotePartitions.Gathered> others = remote.search(audience, q.context(), width, wait);
        long[] own = new long[width];
        int ownCount = remote.local().retrieveKeys(audience, q.context(), width, own);
        getContext()
                .pipeToSelf(
                        others,
                        (gathered, failure) -> new PartitionsAnswered(
                                retrieve,
                                row,
                                own,
                                ownCount,
                                failure == null
                                        ? gathered
                                        : new RemotePartitions.Gathered(new long[0][], new int[0], 1)));
        return this;
    }

    private Behavior<Command> onPartitionsAnswered(PartitionsAnswered answered) {
        Retrieve retrieve = answered.retrieve();
        if (expired(retrieve)) {
            return this;
        }
        RemotePartitions.Gathered others = answered.others();
        long[][] keys = new long[others.keys().length + 1][];
        int[] counts = new int[keys.length];
        keys[0] = answered.own();
        counts[0] = answered.ownCount();
        System.arraycopy(others.keys(), 0, keys, 1, others.keys().length);
        System.arraycopy(others.counts(), 0, counts, 1, others.counts().length);
        int width = answered.own().length;
        int[] ids = new int[width];
        int count = IvfAdIndex.merge(keys, counts, width, ids);
        return handOff(retrieve, answered.row(), false, ids, count);
    }

    /** Cuts the retrieved ids with the light model when one is active, and hands them to the assembler. */
    private Behavior<Command> handOff(Retrieve retrieve, RequestRow row, boolean coldStart, int[] ids, int count) {
        long retrieved = ticker.nanos();
        Candidates candidates = new Candidates(row, coldStart, ids, count, retrieved);
        Optional<LightRanker.Version> light = funnel.light().active();
        if (light.isPresent() && count > funnel.maxCandidates() && !expired(retrieve)) {
            candidates = cut(light.get(), row, coldStart, ids, count, retrieved);
        }
        // Straight to the assembler: through the coordinator it would cost a hand-off to Pekko's dispatcher and back.
        retrieve.assembler()
                .tell(new FeatureAssembler.Assemble(
                        retrieve.request(), retrieve.query(), candidates, retrieve.replyTo()));
        return this;
    }

    /** The light model's best {@code maxCandidates} of the retrieved {@code ids}, best first. */
    private Candidates cut(
            LightRanker.Version light, RequestRow row, boolean coldStart, int[] ids, int count, long retrieved) {
        AdColumns ads = index.resolve(ids, count);
        int[] kept = new int[funnel.maxCandidates()];
        FeatureStores stores = funnel.stores();
        int n = LightRanker.cut(
                light, row, ads, stores.counters(), stores.wallClockMs().getAsLong(), funnel.maxCandidates(), kept);
        return new Candidates(row, coldStart, kept, n, retrieved, count, light.id(), ticker.nanos());
    }
}
