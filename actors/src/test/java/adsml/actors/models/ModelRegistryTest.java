package adsml.actors.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.features.FeatureSets;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.CpuDevice;
import adsml.scheduler.Device;
import adsml.scheduler.SchedulerSettings;
import adsml.scheduler.Ticker;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelRegistryTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final Duration LOAD = Duration.ofSeconds(60);

    @TempDir
    Path models;

    private Device device;
    private BatchingScheduler scheduler;
    private ActiveModel active;
    private ActorRef<ModelRegistry.Command> registry;
    /** What the registry's gate answers; open unless a test closes it. */
    private volatile ActivationGate gate = ActivationGate.NONE;

    @BeforeEach
    void start() throws Exception {
        ModelSpec spec = ModelPreset.DEMO.spec("ctr", "0");
        for (int seed = 1; seed <= 3; seed++) {
            ModelFolder.saveNextVersion(new Model.Dcn(spec, DcnWeights.random(spec, seed)), models.resolve("ctr"));
        }
        device = new CpuDevice("cpu0", 1, 1L << 30);
        scheduler = new BatchingScheduler(SchedulerSettings.defaults(), List.of(device), Ticker.SYSTEM);
        active = new ActiveModel();
        registry = KIT.spawn(ModelRegistry.create(
                models.toRealPath(),
                List.of(device),
                scheduler,
                FeatureSets.builtIn(),
                Ticker.SYSTEM,
                active,
                Executors.newSingleThreadExecutor(),
                Clock.systemUTC(),
                (candidate, against) -> gate.check(candidate, against)));
    }

    @AfterEach
    void stop() {
        KIT.stop(registry);
        scheduler.close();
        device.close();
    }

    @AfterAll
    static void shutdown() {
        KIT.shutdownTestKit();
    }

    private StatusReply<VersionInfo> load(String version) {
        TestProbe<StatusReply<VersionInfo>> probe = KIT.createTestProbe();
        registry.tell(new ModelRegistry.Load("ctr", version, probe.getRef()));
        return probe.receiveMessage(LOAD);
    }

    private StatusReply<VersionInfo> activate(String version) {
        TestProbe<StatusReply<VersionInfo>> probe = KIT.createTestProbe();
        registry.tell(new ModelRegistry.Activate("ctr", version, probe.getRef()));
        return probe.receiveMessage();
    }

    @Test
    void load_validatesAgainstTheReference_thenActivateSwapsAtomically() {
        StatusReply<VersionInfo> loaded = load("1");
        assertTrue(loaded.isSuccess(), () -> loaded.getError().getMessage());
        assertEquals(VersionState.READY, loaded.getValue().state());
        assertTrue(
                loaded.getValue().detail().contains("max |backend - reference|"),
                loaded.getValue().detail());
        assertTrue(active.current().isEmpty(), "loading alone must not take traffic");

        assertEquals(VersionState.ACTIVE, activate("1").getValue().state());
        assertEquals("ctr/1", active.current().orElseThrow().id());
        assertTrue(load("2").isSuccess());
        activate("2");
        assertEquals("ctr/2", active.current().orElseThrow().id());
    }

    @Test
    void load_isWarmingWhileItsGoldenBatchWaits_thenReadyWithItsLoadTime() throws Exception {
        // Shadow work past half the queue is shed and retried: with room for 20 shadow rows, the
        // 32-row golden batch waits, and the version stays WARMING until the queue grows again.
        SchedulerSettings roomy = scheduler.settings();
        scheduler.updateSettings(roomy.withMaxQueuedRows(40));
        TestProbe<StatusReply<VersionInfo>> probe = KIT.createTestProbe();
        registry.tell(new ModelRegistry.Load("ctr", "1", probe.getRef()));
        VersionInfo warming = awaitState("ctr/1", VersionState.WARMING);
        assertNull(warming.loadedAt(), "not loaded yet");
        scheduler.updateSettings(roomy);
        StatusReply<VersionInfo> ready = probe.receiveMessage(LOAD);
        assertTrue(ready.isSuccess(), () -> ready.getError().getMessage());
        assertEquals(VersionState.READY, ready.getValue().state());
        assertNotNull(ready.getValue().loadedAt());
        assertEquals(
                ready.getValue().loadedAt(), activate("1").getValue().loadedAt(), "activation keeps the load time");
    }

    private VersionInfo awaitState(String id, VersionState state) throws InterruptedException {
        TestProbe<List<VersionInfo>> list = KIT.createTestProbe();
        long giveUp = System.nanoTime() + LOAD.toNanos();
        while (System.nanoTime() < giveUp) {
            registry.tell(new ModelRegistry.ListVersions(list.getRef()));
            for (VersionInfo v : list.receiveMessage()) {
                if (v.id().equals(id) && v.state() == state) {
                    return v;
                }
            }
            Thread.sleep(10);
        }
        throw new AssertionError(id + " never became " + state);
    }

    @Test
    void brokenVersion_failsWithTheReason_andLeavesTheActiveOneServing() throws Exception {
        load("1");
        activate("1");
        Files.writeString(models.resolve("ctr/2/model.json"), "{\"format\": 1, \"name\": ");
        StatusReply<VersionInfo> refused = load("2");
        assertTrue(refused.isError());
        assertTrue(
                refused.getError().getMessage().contains("model.json: not valid JSON"),
                refused.getError().getMessage());
        assertEquals("ctr/1", active.current().orElseThrow().id());
        assertTrue(activate("2").isError(), "a failed version cannot be activated");
        assertEquals("ctr/1", active.current().orElseThrow().id());
    }

    @Test
    void gate_refusesAnActivationWithItsReason_butNeverTheFirstNorARollback() {
        List<String> asked = new CopyOnWriteArrayList<>();
        gate = (candidate, against) -> {
            asked.add(candidate + " against " + against);
            return CompletableFuture.completedFuture(Optional.of("estimated RPM 90.00 is more than 2% under 100.00"));
        };
        load("1");
        assertTrue(activate("1").isSuccess(), "the first version has nothing to be judged against");
        load("2");
        StatusReply<VersionInfo> refused = activate("2");
        assertTrue(refused.isError());
        assertEquals(
                "estimated RPM 90.00 is more than 2% under 100.00",
                refused.getError().getMessage());
        assertEquals(RegistryRefusal.Kind.CONFLICT, ((RegistryRefusal) refused.getError()).kind(), "a 409 at the edge");
        assertEquals("ctr/1", active.current().orElseThrow().id(), "the active version keeps serving");
        assertEquals(List.of("ctr/2 against ctr/1"), asked);

        gate = (candidate, against) -> CompletableFuture.failedFuture(new IllegalStateException("no whole request"));
        StatusReply<VersionInfo> unjudged = activate("2");
        assertTrue(
                unjudged.getError().getMessage().contains("could not judge ctr/2: no whole request"),
                () -> unjudged.getError().getMessage());

        gate = ActivationGate.NONE;
        assertTrue(activate("2").isSuccess());
        gate = (candidate, against) -> CompletableFuture.completedFuture(Optional.of("closed"));
        TestProbe<StatusReply<VersionInfo>> probe = KIT.createTestProbe();
        registry.tell(new ModelRegistry.Rollback(probe.getRef()));
        assertEquals("ctr/1", probe.receiveMessage().getValue().id(), "the way back is never gated");
    }

    @Test
    void rollback_reactivatesThePreviousVersion_andOlderOnesAreUnloaded() {
        for (String v : List.of("1", "2", "3")) {
            load(v);
            activate(v);
        }
        TestProbe<StatusReply<VersionInfo>> probe = KIT.createTestProbe();
        registry.tell(new ModelRegistry.Rollback(probe.getRef()));
        assertEquals("ctr/2", probe.receiveMessage().getValue().id());
        assertEquals("ctr/2", active.current().orElseThrow().id());
        TestProbe<List<VersionInfo>> list = KIT.createTestProbe();
        registry.tell(new ModelRegistry.ListVersions(list.getRef()));
        List<VersionInfo> versions = list.receiveMessage();
        assertEquals(VersionState.UNLOADED, versions.get(0).state());
        assertEquals(VersionState.ACTIVE, versions.get(1).state());
        assertEquals(VersionState.READY, versions.get(2).state());
    }

    /**
     * Each detail says what last happened to its version, never what happened before that: a trial read "promoted from
     * its canary" on a version a rollback had demoted and a direct activation brought back.
     */
    @Test
    void details_sayHowEachVersionGotItsRole_andTheValidationStays() {
        for (String v : List.of("1", "2", "3")) {
            load(v);
        }
        activate("1");
        TestProbe<StatusReply<VersionInfo>> probe = KIT.createTestProbe();
        registry.tell(new ModelRegistry.StartCanary("ctr", "2", 0.3, probe.getRef()));
        assertTrue(probe.receiveMessage().isSuccess());
        assertEquals("promoted from its canary", activate("2").getValue().detail());
        assertEquals(
                "the previous version: loaded, what a rollback activates",
                info("ctr/1").detail());

        registry.tell(new ModelRegistry.StartCanary("ctr", "3", 0.5, probe.getRef()));
        assertTrue(probe.receiveMessage().isSuccess());
        registry.tell(new ModelRegistry.Rollback(probe.getRef()));
        VersionInfo back = probe.receiveMessage().getValue();
        assertEquals("ctr/1", back.id());
        assertEquals("rolled back to, from ctr/2; canary ctr/3 ended", back.detail());
        assertEquals(
                "rolled back from: loaded, what a rollback activates",
                info("ctr/2").detail());
        assertEquals("was a canary", info("ctr/3").detail());

        assertEquals("activated", activate("2").getValue().detail());
        for (String id : List.of("ctr/1", "ctr/2", "ctr/3")) {
            assertTrue(info(id).validation().contains("max |backend - reference|"), () -> id + ": " + info(id));
        }
    }

    private VersionInfo info(String id) {
        TestProbe<List<VersionInfo>> list = KIT.createTestProbe();
        registry.tell(new ModelRegistry.ListVersions(list.getRef()));
        return list.receiveMessage().stream()
                .filter(v -> v.id().equals(id))
                .findFirst()
                .orElseThrow();
    }

    @Test
    void load_refusesNamesThatLeaveTheModelsFolder() {
        TestProbe<StatusReply<VersionInfo>> probe = KIT.createTestProbe();
        registry.tell(new ModelRegistry.Load("..", "1", probe.getRef()));
        StatusReply<VersionInfo> reply = probe.receiveMessage();
        assertTrue(reply.isError());
        assertTrue(
                reply.getError().getMessage().contains("is not a model or version name"),
                reply.getError().getMessage());
    }
}
