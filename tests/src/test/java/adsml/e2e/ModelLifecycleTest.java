package adsml.e2e;

import static adsml.e2e.ServingFixture.assertError;
import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.ServingFixture.Client;
import adsml.e2e.ServingFixture.Response;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelJson;
import adsml.platform.model.ModelPreset;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The model and scheduler admin API against live traffic: versions loaded, activated and rolled back under concurrent
 * rank requests, broken versions refused, and deadlines the scheduler cannot meet answered 503 without scoring. The
 * server starts on version 1; versions 2 and 3 are written after it started, as a training job would publish them.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ModelLifecycleTest {
    private static final int LOAD_THREADS = 4;

    @TempDir
    static Path data;

    private static AdsmlServer server;
    private static Client client;

    @BeforeAll
    static void startServer() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        server = ServingFixture.start(data, Map.of());
        client = new Client(server.started());
        assertEquals("2", ServingFixture.writeVersion(data, 2L));
        assertEquals("3", ServingFixture.writeVersion(data, 3L));
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
        server = null; // a closed server holds its world and model; the class outlives it
        client = null;
    }

    @Test
    @Order(1)
    void adminModels_answersVersionStates() {
        String before = activeVersion();

        Response load = client.adminPost("/admin/api/models/ctr/2/load");
        assertEquals(200, load.status(), load::toString);
        assertEquals("ctr", load.json().path("name").asText(), load::toString);
        assertEquals("2", load.json().path("version").asText(), load::toString);
        assertTrue(Set.of("READY", "ACTIVE").contains(load.json().path("state").asText()), load::toString);
        assertTrue(load.json().path("detail").asText().contains("golden batch"), () -> "validation shown: " + load);

        Response activate = client.adminPost("/admin/api/models/ctr/2/activate");
        assertEquals(200, activate.status(), activate::toString);
        assertEquals("ACTIVE", activate.json().path("state").asText(), activate::toString);

        Response models = client.adminGet("/admin/api/models");
        assertEquals(200, models.status(), models::toString);
        assertEquals("ctr/2", models.json().path("active").asText(), models::toString);
        Map<String, String> states = states(models.json());
        assertEquals("ACTIVE", states.get("ctr/2"), () -> "states " + states);
        if (!before.equals("ctr/2")) {
            assertEquals(
                    "READY", states.get(before), () -> "the previous version stays loaded for a rollback: " + states);
            Response rollback = client.adminPost("/admin/api/models/rollback");
            assertEquals(200, rollback.status(), rollback::toString);
            assertEquals(
                    before,
                    rollback.json().path("name").asText() + "/"
                            + rollback.json().path("version").asText());
        }
        assertEquals(before, activeVersion(), "the test leaves the version it found");
    }

    /**
     * The swap itself is checked by its effect on traffic and on {@code /health/ready}; the admin replies are checked
     * by {@link #adminModels_answersVersionStates()}.
     */
    @Test
    @Order(2)
    void swap_underConcurrentLoad_failsNoRankRequest() throws Exception {
        List<Swap> swaps = new ArrayList<>();
        String start = activeVersion();
        swaps.add(new Swap(start, 0, 0));
        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Answer> received = new ConcurrentLinkedQueue<>();
        ExecutorService pool = Executors.newFixedThreadPool(LOAD_THREADS);
        CountDownLatch running = new CountDownLatch(LOAD_THREADS);
        List<Future<?>> clients = new ArrayList<>();
        try {
            for (int t = 0; t < LOAD_THREADS; t++) {
                int thread = t;
                clients.add(pool.submit(() -> {
                    running.countDown();
                    for (int i = 0; !stop.get(); i++) {
                        long sent = System.nanoTime();
                        Response r =
                                client.rank(rankBody("u" + ((thread * 97 + i) % ServingFixture.USERS), 5, 2000, false));
                        received.add(new Answer(sent, System.nanoTime(), r));
                    }
                }));
            }
            assertTrue(running.await(10, TimeUnit.SECONDS));
            Thread.sleep(2000);
            swaps.add(swap("ctr/2", "/admin/api/models/ctr/2/load", "/admin/api/models/ctr/2/activate"));
            Thread.sleep(2000);
            swaps.add(swap("ctr/3", "/admin/api/models/ctr/3/load", "/admin/api/models/ctr/3/activate"));
            Thread.sleep(2000);
            swaps.add(swap("ctr/2", "/admin/api/models/rollback"));
            Thread.sleep(2000);
        } finally {
            stop.set(true);
            pool.shutdown();
        }
        assertTrue(pool.awaitTermination(30, TimeUnit.SECONDS), "the load clients stop");
        for (Future<?> c : clients) {
            c.get();
        }
        List<Answer> answers = List.copyOf(received);

        List<Answer> failures =
                answers.stream().filter(a -> a.response().status() != 200).toList();
        assertTrue(
                failures.isEmpty(),
                () -> failures.size() + " of " + answers.size() + " rank requests failed, first: "
                        + failures.get(0).response());
        assertTrue(answers.size() >= 100, () -> "only " + answers.size() + " rank requests in 8 s");
        Set<String> seen = new LinkedHashSet<>();
        for (Answer a : answers) {
            seen.add(a.response().json().path("modelVersion").asText());
        }
        assertTrue(seen.containsAll(Set.of("ctr/2", "ctr/3")), () -> "versions seen: " + seen);
        // Each request is scored by one version: the one active when it was scored. A request sent
        // after a swap returned and answered before the next began can only show that swap's version.
        for (int k = 0; k < swaps.size(); k++) {
            Swap swap = swaps.get(k);
            long nextBegan = k + 1 < swaps.size() ? swaps.get(k + 1).began() : Long.MAX_VALUE;
            int between = 0;
            for (Answer a : answers) {
                if (a.sent() > swap.ended() && a.answered() < nextBegan) {
                    between++;
                    assertEquals(
                            swap.version(),
                            a.response().json().path("modelVersion").asText(),
                            "a request between the swap to " + swap.version() + " and the next");
                }
            }
            int counted = between;
            assertTrue(counted > 0, () -> "no request was answered while " + swap.version() + " was active");
        }
        assertEquals("ctr/2", activeVersion(), "after the rollback");
    }

    /** The ways a version folder can be broken, each with what the refusal must name. */
    enum Breakage {
        NAN_WEIGHT("head.bias"),
        CORRUPT_MODEL_JSON("model.json"),
        WRONG_TENSOR_SHAPE("embedding"),
        /** A version folder copied without editing its model.json, which still names version 1. */
        COPIED_WITHOUT_RENAMING("model.json names ctr/1");

        final String named;

        Breakage(String named) {
            this.named = named;
        }
    }

    @ParameterizedTest
    @EnumSource(Breakage.class)
    @Order(3)
    void brokenVersion_isRefusedAndServingUntouched(Breakage breakage) throws Exception {
        String active = activeVersion();
        String version = writeBroken(breakage);

        Response load = client.adminPost("/admin/api/models/ctr/" + version + "/load");

        assertError(load, 409, breakage.named);
        assertTrue(load.json().path("error").asText().contains("ctr/" + version), () -> "names the version: " + load);
        assertEquals(active, activeVersion(), "the active version is untouched");
        Response activate = client.adminPost("/admin/api/models/ctr/" + version + "/activate");
        assertError(activate, 409, "FAILED");
        assertEquals(active, activeVersion(), "a failed version cannot be activated");
        for (int i = 0; i < 5; i++) {
            Response r = client.rank(rankBody("u" + i, 5, 1000, false));
            assertEquals(200, r.status(), r::toString);
            assertEquals(active, r.json().path("modelVersion").asText(), r::toString);
        }
    }

    @Test
    @Order(4)
    void load_unknownVersion_isRefusedWithReason() {
        assertError(client.adminPost("/admin/api/models/ctr/404/load"), 404, "no version ctr/404");
        assertError(client.adminPost("/admin/api/models/ctr/..%2F..%2Fworld/load"), 400, "");
        assertError(client.adminPost("/admin/api/models/ctr/3000/activate"), 404, "never loaded");
    }

    @Test
    @Order(5)
    void deadline_thatCannotBeBatchedInTime_isAnswered503AndNeverScored() throws Exception {
        JsonNode knobs = client.adminGet("/admin/api/scheduler").json().path("settings");
        Response slow = client.adminPut("/admin/api/scheduler", "{\"maxQueueDelayMs\": 500}");
        assertEquals(200, slow.status(), slow::toString);
        assertEquals(500.0, slow.json().path("settings").path("maxQueueDelayMs").asDouble(), slow::toString);
        try {
            JsonNode before = stats();

            Response r = client.rank(rankBody("u5", 5, 5, false));

            assertError(r, 503, "deadline");
            assertTrue(
                    r.header("Retry-After").map(v -> Integer.parseInt(v) >= 1).orElse(false),
                    () -> "Retry-After of " + r.headers().map());
            // Past the batching window, a row still queued would have been scored by now.
            Thread.sleep(800);
            JsonNode after = stats();
            assertEquals(
                    before.path("rowsScored").asLong(),
                    after.path("rowsScored").asLong(),
                    () -> "rows scored for an expired request: before " + before + ", after " + after);
            assertEquals(
                    before.path("submitted").asLong() - before.path("expired").asLong(),
                    after.path("submitted").asLong() - after.path("expired").asLong(),
                    () -> "an admitted job that was not expired: before " + before + ", after " + after);

            // The knob only delays: a request with time to wait for the window is batched and scored.
            Response patient = client.rank(rankBody("u5", 5, 2000, false));
            assertEquals(200, patient.status(), patient::toString);
            assertTrue(
                    stats().path("rowsScored").asLong()
                            > after.path("rowsScored").asLong(),
                    "the patient request was scored");
        } finally {
            Response restored = client.adminPut(
                    "/admin/api/scheduler",
                    ServingFixture.json(Map.of(
                            "maxQueueDelayMs", knobs.path("maxQueueDelayMs").asDouble(),
                            "maxBatchRows", knobs.path("maxBatchRows").asInt())));
            assertEquals(200, restored.status(), restored::toString);
        }
        assertEquals(knobs, client.adminGet("/admin/api/scheduler").json().path("settings"), "knobs restored");
    }

    @Test
    @Order(6)
    void scheduler_badKnob_answers400WithReason() {
        assertError(client.adminPut("/admin/api/scheduler", "{\"maxBatchRows\": \"many\"}"), 400, "maxBatchRows");
        assertError(client.adminPut("/admin/api/scheduler", "{\"maxBatchRows\": 0}"), 400, "");
        assertError(client.adminPut("/admin/api/scheduler", "{\"maxQueueDelayMs\": -1}"), 400, "");
    }

    private static JsonNode stats() {
        Response r = client.adminGet("/admin/api/scheduler");
        assertEquals(200, r.status(), r::toString);
        return r.json().path("stats");
    }

    /** The version /health/ready names. */
    private static String activeVersion() {
        Response ready = client.get("/health/ready");
        assertEquals(200, ready.status(), ready::toString);
        return ready.json().path("modelVersion").asText();
    }

    /** Runs the admin calls of one swap and checks that it took effect; the times frame it. */
    private static Swap swap(String version, String... calls) {
        long began = System.nanoTime();
        for (String call : calls) {
            client.adminPost(call);
        }
        long ended = System.nanoTime();
        assertEquals(version, activeVersion(), () -> "after " + List.of(calls));
        return new Swap(version, began, ended);
    }

    /** Writes a version that loading must refuse; returns its version number. */
    private static String writeBroken(Breakage breakage) throws IOException {
        DcnWeights weights = DcnWeights.random(ServingFixture.spec(), 99L);
        if (breakage == Breakage.NAN_WEIGHT) {
            weights.headBias()[0] = Float.NaN;
        }
        String version = ServingFixture.writeVersion(data, new Model.Dcn(ServingFixture.spec(), weights));
        Path dir = ServingFixture.modelDir(data).resolve(version);
        switch (breakage) {
            case CORRUPT_MODEL_JSON ->
                Files.writeString(
                        dir.resolve(ModelFolder.MODEL_JSON),
                        "{\"format\": 1, \"name\": \"ctr\", ",
                        StandardCharsets.UTF_8);
            case WRONG_TENSOR_SHAPE -> {
                // Weights of another shape (wider embeddings) under this version's model.json.
                Path other = data.resolve("other-shape");
                Path written = ModelFolder.saveNextVersion(
                        new Model.Dcn(
                                ModelPreset.X10.spec("ctr", "0"),
                                DcnWeights.random(ModelPreset.X10.spec("ctr", "0"), 5L)),
                        other);
                Files.copy(
                        written.resolve(ModelFolder.WEIGHTS),
                        dir.resolve(ModelFolder.WEIGHTS),
                        StandardCopyOption.REPLACE_EXISTING);
            }
            case COPIED_WITHOUT_RENAMING -> {
                Path json = dir.resolve(ModelFolder.MODEL_JSON);
                ModelJson.write(ModelJson.read(json).withVersion("1"), json);
            }
            case NAN_WEIGHT -> {}
        }
        return version;
    }

    private static Map<String, String> states(JsonNode models) {
        Map<String, String> states = new HashMap<>();
        for (JsonNode v : models.path("versions")) {
            states.put(
                    v.path("name").asText() + "/" + v.path("version").asText(),
                    v.path("state").asText());
        }
        return states;
    }

    private record Answer(long sent, long answered, Response response) {}

    private record Swap(String version, long began, long ended) {}
}
