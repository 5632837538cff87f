package adsml.actors.ranking;

import adsml.platform.counters.CounterKeys;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.User;
import adsml.platform.features.RequestRow;
import adsml.platform.funnel.LightRanker;
import adsml.platform.index.AdIndex;
import adsml.platform.index.Audience;
import adsml.platform.store.UserStore;
import adsml.scheduler.Ticker;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
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
 * model's eCPM of up to {@code retrieveWidth} retrieved (the funnel). The user's feature row is computed here, once per
 * request. Runs as a pool on the CPU dispatcher, since retrieval scans the index; a user the store cannot answer at
 * once (a cache miss that reads RocksDB) is loaded on the blocking executor and the retrieval resumes when it arrives,
 * so disk reads never hold a CPU thread. A store that fails serves the request as a cold start, with a warning: an ad
 * is still better than an error.
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
    private final Ticker ticker;
    private long lastStoreWarning;
    private long suppressedStoreWarnings;

    private CandidateRetriever(
            ActorContext<Command> context,
            AdIndex index,
            UserStore users,
            Executor storeExecutor,
            Funnel funnel,
            Ticker ticker) {
        super(context);
        this.ticker = ticker;
        this.index = index;
        this.users = users;
        this.storeExecutor = storeExecutor;
        this.funnel = funnel;
    }

    /**
     * The funnel's widths: the heavy model scores up to {@code maxCandidates}; while {@code light} has an active
     * version, retrieval finds up to {@code retrieveWidth} and the light model keeps the best {@code maxCandidates},
     * reading the counters of {@code stores}.
     */
    public record Funnel(int maxCandidates, int retrieveWidth, LightRanker light, FeatureStores stores) {
        public Funnel {
            if (maxCandidates < 1 || retrieveWidth < maxCandidates) {
                throw new IllegalArgumentException(
                        "need 1 <= maxCandidates <= retrieveWidth, were " + maxCandidates + ", " + retrieveWidth);
            }
        }
    }

    /** A retriever that loads users the store cannot answer at once on {@code storeExecutor}. */
    public static Behavior<Command> create(
            AdIndex index, UserStore users, Executor storeExecutor, Funnel funnel, Ticker ticker) {
        return Behaviors.setup(context -> new CandidateRetriever(context, index, users, storeExecutor, funnel, ticker));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Retrieve.class, this::onRetrieve)
                .onMessage(UserLoaded.class, loaded -> retrieve(loaded.retrieve(), loaded.user()))
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
        Optional<LightRanker.Version> light = funnel.light().active();
        int width = light.isPresent() ? funnel.retrieveWidth() : funnel.maxCandidates();
        int[] ids = new int[width];
        int count;
        RequestRow row;
        if (user.isPresent()) {
            count = index.retrieve(user.get(), q.context(), width, ids);
            row = RequestRow.of(user.get(), CounterKeys.user(q.userKey()), q.context());
        } else {
            Audience unknown = new Audience(q.country(), q.device(), -1, 0L, Audience.UNKNOWN.embedding());
            count = index.retrieve(unknown, q.context(), width, ids);
            row = RequestRow.coldStart(q.country(), q.device(), CounterKeys.user(q.userKey()), q.context());
        }
        long retrieved = ticker.nanos();
        Candidates candidates = new Candidates(row, user.isEmpty(), ids, count, retrieved);
        if (light.isPresent() && count > funnel.maxCandidates() && !expired(retrieve)) {
            candidates = cut(light.get(), row, user.isEmpty(), ids, count, retrieved);
        }
        // Straight to the assembler: through the coordinator it would cost a hand-off to Pekko's dispatcher and back.
        retrieve.assembler().tell(new FeatureAssembler.Assemble(retrieve.request(), q, candidates, retrieve.replyTo()));
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
