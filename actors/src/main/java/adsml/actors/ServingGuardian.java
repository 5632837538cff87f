package adsml.actors;

import adsml.actors.events.EventFeed;
import adsml.actors.events.EventLog;
import adsml.actors.events.EventLogHealth;
import adsml.actors.events.EventLogSettings;
import adsml.actors.models.ActivationGate;
import adsml.actors.models.ActiveModel;
import adsml.actors.models.ModelRegistry;
import adsml.actors.ranking.CandidateRetriever;
import adsml.actors.ranking.FeatureAssembler;
import adsml.actors.ranking.FeatureStores;
import adsml.actors.ranking.RankingCoordinator;
import adsml.actors.ranking.RemotePartitions;
import adsml.actors.ranking.ServedLog;
import adsml.actors.ranking.ShadowLog;
import adsml.actors.ranking.StagePool;
import adsml.platform.auction.Auction;
import adsml.platform.funnel.LightOnScan;
import adsml.platform.funnel.LightRanker;
import adsml.platform.index.AdIndex;
import adsml.platform.store.UserStore;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.Device;
import adsml.scheduler.Ticker;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.SupervisorStrategy;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The root of the serving actor system: spawns every long-lived actor once and hands their references out through
 * {@code refs}. The request-stage pools run on the CPU dispatcher; user-store misses, model loads and the event log
 * each have a bounded pool of their own (all in {@code reference.conf}), so that none of them waits behind another.
 */
public final class ServingGuardian {

    /** What the HTTP edge talks to. */
    public record Refs(
            StagePool<RankingCoordinator.Command> coordinators,
            ActorRef<ModelRegistry.Command> registry,
            ActorRef<EventLog.Command> events) {}

    /** The plain objects the actors share. */
    public record Deps(
            AdIndex index,
            UserStore users,
            BatchingScheduler scheduler,
            List<Device> devices,
            ActiveModel model,
            LightRanker light,
            Auction auction,
            Ticker ticker,
            Clock clock,
            Path modelsRoot,
            FeatureStores features,
            ServedLog servedLog,
            ShadowLog shadowLog,
            EventLogDeps eventLog,
            ActivationGate activationGate,
            Optional<RemotePartitions> partitions,
            Optional<LightOnScan> lightOnScan) {}

    /**
     * What the event log needs from outside: its file, its settings, where it publishes whether it can write, and where
     * the spend it finds at start goes.
     */
    public record EventLogDeps(
            Path file,
            EventLogSettings settings,
            EventLogHealth health,
            EventLog.SpendReplay spendReplay,
            EventFeed feed) {}

    private ServingGuardian() {}

    public static Behavior<Void> create(Deps deps, CompletableFuture<Refs> refs) {
        return Behaviors.setup(context -> {
            DispatcherSelector cpu = DispatcherSelector.fromConfig("adsml.actors.cpu-dispatcher");
            Executor userStore = context.getSystem()
                    .dispatchers()
                    .lookup(DispatcherSelector.fromConfig("adsml.actors.user-store-dispatcher"));
            Executor modelLoads = context.getSystem()
                    .dispatchers()
                    .lookup(DispatcherSelector.fromConfig("adsml.actors.model-load-dispatcher"));
            ActorSettings settings;
            try {
                settings = ActorSettings.from(context.getSystem().settings().config());
            } catch (RuntimeException e) {
                refs.completeExceptionally(e); // the server's start fails with the reason at once, not after its wait
                throw e;
            }
            int pool = settings.stagePoolSize();

            List<ActorRef<CandidateRetriever.Command>> retrievers = new ArrayList<>();
            List<ActorRef<FeatureAssembler.Command>> assemblers = new ArrayList<>();
            for (int i = 0; i < pool; i++) {
                retrievers.add(context.spawn(
                        supervised(CandidateRetriever.create(
                                deps.index(),
                                deps.users(),
                                userStore,
                                new CandidateRetriever.Funnel(
                                        settings.maxCandidates(),
                                        settings.retrieveWidth(),
                                        deps.light(),
                                        deps.features(),
                                        deps.lightOnScan()),
                                deps.partitions(),
                                deps.ticker())),
                        "retriever-" + i,
                        cpu));
                assemblers.add(context.spawn(
                        supervised(FeatureAssembler.create(
                                deps.index(), deps.scheduler(), deps.model(), deps.features(), deps.ticker())),
                        "assembler-" + i,
                        cpu));
            }
            RankingCoordinator.Pipeline pipeline = new RankingCoordinator.Pipeline(
                    new StagePool<>(retrievers),
                    new StagePool<>(assemblers),
                    deps.scheduler(),
                    deps.model(),
                    deps.features(),
                    deps.auction(),
                    deps.servedLog(),
                    deps.shadowLog(),
                    deps.ticker());
            List<ActorRef<RankingCoordinator.Command>> coordinators = new ArrayList<>();
            for (int i = 0; i < pool; i++) {
                // Resumed, not restarted, after any failure: a restart would drop every request in flight
                // unanswered, and a stopped coordinator would keep its turn in the pool; resumed, a
                // request a failure left behind fails at its deadline.
                coordinators.add(context.spawn(
                        Behaviors.supervise(RankingCoordinator.create(pipeline))
                                .onFailure(Throwable.class, SupervisorStrategy.resume()),
                        "coordinator-" + i));
            }
            ActorRef<ModelRegistry.Command> registry = context.spawn(
                    ModelRegistry.create(
                            deps.modelsRoot(),
                            deps.devices(),
                            deps.scheduler(),
                            deps.features().sets(),
                            deps.ticker(),
                            deps.model(),
                            modelLoads,
                            deps.clock(),
                            deps.activationGate()),
                    "models");
            EventLogDeps log = deps.eventLog();
            ActorRef<EventLog.Command> events = context.spawn(
                    EventLog.create(
                            log.file(),
                            log.settings(),
                            EventLog.FILES,
                            deps.clock(),
                            log.health(),
                            log.spendReplay(),
                            log.feed()),
                    "events",
                    DispatcherSelector.fromConfig("adsml.actors.event-log.dispatcher"));
            refs.complete(new Refs(new StagePool<>(coordinators), registry, events));
            return Behaviors.empty();
        });
    }

    /**
     * A stage that fails on one request, with any Throwable, restarts for the next: a stopped stage would keep its turn
     * in the StagePool, and every request sent to it would wait out its deadline.
     */
    static <T> Behavior<T> supervised(Behavior<T> behavior) {
        return Behaviors.supervise(behavior).onFailure(Throwable.class, SupervisorStrategy.restart());
    }
}
