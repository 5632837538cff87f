package adsml.server;

import adsml.actors.ActorSettings;
import adsml.actors.ServingGuardian;
import adsml.actors.cluster.ClusterNode;
import adsml.actors.cluster.ClusterSettings;
import adsml.actors.cluster.IndexPartitions;
import adsml.actors.cluster.NodeAgent;
import adsml.actors.cluster.SharedEvents;
import adsml.actors.events.EventFeed;
import adsml.actors.events.EventLog;
import adsml.actors.events.EventLogHealth;
import adsml.actors.events.EventLogSettings;
import adsml.actors.events.LoggedLabels;
import adsml.actors.models.ActivationGate;
import adsml.actors.models.ActiveModel;
import adsml.actors.models.ModelRegistry;
import adsml.actors.models.VersionInfo;
import adsml.actors.ranking.FeatureStores;
import adsml.actors.ranking.RankQuery;
import adsml.actors.ranking.RankResult;
import adsml.actors.ranking.RankingCoordinator;
import adsml.actors.ranking.RemotePartitions;
import adsml.actors.ranking.ServedLog;
import adsml.http.Access;
import adsml.http.AdRoutes;
import adsml.http.AdminRoutes;
import adsml.http.AdminUiRoutes;
import adsml.http.ClusterRoutes;
import adsml.http.ConsoleRoutes;
import adsml.http.DeviceRoutes;
import adsml.http.EventCounters;
import adsml.http.EventRoutes;
import adsml.http.HealthRoutes;
import adsml.http.HttpApi;
import adsml.http.HttpSettings;
import adsml.http.LightModelRoutes;
import adsml.http.Listeners;
import adsml.http.LoopRounds;
import adsml.http.OpenApiRoutes;
import adsml.http.OverviewSampler;
import adsml.http.RankRoutes;
import adsml.http.ServingMetrics;
import adsml.http.VersionFigures;
import adsml.platform.auction.Auction;
import adsml.platform.auction.AuctionSettings;
import adsml.platform.config.SettingsReader;
import adsml.platform.counters.CounterSettings;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.features.FeatureSets;
import adsml.platform.funnel.LightOnScan;
import adsml.platform.funnel.LightRanker;
import adsml.platform.index.AdIndex;
import adsml.platform.index.BudgetTracker;
import adsml.platform.index.ExactAdIndex;
import adsml.platform.index.IndexSettings;
import adsml.platform.index.IvfAdIndex;
import adsml.platform.index.LightVector;
import adsml.platform.index.Partition;
import adsml.platform.index.RetrievalTower;
import adsml.platform.index.ScanAdIndex;
import adsml.platform.index.ann.CpuInventoryScan;
import adsml.platform.index.ann.InventoryScan;
import adsml.platform.model.InvalidModelException;
import adsml.platform.model.ModelFolder;
import adsml.platform.pacing.Pacer;
import adsml.platform.pacing.PacingSettings;
import adsml.platform.scoring.CpuScorers;
import adsml.platform.scoring.DjlScorer;
import adsml.platform.store.CachedUserStore;
import adsml.platform.store.RocksUserStore;
import adsml.platform.store.UserStore;
import adsml.platform.store.UserStoreSettings;
import adsml.platform.world.World;
import adsml.platform.world.WorldFiles;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.CpuDevice;
import adsml.scheduler.CpuSettings;
import adsml.scheduler.Device;
import adsml.scheduler.FaultSettings;
import adsml.scheduler.SchedulerSettings;
import adsml.scheduler.Ticker;
import adsml.scheduler.gpu.Backends;
import adsml.scheduler.gpu.GpuDevice;
import adsml.scheduler.gpu.GpuInventoryScan;
import adsml.scheduler.gpu.GpuSettings;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.DispatcherSelector;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.actor.typed.javadsl.Adapter;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.management.cluster.bootstrap.ClusterBootstrap;
import org.apache.pekko.management.javadsl.PekkoManagement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.concurrent.ExecutionContext;

/**
 * One running adsml: the data folder opened, the scoring and ranking machinery built, both listeners bound and the
 * newest model version activated. {@link #close()} stops it all.
 *
 * <p>The data folder holds {@code world/} (ads, campaigns, users), {@code models/<name>/<version>/}, {@code users/}
 * (the RocksDB feature store, filled from the world on first start) and the event log ({@code events.log}, with its
 * sealed segments {@code events.log.0000000001}, ... beside it).
 */
public final class AdsmlServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AdsmlServer.class);
    /** Where {@code adsml simulate} keeps its days, in a data folder; the admin UI shows the newest. */
    public static final String SIMULATIONS = "simulations";

    private static final Duration ACTIVATE_TIMEOUT = Duration.ofMinutes(5);
    /** A slow path (a large model on the CPU) gets this much warm-up, not more: readiness waits for it. */
    private static final Duration WARM_UP_LIMIT = Duration.ofSeconds(60);
    /** The default deadline of a rank request (RankRequest): what warm-up requests get. */
    private static final Duration WARM_UP_DEADLINE = Duration.ofMillis(200);
    /** Reading the event log's retained segments back at start (at most retention-bytes) takes no longer. */
    private static final Duration EVENT_LOG_READ_LIMIT = Duration.ofMinutes(10);
    /** Requests in flight at shutdown (a rank's deadline is at most 2 s) get this long to finish. */
    private static final Duration SHUTDOWN_GRACE = Duration.ofSeconds(3);
    /** A cluster's node that is not an Up member by then stops, naming its seeds. */
    private static final Duration JOIN_TIMEOUT = Duration.ofSeconds(60);

    /**
     * Where it listens, the ingest and admin tokens it runs with (and whether each was generated, which is when it may
     * be printed), and the model version it activated (empty when none was found).
     */
    public record Started(
            InetSocketAddress api,
            InetSocketAddress admin,
            String ingestToken,
            String adminToken,
            boolean ingestTokenGenerated,
            boolean adminTokenGenerated,
            Optional<String> modelVersion) {}

    private final ActorSystem<Void> system;
    private final Listeners listeners;
    private final BatchingScheduler scheduler;
    private final List<Device> devices;
    /** Closed after the scheduler, before the devices: a scan index's inventory on a GPU. */
    private final List<AutoCloseable> onDevices;

    private final UserStore users;
    /** Closed after the actors, in order: the feature log's writers and joiner, then the counter store. */
    private final List<AutoCloseable> stores;

    private final Started started;
    private final ServingGuardian.Refs actors;
    private final Marketplace marketplace;
    private final LoopRounds loopRounds;
    private final Optional<ClusterNode> cluster;

    /** The world served, its budgets, their pacing and the auction: what an in-process tool reads and adjusts. */
    public record Marketplace(World world, BudgetTracker budget, Pacer pacer, Auction auction) {}

    private AdsmlServer(
            ActorSystem<Void> system,
            Listeners listeners,
            BatchingScheduler scheduler,
            List<AutoCloseable> onDevices,
            List<Device> devices,
            UserStore users,
            List<AutoCloseable> stores,
            Started started,
            ServingGuardian.Refs actors,
            Marketplace marketplace,
            LoopRounds loopRounds,
            Optional<ClusterNode> cluster) {
        this.cluster = cluster;
        this.actors = actors;
        this.loopRounds = loopRounds;
        this.marketplace = marketplace;
        this.stores = stores;
        this.system = system;
        this.listeners = listeners;
        this.scheduler = scheduler;
        this.onDevices = onDevices;
        this.devices = devices;
        this.users = users;
        this.started = started;
    }

    public Started started() {
        return started;
    }

    public Marketplace marketplace() {
        return marketplace;
    }

    /** This node's part in a cluster, for in-process tools; empty on a single node. */
    public Optional<ClusterNode> cluster() {
        return cluster;
    }

    /**
     * The rounds of a learning loop running in this process: the loop adds each round it judges, and {@code GET
     * /admin/api/loop} shows them.
     */
    public LoopRounds loopRounds() {
        return loopRounds;
    }

    /**
     * Ranks in-process, through the same actors as {@code POST /v1/rank} but without HTTP: what benchmarks compare
     * against to price the HTTP layer. {@code query}'s deadline is in {@link Ticker#SYSTEM}'s time.
     */
    public CompletionStage<RankResult> rank(RankQuery query) {
        return rank(system, actors, query);
    }

    private static CompletionStage<RankResult> rank(
            ActorSystem<Void> system, ServingGuardian.Refs actors, RankQuery query) {
        Duration timeout = Duration.ofNanos(Math.max(0, query.deadlineNanos() - Ticker.SYSTEM.nanos()))
                .plusSeconds(1);
        return AskPattern.askWithStatus(
                actors.coordinators().next(),
                replyTo -> new RankingCoordinator.Rank(query, replyTo),
                timeout,
                system.scheduler());
    }

    /**
     * Starts serving {@code data} with {@code config}: every module's {@code adsml.*} section, and Pekko's.
     *
     * @throws com.typesafe.config.ConfigException naming the key when a setting is unknown or out of bounds
     */
    public static AdsmlServer start(Path data, Config config) throws Exception {
        return start(data, config, Clock.systemUTC(), ServedLog.NONE);
    }

    /**
     * Starts serving as {@link #start(Path, Config)} does, on {@code clock} (the days of budgets, pacing, counters and
     * the event log; deadlines stay on the system's ticker), with every ranked request's features also handed to
     * {@code tap}: how the simulation runs a day in minutes and watches its auctions.
     */
    public static AdsmlServer start(Path data, Config config, Clock clock, ServedLog tap) throws Exception {
        List<AutoCloseable> opened = new ArrayList<>();
        try {
            return start(data, config, clock, tap, opened);
        } catch (Exception | Error e) {
            // What start had opened before it failed, last first: a failed start in a process that goes on (a test, a
            // node of the cluster demo) must not keep the user store's lock, the devices or their threads.
            for (int i = opened.size() - 1; i >= 0; i--) {
                try {
                    opened.get(i).close();
                } catch (Exception | Error suppressed) {
                    e.addSuppressed(suppressed);
                }
            }
            throw e;
        }
    }

    /** The start, which adds what it opens to {@code opened} until the server's own stop owns it. */
    private static AdsmlServer start(Path data, Config config, Clock clock, ServedLog tap, List<AutoCloseable> opened)
            throws Exception {
        SettingsReader.requireKnownKeys(config);
        HttpSettings http = HttpSettings.from(config);
        ServerSettings settings = ServerSettings.from(config);
        ActorSettings actorSettings = ActorSettings.from(config);
        SchedulerSettings batching = SchedulerSettings.from(config);
        FaultSettings faults = FaultSettings.from(config);
        CpuSettings cpu = CpuSettings.from(config);
        GpuSettings gpu = GpuSettings.from(config, batching.maxBatchRows());
        Backends.Backend backend = Backends.Backend.from(config);
        AuctionSettings auctionSettings = AuctionSettings.from(config);
        UserStoreSettings userStore = UserStoreSettings.from(config);
        EventLogSettings eventLogSettings = EventLogSettings.from(config);
        CounterSettings counterSettings = CounterSettings.from(config);
        ServedLogSettings servedLogSettings = ServedLogSettings.from(config);
        ReplayGate.Settings gateSettings = ReplayGate.Settings.from(config);
        ClusterSettings clusterSettings = ClusterSettings.from(config);
        if (gateSettings.enabled()
                && !(servedLogSettings.sampleRate() > 0 && servedLogSettings.wholeRequestRate() > 0)) {
            throw new ConfigException.BadValue(
                    "adsml.server.replay-gate.enabled",
                    "the gate replays whole requests of the feature log: set adsml.server.feature-log.sample-rate"
                            + " and whole-request-rate above 0, or turn the gate off");
        }
        Path worldDir = data.resolve("world");
        if (!Files.exists(worldDir.resolve(WorldFiles.WORLD_JSON))) {
            throw new IllegalStateException(
                    "no world in " + worldDir + ": run 'adsml demo' or 'adsml world --out " + worldDir + "'");
        }
        World world = WorldFiles.read(worldDir);
        UserStore users = openUsers(data.resolve("users"), world, userStore.cacheSize());
        opened.add(users);
        BudgetTracker budget = clusterSettings.enabled() ? BudgetTracker.leased(clock) : new BudgetTracker(clock);
        Partition partition = clusterSettings.partition();
        if (!partition.whole() && !clusterSettings.enabled()) {
            throw new ConfigException.BadValue(
                    "adsml.cluster.partition",
                    "a partitioned (flat) index needs the other partitions' nodes: start with --cluster, or 0/1");
        }
        if (cpu.engine() == CpuScorers.Engine.DJL) {
            DjlScorer.setIntraOpThreads(
                    cpu.intraOpThreads()); // loads DJL's native library, which the reference engine does without
        }
        Backends.Selection selection = Backends.select(
                backend,
                gpu,
                fallbackOnly -> new CpuDevice(
                        "cpu0", cpu.workers(), cpu.memoryBudgetBytes(), fallbackOnly, cpu.engine(), cpu.workerNice()));
        LOG.info("scoring on {}", selection.description());
        List<Device> devices = selection.devices();
        opened.addAll(devices);
        // After the devices: a scan index keeps the inventory on the GPU that scores.
        AdIndex index = openIndex(
                IndexSettings.from(config),
                world,
                budget,
                data.resolve("index"),
                partition,
                devices,
                actorSettings.retrieveWidth());
        // Closed in this order at stop: what uses the scan (added first, below), then the scan.
        List<AutoCloseable> onDevices = new ArrayList<>();
        if (index instanceof ScanAdIndex scan) {
            onDevices.add(scan);
            opened.add(scan);
        }
        Optional<IndexPartitions> partitions = partition.whole()
                ? Optional.empty()
                : Optional.of(new IndexPartitions(
                        (IvfAdIndex) index, clusterSettings.scatterTimeout(), actorSettings.stagePoolSize()));
        BatchingScheduler scheduler = new BatchingScheduler(batching, faults, devices, Ticker.SYSTEM);
        opened.add(scheduler);
        ActiveModel model = new ActiveModel();
        Pacer pacer = new Pacer(PacingSettings.from(config), budget, clock);
        Auction auction = new Auction(auctionSettings, budget, pacer);
        Path models = data.resolve("models");
        Files.createDirectories(models);
        FeatureSets featureSets = FeatureSets.builtInAnd(data.resolve("features"));
        LightRanker light = new LightRanker();
        activateNewestLight(light, models, actorSettings.lightModel(), featureSets);
        CounterSnapshots realtime = CounterSnapshots.open(data.resolve("events.log.counters"), counterSettings);
        opened.add(realtime.store());
        Optional<LightOnScan> lightOnScan = index instanceof ScanAdIndex scan
                ? Optional.of(LightOnScan.start(light, scan, realtime.store(), clock::millis))
                : Optional.empty();
        lightOnScan.ifPresent(keeper -> {
            onDevices.add(0, keeper);
            opened.add(keeper);
        });
        ServedRowsLog servedLog = new ServedRowsLog(data.resolve("feature-log"), servedLogSettings, clock);
        opened.add(servedLog);
        ReplayGate replayGate = gateSettings.enabled()
                ? new ReplayGate(
                        gateSettings,
                        models.toRealPath(),
                        data.resolve("feature-log"),
                        auctionSettings,
                        world.campaigns(),
                        clock)
                : null;
        if (replayGate != null) {
            opened.add(replayGate);
        }
        VersionFigures figures = new VersionFigures(settings.liveShownAds(), settings.liveWindow(), clock);
        ServingMetrics metrics = new ServingMetrics(scheduler, figures, model);
        opened.add(metrics);
        List<AutoCloseable> stores = replayGate == null
                ? List.of(servedLog, realtime.store(), metrics)
                : List.of(servedLog, realtime.store(), replayGate, metrics);
        CounterFeed feed = new CounterFeed(realtime.store(), index, realtime);
        // A cluster's nodes share their events' counts, unless the counters are shared already (Redis).
        Optional<PublishingFeed> sharedCounts =
                clusterSettings.enabled() && !realtime.store().durable()
                        ? Optional.of(new PublishingFeed(feed))
                        : Optional.empty();
        ServedLog served = (query, features, version, pCtr, pCvr, result) -> {
            figures.served(version, features.servedAtMs(), query.requestId(), result, pCtr);
            servedLog.served(query, features, version, pCtr, pCvr, result);
        };

        CompletableFuture<ServingGuardian.Refs> refs = new CompletableFuture<>();
        EventLogHealth eventLogHealth = new EventLogHealth();
        ServingGuardian.Deps deps = new ServingGuardian.Deps(
                index,
                users,
                scheduler,
                devices,
                model,
                light,
                auction,
                Ticker.SYSTEM,
                clock,
                models.toRealPath(),
                new FeatureStores(featureSets, realtime.store(), clock::millis),
                tap == ServedLog.NONE
                        ? served
                        : (query, features, version, pCtr, pCvr, result) -> {
                            served.served(query, features, version, pCtr, pCvr, result);
                            tap.served(query, features, version, pCtr, pCvr, result);
                        },
                figures.shadow(),
                new ServingGuardian.EventLogDeps(
                        data.resolve("events.log"),
                        eventLogSettings,
                        eventLogHealth,
                        new SpendToBudgets(index, budget),
                        sharedCounts.map(EventFeed.class::cast).orElse(feed)),
                replayGate == null ? ActivationGate.NONE : replayGate,
                partitions.map(RemotePartitions.class::cast),
                lightOnScan);
        ActorSystem<Void> system = ActorSystem.create(
                ServingGuardian.create(deps, refs), "adsml", ClusterSettings.withPekkoCluster(config));
        opened.clear(); // from here, stop closes all of it
        LoopRounds loopRounds = new LoopRounds();
        AtomicBoolean warm = new AtomicBoolean();
        Listeners listeners = null;
        try {
            ServingGuardian.Refs actors = refs.get(30, TimeUnit.SECONDS);
            String ingestToken = http.ingestToken().isEmpty() ? newToken() : http.ingestToken();
            String token = http.adminToken().isEmpty() ? newToken() : http.adminToken();
            HttpSettings effective = http.withTokens(ingestToken, token);
            EventCounters counters = new EventCounters();
            Executor blocking =
                    system.dispatchers().lookup(DispatcherSelector.fromConfig("adsml.actors.blocking-dispatcher"));
            OverviewSampler overview = new OverviewSampler(metrics, scheduler::stats, counters, Clock.systemUTC());
            AtomicReference<InetSocketAddress> api = new AtomicReference<>();
            Optional<ClusterNode> cluster = clusterSettings.enabled()
                    ? Optional.of(joinCluster(
                            system,
                            clusterSettings,
                            ClusterNode.start(
                                    system,
                                    clusterSettings,
                                    index,
                                    world.campaigns(),
                                    budget,
                                    actors.registry(),
                                    model,
                                    () -> api.get() == null
                                            ? null
                                            : "http://" + api.get().getHostString() + ":"
                                                    + api.get().getPort(),
                                    settings.modelName(),
                                    () -> load(overview, warm.get()),
                                    http.modelLoadTimeout(),
                                    partitions)))
                    : Optional.empty();
            if (cluster.isPresent()) {
                // Once the event log has read today's spend and events back: this node's spend may be published
                // (not a 0 over what it published before a restart), and what it logs from then on is new to the
                // others' counters, not a replay.
                ClusterNode node = cluster.get();
                Optional<ActorRef<SharedEvents.Command>> shared = sharedCounts.map(publishing -> system.systemActorOf(
                        SharedEvents.create(node.name(), new CounterFeed(realtime.store(), index, realtime)),
                        "cluster-events",
                        Props.empty()));
                eventLogHealth.settled().thenRun(() -> {
                    node.spendSettled();
                    shared.ifPresent(to -> sharedCounts
                            .get()
                            .publishTo((events, at) -> to.tell(
                                    new SharedEvents.Publish(new SharedEvents.Logged(node.name(), events, at)))));
                });
            }
            FeatureLogJoins joins = new FeatureLogJoins(
                    data.resolve("feature-log"),
                    featureSets,
                    servedLogSettings.attributionWindow(),
                    new LoggedLabels(data.resolve("events.log")),
                    clock);
            system.scheduler()
                    .scheduleWithFixedDelay(
                            servedLogSettings.joinInterval(),
                            servedLogSettings.joinInterval(),
                            joins,
                            ExecutionContext.fromExecutor(blocking));
            // Cancelled with the actor system, before the scheduler it reads is closed.
            system.scheduler()
                    .scheduleAtFixedRate(
                            Duration.ZERO, OverviewSampler.INTERVAL, overview::sample, system.executionContext());
            HttpApi.Areas areas = new HttpApi.Areas(
                    new RankRoutes(actors.coordinators(), system.scheduler(), Ticker.SYSTEM, effective, metrics),
                    new EventRoutes(
                            new EventRoutes.Log(actors.events(), eventLogSettings.maxInFlightBatches()),
                            index,
                            budget,
                            system.scheduler(),
                            effective,
                            metrics,
                            counters,
                            figures,
                            clock,
                            system.executionContext()),
                    new AdRoutes(
                            index,
                            world.campaigns(),
                            budget,
                            effective,
                            blocking,
                            entry -> cluster.ifPresent(node -> node.published(
                                    entry.ad().id(),
                                    entry.ad().campaignId(),
                                    entry.ad().category(),
                                    entry.ad().creativeType(),
                                    entry.ad().embedding(),
                                    entry.paused()))),
                    new HealthRoutes(model, scheduler, metrics, warm::get, eventLogHealth),
                    new OpenApiRoutes(),
                    new AdminRoutes(
                            actors.registry(),
                            model,
                            scheduler,
                            system.scheduler(),
                            effective,
                            actorSettings.maxCandidates(),
                            models.toRealPath(),
                            blocking,
                            () -> FeaturePlatformStatus.of(servedLogSettings, servedLog, joins, realtime.store(), feed),
                            figures,
                            loopRounds,
                            cluster.map(ClusterNode::rollout)),
                    new LightModelRoutes(
                            light,
                            featureSets,
                            models.toRealPath(),
                            actorSettings.retrieveWidth(),
                            actorSettings.maxCandidates(),
                            blocking,
                            clock,
                            () -> lightOnScan.flatMap(LightOnScan::live)),
                    new DeviceRoutes(devices, scheduler, effective.maxBodyBytes()),
                    new ClusterRoutes(cluster, settings.modelName(), blocking),
                    new ConsoleRoutes(overview, counters, index, users, effective, blocking, data.resolve(SIMULATIONS)),
                    new AdminUiRoutes());
            listeners = Listeners.bind(system, effective, HttpApi.of(areas, Access.of(effective), metrics, effective));
            api.set(listeners.api());
            // Listening already, so /health/live answers during a long load; /health/ready waits for the warm-up.
            // A cluster's node serves the version the cluster serves, when its rollouts have set one.
            Optional<String> clusterVersion = cluster.isPresent()
                    ? cluster.get()
                            .rollout()
                            .clusterVersion()
                            .toCompletableFuture()
                            .get(30, TimeUnit.SECONDS)
                    : Optional.empty();
            Optional<String> version = clusterVersion.isPresent()
                    ? Optional.of(activate(system, actors, settings.modelName(), clusterVersion.get()))
                    : activateNewest(system, actors, models.resolve(settings.modelName()), settings.modelName());
            cluster.ifPresent(ClusterNode::serving);
            if (version.isPresent()
                    && settings.warmUpRequests() > 0
                    && !world.users().isEmpty()) {
                warmUp(system, actors, world, settings.warmUpRequests(), settings.warmUpConcurrency());
            }
            // Today's spend is rebuilt from the log before start returns: an exhausted campaign stays exhausted.
            eventLogHealth.settled().get(EVENT_LOG_READ_LIMIT.toSeconds(), TimeUnit.SECONDS);
            eventLogHealth.problem().ifPresent(problem -> LOG.warn("{}: /health/ready is 503 until it can", problem));
            warm.set(true);
            return new AdsmlServer(
                    system,
                    listeners,
                    scheduler,
                    onDevices,
                    devices,
                    users,
                    stores,
                    new Started(
                            listeners.api(),
                            listeners.admin(),
                            ingestToken,
                            token,
                            http.ingestToken().isEmpty(),
                            http.adminToken().isEmpty(),
                            version),
                    actors,
                    new Marketplace(world, budget, pacer, auction),
                    loopRounds,
                    cluster);
        } catch (Exception | Error e) {
            stop(listeners, system, scheduler, onDevices, devices, users, stores, e);
            throw e;
        }
    }

    /**
     * Stops in the order the scheduler's contract asks: listeners, then the actors (the registry closes its versions as
     * it stops), then the scheduler, then what lives on the devices (a scan index's inventory), the devices, the user
     * store, the feature log, the counters and the metrics. Each step runs even when an earlier one failed; failures
     * are attached to {@code cause} when there is one, else logged.
     */
    private static void stop(
            Listeners listeners,
            ActorSystem<Void> system,
            BatchingScheduler scheduler,
            List<AutoCloseable> onDevices,
            List<Device> devices,
            UserStore users,
            List<AutoCloseable> stores,
            Throwable cause) {
        List<Runnable> steps = new ArrayList<>();
        if (listeners != null) {
            steps.add(() -> listeners.unbind(SHUTDOWN_GRACE));
        }
        steps.add(() -> {
            system.terminate();
            try {
                system.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                throw new IllegalStateException("the actor system did not stop in 30 s: " + e, e);
            }
        });
        steps.add(scheduler::close);
        for (AutoCloseable c : onDevices) {
            steps.add(() -> {
                try {
                    c.close();
                } catch (Exception e) {
                    throw new IllegalStateException("closing " + c + ": " + e, e);
                }
            });
        }
        devices.forEach(d -> steps.add(d::close));
        steps.add(users::close);
        for (AutoCloseable store : stores) {
            steps.add(() -> {
                try {
                    store.close();
                } catch (Exception e) {
                    throw new IllegalStateException("closing " + store + ": " + e, e);
                }
            });
        }
        for (Runnable step : steps) {
            try {
                step.run();
            } catch (RuntimeException e) {
                if (cause != null) {
                    cause.addSuppressed(e);
                } else {
                    LOG.warn("shutting down: {}", e.toString());
                }
            }
        }
    }

    /**
     * Ranks {@code requests} queries for the world's users through the actors, {@code concurrency} at a time, with the
     * serving deadline. Failures (deadlines missed while the JIT is cold) are expected and only counted; the point is
     * the compiled request path, not the answers. Why several at a time: two in flight never filled a batch of more
     * than two requests, and on two cores the JIT was still compiling the paths of fuller batches through the first two
     * minutes of load at 8 clients, when tails past the 200 ms deadline came back as 503s.
     */
    private static void warmUp(
            ActorSystem<Void> system, ServingGuardian.Refs actors, World world, int requests, int concurrency)
            throws InterruptedException {
        long started = System.nanoTime();
        SplittableRandom random = new SplittableRandom(20261126L);
        AtomicInteger failed = new AtomicInteger();
        Semaphore places = new Semaphore(concurrency);
        int sent = 0;
        long giveUp = started + WARM_UP_LIMIT.toNanos();
        while (sent < requests && System.nanoTime() < giveUp) {
            places.acquire();
            User user = world.user(random.nextInt(world.users().size()));
            RankQuery query = new RankQuery(
                    null, // not logged
                    "u" + user.id(),
                    user.id(),
                    user.country(),
                    user.device(),
                    new Context(random.nextInt(Vocab.SURFACES.length), random.nextInt(Vocab.HOURS), 0),
                    5,
                    Ticker.SYSTEM.nanos() + WARM_UP_DEADLINE.toNanos(),
                    false);
            try {
                rank(system, actors, query).whenComplete((result, failure) -> {
                    if (failure != null) {
                        failed.incrementAndGet();
                    }
                    places.release();
                });
            } catch (RuntimeException e) {
                places.release();
                throw e;
            }
            sent++;
        }
        places.acquire(concurrency); // every answer in
        LOG.info(
                "warmed the request path with {} rank requests, {} at a time, in {} ms ({} failed, most for a deadline"
                        + " missed while the JIT was cold)",
                sent,
                concurrency,
                (System.nanoTime() - started) / 1_000_000,
                failed.get());
    }

    private static UserStore openUsers(Path dir, World world, int cacheSize) {
        RocksUserStore rocks = RocksUserStore.open(dir);
        try {
            if (rocks.get(0).isEmpty() && !world.users().isEmpty()) {
                LOG.info(
                        "filling the user store in {} with the world's {} users",
                        dir,
                        world.users().size());
                rocks.putAll(world.users());
            }
            return new CachedUserStore(rocks, cacheSize);
        } catch (RuntimeException e) {
            rocks.close();
            throw e;
        }
    }

    private static Optional<String> activateNewest(
            ActorSystem<Void> system, ServingGuardian.Refs actors, Path modelDir, String name) throws Exception {
        int newest = ModelFolder.highestVersion(modelDir);
        if (newest == 0) {
            LOG.warn("no version under {}: /health/ready stays 503 until one is loaded and activated", modelDir);
            return Optional.empty();
        }
        return Optional.of(activate(system, actors, name, Integer.toString(newest)));
    }

    /** Loads and activates {@code name/version}; its id. */
    private static String activate(ActorSystem<Void> system, ServingGuardian.Refs actors, String name, String version)
            throws Exception {
        try {
            AskPattern.<ModelRegistry.Command, VersionInfo>askWithStatus(
                            actors.registry(),
                            replyTo -> new ModelRegistry.Load(name, version, replyTo),
                            ACTIVATE_TIMEOUT,
                            system.scheduler())
                    .toCompletableFuture()
                    .get();
            VersionInfo active = AskPattern.<ModelRegistry.Command, VersionInfo>askWithStatus(
                            actors.registry(),
                            replyTo -> new ModelRegistry.Activate(name, version, replyTo),
                            ACTIVATE_TIMEOUT,
                            system.scheduler())
                    .toCompletableFuture()
                    .get();
            return active.id();
        } catch (ExecutionException e) {
            throw new IllegalStateException(
                    "activating " + name + "/" + version + ": " + e.getCause().getMessage(), e);
        }
    }

    /**
     * Starts pekko-management (health checks, the members over HTTP, the bootstrap's contact point) and, when asked,
     * the cluster bootstrap; then waits until {@code node} is an Up member: a node that cannot join does not serve.
     */
    private static ClusterNode joinCluster(ActorSystem<Void> system, ClusterSettings settings, ClusterNode node)
            throws Exception {
        org.apache.pekko.actor.ActorSystem classic = Adapter.toClassic(system);
        PekkoManagement.get(classic).start().toCompletableFuture().get(30, TimeUnit.SECONDS);
        if (settings.bootstrap()) {
            ClusterBootstrap.get(classic).start();
        }
        try {
            node.up().toCompletableFuture().get(JOIN_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            throw new IllegalStateException("node " + node.name() + " did not join a cluster in "
                    + JOIN_TIMEOUT.toSeconds() + " s: are the seed nodes (pekko.cluster.seed-nodes) running and"
                    + " reachable, or the bootstrap's discovery set?");
        }
        LOG.info("node {} is Up in the cluster: {}", node.name(), node.members());
        return node;
    }

    /** This node's figures for the cluster's status: ready, and the overview's rank rate and p99. */
    private static NodeAgent.NodeLoad load(OverviewSampler overview, boolean warm) {
        return overview.headline()
                .map(p -> new NodeAgent.NodeLoad(warm, p.requestsPerSec(), p.p99Ms()))
                .orElse(new NodeAgent.NodeLoad(warm, 0, null));
    }

    /**
     * Makes the newest version of {@code models/<name>} the funnel's light model, if it has one; none for {@code ""}. A
     * version that cannot serve is left out with a warning naming why: the light stage is optional, and the admin API
     * can activate a good version later without a restart.
     */
    private static void activateNewestLight(LightRanker light, Path models, String name, FeatureSets sets)
            throws IOException {
        if (name.isEmpty()) {
            return;
        }
        Path dir = models.resolve(name);
        int newest = ModelFolder.highestVersion(dir);
        if (newest == 0) {
            LOG.info("no light model in {}: retrieval hands its best candidates to the heavy model", dir);
            return;
        }
        LightRanker.Version version;
        try {
            version = LightRanker.load(dir.resolve(Integer.toString(newest)), sets);
        } catch (InvalidModelException e) {
            LOG.warn(
                    "no light model: {} cannot serve ({}); retrieval hands its best candidates to the heavy model",
                    dir.resolve(Integer.toString(newest)),
                    e.getMessage());
            return;
        }
        light.activate(version);
        LOG.info(
                "light model {} ({}) cuts retrieval for the heavy model",
                version.id(),
                version.set().set().id());
    }

    /**
     * The world's ads in the index {@code settings} chooses for its size; an IVF's lists are kept in {@code dir}. A
     * partition of a flat layout is always an IVF, of that partition's ads.
     */
    private static AdIndex openIndex(
            IndexSettings settings,
            World world,
            BudgetTracker budget,
            Path dir,
            Partition partition,
            List<Device> devices,
            int retrieveWidth)
            throws IOException {
        IndexSettings.Kind kind = settings.kind();
        if (!partition.whole() && (kind == IndexSettings.Kind.SCAN || kind == IndexSettings.Kind.EXACT)) {
            throw new ConfigException.BadValue(
                    "adsml.platform.index.kind",
                    "a partitioned (flat) index is an IVF of its partition's ads: set ivf or auto, or the partition"
                            + " to 0/1");
        }
        if (kind == IndexSettings.Kind.SCAN) {
            return openScan(settings, world, budget, dir, devices, retrieveWidth);
        }
        if (partition.whole() && !settings.ivfFor(world.ads().size())) {
            return ExactAdIndex.of(world, budget);
        }
        long start = System.nanoTime();
        RetrievalTower tower =
                new RetrievalTower(settings.retrievalDim(), world.config().seed());
        Path file = IvfAdIndex.fileIn(dir, partition);
        IvfAdIndex index = IvfAdIndex.openPartition(world, budget, tower, file, partition);
        LOG.info(
                "retrieval: {} ads{} in an IVF index of {} lists over {}-d two-tower vectors ({} bytes per ad), {} in"
                        + " {} ms",
                index.searchable(),
                partition.whole()
                        ? ""
                        : " (partition " + partition + " of the world's "
                                + world.ads().size() + ")",
                index.lists(),
                tower.dim(),
                Math.round(index.bytesPerAd()),
                index.loadedFromFile() ? "read from " + file : "built and saved",
                (System.nanoTime() - start) / 1_000_000);
        return index;
    }

    /**
     * The world's ads in an inventory scan: on the first GPU the server scores on, else (with a warning: every
     * retrieval then reads every ad on a CPU core) on the CPU; with an IVF of the same vectors beside it, kept in
     * {@code dir} as kind = ivf keeps it, as the store and the standby.
     */
    private static ScanAdIndex openScan(
            IndexSettings settings,
            World world,
            BudgetTracker budget,
            Path dir,
            List<Device> devices,
            int retrieveWidth)
            throws IOException {
        long start = System.nanoTime();
        RetrievalTower tower =
                new RetrievalTower(settings.retrievalDim(), world.config().seed());
        Optional<GpuDevice> gpu = devices.stream()
                .filter(GpuDevice.class::isInstance)
                .map(GpuDevice.class::cast)
                .findFirst();
        if (gpu.isPresent() && ScanAdIndex.dim(tower) > GpuInventoryScan.MAX_DIM) {
            throw new ConfigException.BadValue(
                    "adsml.platform.index.retrieval-dim",
                    settings.retrievalDim() + ": the GPU's inventory scan holds rows of at most "
                            + GpuInventoryScan.MAX_DIM + " floats, the tower's and the light model's "
                            + LightVector.DIM + ", so at most " + (GpuInventoryScan.MAX_DIM - LightVector.DIM)
                            + " with kind = scan");
        }
        IvfAdIndex standby = IvfAdIndex.open(world, budget, tower, IvfAdIndex.fileIn(dir, Partition.WHOLE));
        ScanAdIndex index = ScanAdIndex.open(
                standby,
                tower,
                budget,
                (dim, capacity) -> gpu.<InventoryScan>map(g -> g.openInventory(dim, capacity))
                        .orElseGet(() -> new CpuInventoryScan(dim, capacity)),
                settings.scanTimeout());
        if (retrieveWidth > InventoryScan.MAX_K) {
            LOG.info(
                    "retrieval: whenever a light model ranks on the inventory scan, a request's retrieval returns the"
                            + " scan's best {}, fewer than adsml.actors.funnel.retrieve-width = {} (which the standby"
                            + " IVF and the CPU's light cut use)",
                    InventoryScan.MAX_K,
                    retrieveWidth);
        }
        if (gpu.isEmpty()) {
            LOG.warn(
                    "retrieval: adsml.platform.index.kind = scan without a GPU reads all {} ads on a CPU core per"
                            + " request; use ivf or auto unless the world is small",
                    world.ads().size());
        }
        LOG.info(
                "retrieval: {} ads in an inventory scan over {}-d two-tower vectors, {}, in {} ms",
                world.ads().size(),
                tower.dim(),
                index.scan(),
                (System.nanoTime() - start) / 1_000_000);
        return index;
    }

    /**
     * Charges the spend the event log finds at start to the ads' campaigns, counting the events it wrote on the
     * budgets' own day: what {@link BudgetTracker#charge} would have charged them to.
     */
    private record SpendToBudgets(AdIndex index, BudgetTracker budget) implements EventLog.SpendReplay {
        @Override
        public boolean countsNow(long loggedAtMs) {
            return budget.isToday(loggedAtMs);
        }

        @Override
        public void spent(int adId, double dollars) {
            index.get(adId).ifPresent(entry -> budget.charge(entry.campaign().id(), dollars));
        }
    }

    private static String newToken() {
        byte[] bytes = new byte[18];
        new SecureRandom().nextBytes(bytes);
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }

    @Override
    public void close() {
        stop(listeners, system, scheduler, onDevices, devices, users, stores, null);
    }
}
