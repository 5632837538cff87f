package adsml.e2e;

import static adsml.e2e.ServingFixture.assertError;
import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.ServingFixture.Client;
import adsml.e2e.ServingFixture.Response;
import adsml.platform.featurelog.ServedRowsReader;
import adsml.platform.featurelog.TrainingExamples;
import adsml.platform.features.FastLog;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The feature platform end to end: a server whose versions read declared feature sets, events that move the real-time
 * counters the next rank request is served, counters that are the same after a restart, versions on two feature sets
 * swapped under load, and the rows served logged as Parquet and joined with the clicks.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class RealTimeFeaturesTest {
    @TempDir
    static Path data;

    private static AdsmlServer server;
    private static Client client;
    private static int events;

    /** Tiny segments, so that the log seals (and snapshots the counters) and retention deletes as the test goes. */
    private static final Map<String, Object> SETTINGS = Map.of(
            "adsml.actors.event-log.segment-bytes", 4096,
            "adsml.actors.event-log.retention-segments", 2,
            "adsml.server.feature-log.max-file-age", "1s",
            "adsml.server.feature-log.attribution-window", "2s",
            "adsml.server.feature-log.join-interval", "1s");

    @BeforeAll
    static void startServer() throws Exception {
        ServingFixture.writeWorld(data);
        ServingFixture.writeVersion(data, version("demo-v2", 1L));
        start();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
        server = null; // a closed server holds its world and model; the class outlives it
        client = null;
    }

    private static void start() throws Exception {
        server = ServingFixture.start(data, SETTINGS);
        client = new Client(server.started());
    }

    /** A random DCN of the demo shape on the feature set {@code set}. */
    private static Model version(String set, long seed) {
        ModelSpec spec = ModelPreset.DEMO.spec(
                ServingFixture.MODEL, "0", FeatureSets.builtIn(set).schema());
        return new Model.Dcn(spec, DcnWeights.random(spec, seed));
    }

    @Test
    @Order(1)
    void aClick_movesTheAdsCounters_inTheVeryNextRank() {
        JsonNode first = client.explain(rankBody("u3", 5, 1000, true)).json();
        int ad = first.path("ads").get(0).path("adId").asInt();
        Map<String, Double> before = features(first, ad);
        assertTrue(first.path("featureGroups").path("realtime").size() > 0, () -> "realtime group: " + first);
        assertEquals(0.0, before.get("ad_clicks_5m_log"), "no event yet");

        List<Map<String, Object>> batch = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            batch.add(event("impression", first.path("requestId").asText(), "u" + (100 + i), ad));
            batch.add(event("click", first.path("requestId").asText(), "u" + (100 + i), ad));
        }
        Response posted = client.post("/v1/events", ServingFixture.json(Map.of("events", batch)));
        assertEquals(200, posted.status(), posted::toString);

        // No wait: the events are counted before the server acknowledges them.
        Map<String, Double> after =
                features(client.explain(rankBody("u3", 5, 1000, true)).json(), ad);
        assertEquals(FastLog.log1p(10), after.get("ad_clicks_5m_log"), 1e-3, () -> "after: " + after);
        assertEquals(FastLog.log1p(10), after.get("ad_impressions_5m_log"), 1e-3);
        assertTrue(after.get("ad_ctr_1h") > before.get("ad_ctr_1h"), () -> before + " -> " + after);
        assertEquals(before.get("ad_category"), after.get("ad_category"), "static features stay");
    }

    @Test
    @Order(2)
    void counters_afterARestartMidStream_countEveryEventOnce() throws Exception {
        JsonNode ranked = client.explain(rankBody("u7", 5, 1000, true)).json();
        int ad = ranked.path("ads").get(0).path("adId").asInt();
        int impressions = 0;
        for (int half = 0; half < 2; half++) {
            // Enough lines to seal 4 KiB segments many times over: retention deletes the early ones, so the
            // counters after the restart must come from the snapshot, not from the log alone.
            for (int b = 0; b < 20; b++) {
                List<Map<String, Object>> batch = new ArrayList<>();
                for (int i = 0; i < 10; i++) {
                    batch.add(event("impression", ranked.path("requestId").asText(), "u7", ad));
                    impressions++;
                }
                assertEquals(
                        200,
                        client.post("/v1/events", ServingFixture.json(Map.of("events", batch)))
                                .status());
            }
            if (half == 0) {
                server.close();
                start();
            }
        }
        assertTrue(Files.exists(data.resolve("events.log.counters")), "the counters were snapshotted");
        assertFalse(Files.exists(data.resolve("events.log.0000000001")), "retention deleted the first segment");

        Map<String, Double> f =
                features(client.explain(rankBody("u7", 5, 1000, true)).json(), ad);
        assertEquals(
                FastLog.log1p(impressions),
                f.get("user_ad_impressions_today_log"),
                1e-6,
                () -> "every impression of u7 on ad " + ad + " counted once: " + f);
    }

    @Test
    @Order(3)
    void versionsOnTwoFeatureSets_swapUnderLoad_withoutAFailedRequest() throws Exception {
        String v1Set = ServingFixture.writeVersion(data, version("demo-v1", 2L));
        AtomicBoolean stop = new AtomicBoolean();
        AtomicInteger failed = new AtomicInteger();
        AtomicInteger served = new AtomicInteger();
        Thread load = new Thread(() -> {
            for (int i = 0; !stop.get(); i++) {
                Response r = client.rank(rankBody("u" + (i % 50), 5, 1000, false));
                (r.status() == 200 ? served : failed).incrementAndGet();
            }
        });
        load.start();
        try {
            awaitMore(served, 5); // traffic is flowing before the swap
            assertEquals(
                    200,
                    client.adminPost("/admin/api/models/ctr/" + v1Set + "/load").status());
            assertEquals(
                    200,
                    client.adminPost("/admin/api/models/ctr/" + v1Set + "/activate")
                            .status());
            JsonNode onV1 = client.explain(rankBody("u3", 5, 1000, true)).json();
            assertFalse(onV1.path("featureGroups").has("realtime"), () -> "demo-v1 has no counters: " + onV1);
            awaitMore(served, 5);
            assertEquals(200, client.adminPost("/admin/api/models/rollback").status());
            JsonNode back = client.explain(rankBody("u3", 5, 1000, true)).json();
            assertTrue(back.path("featureGroups").has("realtime"), () -> "demo-v2 again: " + back);
            awaitMore(served, 5);
        } finally {
            stop.set(true);
            load.join();
        }
        assertEquals(0, failed.get(), () -> failed + " of " + (served.get() + failed.get()) + " requests failed");
    }

    @Test
    @Order(4)
    void aVersionOnAFeatureSetTheServerLacks_isRefusedWithTheReason() throws Exception {
        FeatureSchema demo = FeatureSets.builtIn("demo-v1").schema();
        FeatureSchema unknown = new FeatureSchema("nope-v3", demo.slots(), demo.dense());
        ModelSpec spec = ModelPreset.DEMO.spec(ServingFixture.MODEL, "0", unknown);
        String version = ServingFixture.writeVersion(data, new Model.Dcn(spec, DcnWeights.random(spec, 3L)));

        Response load = client.adminPost("/admin/api/models/ctr/" + version + "/load");

        assertError(load, 409, "feature set 'nope-v3', which this server does not have");
        assertTrue(load.json().path("error").asText().contains("demo-v2"), () -> "names the sets it has: " + load);
    }

    @Test
    @Order(5)
    void servedRows_areLoggedAsParquet_andJoinedWithTheirClicks() throws Exception {
        JsonNode ranked = client.rank(rankBody("u11", 5, 1000, false)).json();
        String request = ranked.path("requestId").asText();
        int clicked = ranked.path("ads").get(0).path("adId").asInt();
        int notClicked = ranked.path("ads").get(1).path("adId").asInt();
        assertEquals(
                200,
                client.post(
                                "/v1/events",
                                ServingFixture.json(Map.of("events", List.of(event("click", request, "u11", clicked)))))
                        .status());

        FeatureSchema schema = FeatureSets.builtIn("demo-v2").schema();
        Path folder = data.resolve("feature-log").resolve("demo-v2");
        Map<Integer, boolean[]> labels = new HashMap<>();
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (labels.size() < 2 && System.nanoTime() < deadline) {
            Thread.sleep(500);
            labels.clear();
            List<Path> files = List.of();
            try (Stream<Path> found = Files.isDirectory(folder) ? Files.list(folder) : Stream.empty()) {
                files = found.filter(p -> p.getFileName().toString().startsWith("examples-"))
                        .toList();
            }
            for (Path file : files) {
                byte[] bytes = Files.readAllBytes(file);
                assertArrayEquals("PAR1".getBytes(), java.util.Arrays.copyOf(bytes, 4), file::toString);
                TrainingExamples examples = ServedRowsReader.readExamples(file, schema);
                for (int r = 0; r < examples.rows().rows(); r++) {
                    if (examples.rows().requestId(r).equals(request)
                            && examples.rows().shown(r)) {
                        labels.put(examples.rows().adId(r), new boolean[] {examples.click()[r]});
                    }
                }
            }
        }
        assertTrue(labels.containsKey(clicked), () -> "the clicked ad's row was logged and joined: " + labels.keySet());
        assertTrue(labels.get(clicked)[0], "its click joined");
        assertFalse(labels.get(notClicked)[0], "the other ad was not clicked");
        JsonNode status = client.adminGet("/admin/api/feature-log").json();
        assertTrue(status.path("sets").get(0).path("log").path("rowsWritten").asLong() > 0, status::toString);
        assertTrue(status.path("counters").path("keys").asLong() > 0, status::toString);
    }

    /** Waits until {@code count} has grown by {@code more}, or fails after 30 s. */
    private static void awaitMore(AtomicInteger count, int more) throws InterruptedException {
        int target = count.get() + more;
        long deadline = System.nanoTime() + 30_000_000_000L;
        while (count.get() < target) {
            assertTrue(System.nanoTime() < deadline, () -> "requests stopped completing at " + count);
            Thread.sleep(10);
        }
    }

    /** Every feature of ad {@code adId} in a debug answer, by name. */
    private static Map<String, Double> features(JsonNode answer, int adId) {
        for (JsonNode c : answer.path("debug")) {
            if (c.path("adId").asInt() == adId) {
                Map<String, Double> features = new LinkedHashMap<>();
                c.path("features")
                        .properties()
                        .forEach(e -> features.put(e.getKey(), e.getValue().asDouble()));
                return features;
            }
        }
        throw new AssertionError("ad " + adId + " not among the candidates of " + answer);
    }

    private static Map<String, Object> event(String type, String requestId, String user, int adId) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", type);
        e.put("eventId", "rt-" + (++events));
        e.put("requestId", requestId);
        e.put("userId", user);
        e.put("adId", adId);
        e.put("timestampMs", System.currentTimeMillis());
        return e;
    }
}
