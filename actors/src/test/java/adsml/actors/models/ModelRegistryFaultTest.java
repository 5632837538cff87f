package adsml.actors.models;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSets;
import adsml.platform.features.RandomFeatures;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.Priority;
import adsml.scheduler.SchedulerSettings;
import adsml.scheduler.Ticker;
import adsml.scheduler.VersionFaultException;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** Faults injected into model versions on live traffic and at load: the registry rolls back, the device serves on. */
class ModelRegistryFaultTest {
    private static final ActorTestKit KIT = ActorTestKit.create();
    private static final Duration LOAD = Duration.ofSeconds(60);

    @TempDir
    Path models;

    private FaultyDevice device;
    private BatchingScheduler scheduler;
    private ActiveModel active;
    private ExecutorService blocking;
    private ActorRef<ModelRegistry.Command> registry;

    @BeforeEach
    void start() throws Exception {
        ModelSpec spec = ModelPreset.DEMO.spec("ctr", "0");
        for (int seed = 1; seed <= 3; seed++) {
            ModelFolder.saveNextVersion(new Model.Dcn(spec, DcnWeights.random(spec, seed)), models.resolve("ctr"));
        }
        device = new FaultyDevice();
        scheduler = new BatchingScheduler(SchedulerSettings.defaults(), List.of(device), Ticker.SYSTEM);
        active = new ActiveModel();
        blocking = Executors.newSingleThreadExecutor();
        registry = KIT.spawn(ModelRegistry.create(
                models.toRealPath(),
                List.of(device),
                scheduler,
                FeatureSets.builtIn(),
                Ticker.SYSTEM,
                active,
                blocking,
                Clock.systemUTC(),
                ActivationGate.NONE));
    }

    @AfterEach
    void stop() {
        KIT.stop(registry);
        scheduler.close();
        device.close();
        blocking.shutdown();
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

    private void loadAndActivate(String... versions) {
        for (String version : versions) {
            StatusReply<VersionInfo> loaded = load(version);
            assertTrue(loaded.isSuccess(), () -> loaded.getError().getMessage());
            TestProbe<StatusReply<VersionInfo>> probe = KIT.createTestProbe();
            registry.tell(new ModelRegistry.Activate("ctr", version, probe.getRef()));
            assertTrue(probe.receiveMessage().isSuccess());
        }
    }

    /** One request's worth of rows, scored the way the feature assembler does: with the version active now. */
    private CompletableFuture<float[]> rank() {
        FeatureBatch rows =
                RandomFeatures.batch(FeatureSets.builtIn(FeatureSets.DEFAULT).schema(), 50, System.nanoTime());
        return scheduler.submit(
                active.current().orElseThrow(), rows, System.nanoTime() + LOAD.toNanos(), Priority.LIVE);
    }

    private VersionInfo info(String id) {
        TestProbe<List<VersionInfo>> list = KIT.createTestProbe();
        registry.tell(new ModelRegistry.ListVersions(list.getRef()));
        return list.receiveMessage().stream()
                .filter(v -> v.id().equals(id))
                .findFirst()
                .orElseThrow();
    }

    private void awaitActive(String id) throws InterruptedException {
        long giveUp = System.nanoTime() + LOAD.toNanos();
        while (!active.current().orElseThrow().id().equals(id)) {
            assertTrue(System.nanoTime() < giveUp, id + " never became active");
            Thread.sleep(5);
        }
    }

    private static void assertProbabilities(float[] scores) {
        assertEquals(50 * 2, scores.length);
        for (float score : scores) {
            assertTrue(score >= 0f && score <= 1f, "not a probability: " + score);
        }
    }

    @ParameterizedTest
    @ValueSource(floats = {Float.NaN, Float.POSITIVE_INFINITY, 1.5f})
    void versionScoringOutsideZeroToOneOnLiveTraffic_failsAndRollsBackToThePreviousVersion(float score)
            throws Exception {
        loadAndActivate("1", "2");
        device.constant.put("ctr/2", score);

        rank().get(10, TimeUnit.SECONDS);

        awaitActive("ctr/1");
        VersionInfo failed = info("ctr/2");
        assertEquals(VersionState.FAILED, failed.state());
        assertTrue(
                failed.detail().contains("live traffic") && failed.detail().contains("rolled back to ctr/1"),
                failed.detail());
        assertEquals(VersionState.ACTIVE, info("ctr/1").state());
        assertTrue(
                info("ctr/1").detail().startsWith("rolled back to, from ctr/2, failed on live traffic"),
                info("ctr/1").detail());
        assertProbabilities(rank().get(10, TimeUnit.SECONDS));
        assertEquals(true, scheduler.stats().deviceHealth().get("cpu0"));
    }

    @Test
    void versionThatThrowsOnLiveTraffic_isRolledBack_andTheDeviceStaysHealthy() throws Exception {
        loadAndActivate("1", "2");
        device.throwing.add("ctr/2");

        ExecutionException e = assertThrows(ExecutionException.class, () -> rank().get(10, TimeUnit.SECONDS));
        assertInstanceOf(VersionFaultException.class, e.getCause(), "a 503 with Retry-After");

        awaitActive("ctr/1");
        assertEquals(VersionState.FAILED, info("ctr/2").state());
        assertEquals(true, scheduler.stats().deviceHealth().get("cpu0"));
        assertProbabilities(rank().get(10, TimeUnit.SECONDS));
    }

    @Test
    void loadWhoseGoldenBatchFails_leavesTheActiveVersionServingOnTheSameDevice() throws Exception {
        loadAndActivate("1");
        device.throwing.add("ctr/2");

        StatusReply<VersionInfo> refused = load("2");

        assertTrue(refused.isError());
        assertTrue(
                refused.getError().getMessage().contains("golden batch"),
                refused.getError().getMessage());
        assertEquals(VersionState.FAILED, info("ctr/2").state());
        assertEquals("ctr/1", active.current().orElseThrow().id());
        assertEquals(true, scheduler.stats().deviceHealth().get("cpu0"));
        assertProbabilities(rank().get(10, TimeUnit.SECONDS));
    }

    @Test
    void rollback_loadsTheLastGoodVersionAgain_whenItWasUnloaded() throws Exception {
        loadAndActivate("1", "2", "3");
        assertEquals(VersionState.UNLOADED, info("ctr/1").state());
        device.constant.put("ctr/3", Float.NaN);
        rank().get(10, TimeUnit.SECONDS);
        awaitActive("ctr/2");

        device.constant.put("ctr/2", Float.NaN);
        rank().get(10, TimeUnit.SECONDS);

        awaitActive("ctr/1");
        assertEquals(VersionState.FAILED, info("ctr/2").state());
        assertProbabilities(rank().get(10, TimeUnit.SECONDS));
    }

    @Test
    void faultyVersion_withNothingToRollBackTo_keepsServingAndSaysSo() throws Exception {
        loadAndActivate("1");
        device.constant.put("ctr/1", Float.NaN);

        rank().get(10, TimeUnit.SECONDS);

        long giveUp = System.nanoTime() + LOAD.toNanos();
        while (!info("ctr/1").detail().contains("no good version")) {
            assertTrue(System.nanoTime() < giveUp, info("ctr/1").detail());
            Thread.sleep(5);
        }
        assertEquals(VersionState.ACTIVE, info("ctr/1").state());
        assertEquals("ctr/1", active.current().orElseThrow().id());
    }
}
