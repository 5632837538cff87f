package adsml.e2e;

import static adsml.e2e.ServingFixture.assertError;
import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.ServingFixture.Client;
import adsml.e2e.ServingFixture.Response;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The public API as a client sees it, on one server with one model version: rank answers, every refusal of bad input,
 * pausing an ad, health and metrics.
 */
class ServingApiTest {
    private static final int MAX_BODY_BYTES = 4096;
    private static final Set<String> STAGES = Set.of("retrievalMs", "featuresMs", "scoringMs", "auctionMs", "totalMs");
    private static final Set<String> OUTCOMES = Set.of(
            "WON",
            "BELOW_RESERVE",
            "BELOW_QUALITY_FLOOR",
            "OUTBID",
            "DIVERSITY",
            "OUT_OF_BUDGET",
            "PACED_OUT",
            "FREQUENCY_CAPPED");

    @TempDir
    static Path data;

    private static AdsmlServer server;
    private static Client client;

    @BeforeAll
    static void startServer() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        server = ServingFixture.start(data, Map.of("adsml.http.max-body-bytes", MAX_BODY_BYTES));
        client = new Client(server.started());
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
    void rank_answersAdsOrderedByEcpm() {
        Response r = client.rank(rankBody("u42", 5, 1000, false));

        assertEquals(200, r.status(), r::toString);
        JsonNode body = r.json();
        assertEquals("ctr/1", body.path("modelVersion").asText(), r::toString);
        assertTrue(body.path("candidates").path("retrieved").asInt() > 0, r::toString);
        assertTrue(body.path("candidates").path("scored").asInt() > 0, r::toString);
        Set<String> timings = new HashSet<>();
        body.path("timingsMs").fieldNames().forEachRemaining(timings::add);
        assertTrue(timings.containsAll(STAGES), () -> "stages " + timings);
        for (String stage : STAGES) {
            assertTrue(body.path("timingsMs").path(stage).asDouble(-1) >= 0, () -> stage + " in " + r);
        }
        JsonNode ads = body.path("ads");
        assertTrue(ads.isArray() && ads.size() >= 1 && ads.size() <= 5, r::toString);
        double previous = Double.POSITIVE_INFINITY;
        for (int slot = 0; slot < ads.size(); slot++) {
            JsonNode ad = ads.get(slot);
            String where = "slot " + slot + " of " + r;
            assertEquals(slot, ad.path("slot").asInt(), where);
            double ecpm = ad.path("ecpm").asDouble();
            assertTrue(ecpm <= previous, () -> "not ordered by eCPM at " + where);
            previous = ecpm;
            assertProbability(ad.path("pctr"), where);
            assertProbability(ad.path("pcvr"), where);
            assertTrue(
                    ad.path("price").asDouble() <= ad.path("bid").asDouble() + 1e-6,
                    () -> "price above bid at " + where);
            assertTrue(ad.path("price").asDouble() >= 0, () -> "negative price at " + where);
        }
        assertEquals(ads.size(), distinctAds(body).size(), () -> "an ad in two slots: " + r);
    }

    /**
     * Answers come back without a thread started per request: the ask's stage once ran a callback on
     * CompletableFuture's default executor, which on fewer than 3 cores (as on CI) starts a thread per task.
     */
    @Test
    void rank_startsNoThreadPerRequest() {
        assertEquals(200, client.rank(rankBody("u1", 5, 1000, false)).status()); // the client's own threads start here
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long before = threads.getTotalStartedThreadCount();
        for (int i = 0; i < 50; i++) {
            assertEquals(200, client.rank(rankBody("u" + i, 5, 1000, false)).status());
        }
        long started = threads.getTotalStartedThreadCount() - before;
        assertTrue(started < 10, started + " threads started during 50 rank requests");
    }

    @Test
    void rank_withDebug_explainsEveryScoredCandidate() {
        Response r = client.explain(rankBody("u42", 5, 1000, true));

        assertEquals(200, r.status(), r::toString);
        JsonNode body = r.json();
        JsonNode debug = body.path("debug");
        assertTrue(debug.isArray(), () -> "no debug list in " + r);
        assertEquals(body.path("candidates").path("scored").asInt(), debug.size(), "one entry per scored candidate");
        Set<Integer> won = new HashSet<>();
        for (JsonNode c : debug) {
            assertTrue(OUTCOMES.contains(c.path("outcome").asText()), () -> "outcome of " + c);
            assertProbability(c.path("pctr"), c.toString());
            if (c.path("outcome").asText().equals("WON")) {
                won.add(c.path("adId").asInt());
            }
        }
        assertEquals(distinctAds(body), won, "the debug list's winners are the ads answered");

        Response plain = client.rank(rankBody("u42", 5, 1000, false));
        assertEquals(200, plain.status(), plain::toString);
        assertFalse(plain.json().has("debug"), () -> "debug list without debug: " + plain);
    }

    @Test
    void rank_forUnknownUser_stillAnswersAds() {
        Response r = client.rank(rankBody("visitor", 5, 1000, false));

        assertEquals(200, r.status(), r::toString);
        assertTrue(r.json().path("ads").size() >= 1, () -> "no ads for a visitor: " + r);
    }

    static Stream<Arguments> badRankBodies() {
        String context = "\"context\":{\"surface\":\"home_feed\",\"device\":\"ios\",\"country\":\"US\",\"hour\":13}";
        return Stream.of(
                Arguments.of("malformed JSON", "{\"userId\": \"u1\", ", "malformed JSON"),
                Arguments.of("not an object", "[1, 2]", "JSON object"),
                Arguments.of("userId a number", "{\"userId\":42," + context + "}", "userId"),
                Arguments.of("slots a string", "{\"userId\":\"u1\"," + context + ",\"slots\":\"five\"}", "slots"),
                Arguments.of(
                        "hour a float",
                        "{\"userId\":\"u1\",\"context\":{\"surface\":\"home_feed\",\"device\":\"ios\","
                                + "\"country\":\"US\",\"hour\":1.5}}",
                        "context.hour"),
                Arguments.of("debug a string", "{\"userId\":\"u1\"," + context + ",\"debug\":\"yes\"}", "debug"),
                Arguments.of("context missing", "{\"userId\":\"u1\"}", "context"),
                Arguments.of("slots 0", "{\"userId\":\"u1\"," + context + ",\"slots\":0}", "slots"),
                Arguments.of("slots above max", "{\"userId\":\"u1\"," + context + ",\"slots\":21}", "slots"),
                Arguments.of("deadline 0", "{\"userId\":\"u1\"," + context + ",\"deadlineMs\":0}", "deadlineMs"),
                Arguments.of(
                        "unknown surface",
                        "{\"userId\":\"u1\",\"context\":{\"surface\":\"moon\",\"device\":\"ios\","
                                + "\"country\":\"US\",\"hour\":13}}",
                        "context.surface"),
                Arguments.of(
                        "unknown country",
                        "{\"userId\":\"u1\",\"context\":{\"surface\":\"search\",\"device\":\"ios\","
                                + "\"country\":\"XX\",\"hour\":13}}",
                        "context.country"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badRankBodies")
    void rank_badInput_answers400WithReason(String name, String body, String reasonPart) {
        assertError(client.rank(body), 400, reasonPart);
    }

    @Test
    void rank_bodyOverLimit_answers413() {
        String padding = "x".repeat(MAX_BODY_BYTES * 2);
        Response r = client.rank("{\"userId\":\"u1\",\"padding\":\"" + padding + "\"}");

        assertError(r, 413, "");
    }

    @Test
    void events_badBody_answers400WithReason() {
        assertError(client.post("/v1/events", "{\"events\": ["), 400, "malformed JSON");
        assertError(client.post("/v1/events", "{\"events\": []}"), 400, "events");
    }

    @Test
    void unknownRoute_answers404() {
        assertError(client.get("/v1/nothing-here"), 404, "");
        assertError(client.get("/v1/ads/999999"), 404, "999999");
        assertError(client.adminGet("/admin/api/nothing-here"), 404, "");
    }

    @Test
    void unknownRoute_withOtherMethodThanGet_answers404() {
        // A typo in a POST path is not a wrong method: the client must learn that the route does not exist.
        assertError(client.post("/v1/rnak", rankBody("u1", 5, 200, false)), 404, "");
        assertError(client.delete("/v1/nothing-here"), 404, "");
    }

    @Test
    void wrongMethod_answers405() {
        assertError(client.post("/health/ready", "{}"), 405, "");
        assertError(client.delete("/v1/rank"), 405, "");
        assertError(client.post("/v1/ads/1", "{}"), 405, "");
        assertError(client.adminPost("/admin/api/models"), 405, "");
    }

    @Test
    void wrongMethod_getOnPostOnlyRoute_answers405() {
        assertError(client.get("/v1/rank"), 405, "");
        assertError(client.get("/v1/events"), 405, "");
    }

    @Test
    void admin_withoutOrWithWrongToken_answers401() {
        assertError(client.adminSend(client.adminRequest("/admin/api/scheduler").GET()), 401, "token");
        assertError(
                client.adminSend(client.adminRequest("/admin/api/scheduler")
                        .header("Authorization", "Bearer wrong")
                        .GET()),
                401,
                "token");
        assertError(
                client.adminSend(client.adminRequest("/admin/api/models/rollback")
                        .header("Authorization", "Bearer " + ServingFixture.ADMIN_TOKEN + "x")
                        .POST(HttpRequest.BodyPublishers.noBody())),
                401,
                "token");
        assertError(
                client.adminSend(client.adminRequest("/admin/api/scheduler")
                        .header("Authorization", ServingFixture.ADMIN_TOKEN)
                        .GET()),
                401,
                "token");
        Response scheduler = client.adminGet("/admin/api/scheduler");
        assertEquals(200, scheduler.status(), () -> "the right token is let in: " + scheduler);
    }

    @Test
    void pausedAd_isNoLongerServed() {
        String user = "u7";
        Response first = client.rank(rankBody(user, 5, 1000, false));
        assertEquals(200, first.status(), first::toString);
        assertFalse(first.json().path("ads").isEmpty(), () -> "nothing served to " + user + ": " + first);
        int adId = first.json().path("ads").get(0).path("adId").asInt();

        Response paused = client.delete("/v1/ads/" + adId);
        assertEquals(200, paused.status(), paused::toString);
        assertTrue(paused.json().path("paused").asBoolean(), paused::toString);
        assertTrue(client.get("/v1/ads/" + adId).json().path("paused").asBoolean(), "GET shows the pause");
        try {
            for (int i = 0; i < 30; i++) {
                Response r = i % 2 == 0
                        ? client.explain(rankBody(user, 5, 1000, true))
                        : client.rank(rankBody(user, 5, 1000, false));
                assertEquals(200, r.status(), r::toString);
                assertFalse(distinctAds(r.json()).contains(adId), () -> "paused ad " + adId + " served: " + r);
                for (JsonNode c : r.json().path("debug")) {
                    assertNotEquals(
                            adId, c.path("adId").asInt(), () -> "paused ad " + adId + " still a candidate: " + r);
                }
            }
        } finally {
            JsonNode ad = client.get("/v1/ads/" + adId).json();
            String resume = ServingFixture.json(Map.of(
                    "campaignId",
                    ad.path("campaignId").asInt(),
                    "category",
                    ad.path("category").asInt(),
                    "creativeType",
                    ad.path("creativeType").asText(),
                    "embedding",
                    ad.path("embedding"),
                    "paused",
                    false));
            Response resumed = client.put("/v1/ads/" + adId, resume);
            assertEquals(200, resumed.status(), resumed::toString);
            assertFalse(resumed.json().path("paused").asBoolean(), resumed::toString);
        }
        Response again = client.rank(rankBody(user, 5, 1000, false));
        assertEquals(200, again.status(), again::toString);
        assertTrue(
                distinctAds(again.json()).contains(adId), () -> "resumed ad " + adId + " not served again: " + again);
    }

    @Test
    void healthReady_namesTheActiveVersionAndEachDevicesHealth() {
        Response live = client.get("/health/live");
        assertEquals(200, live.status(), live::toString);

        Response ready = client.get("/health/ready");
        assertEquals(200, ready.status(), ready::toString);
        assertEquals("ctr/1", ready.json().path("modelVersion").asText(), ready::toString);
        assertEquals("healthy", ready.json().path("devices").path("cpu0").asText(), ready::toString);
    }

    @Test
    void metrics_arePrometheusTextWithRankLatencyAndBatches() {
        Response ranked = client.rank(rankBody("u3", 5, 1000, false));
        assertEquals(200, ranked.status());
        String requestId = ranked.json().path("requestId").asText();
        int top = ranked.json().path("ads").path(0).path("adId").asInt();
        String events = "{\"events\":[" + event("impression", "m-imp", requestId, top) + ","
                + event("click", "m-click", requestId, top) + "]}";
        assertEquals(200, client.post("/v1/events", events).status());

        Response r = client.get("/metrics");

        assertEquals(200, r.status(), r::toString);
        assertTrue(r.contentType().startsWith("text/plain"), () -> "content type " + r.contentType());
        assertTrue(r.body().contains("# TYPE adsml_rank_latency"), "rank latency histogram");
        assertTrue(r.body().contains("# TYPE adsml_scheduler_batches"), "scheduler batch counter");
        assertTrue(sample(r.body(), "adsml_rank_latency_seconds_count") >= 1, "a rank request was timed");
        assertTrue(sample(r.body(), "adsml_scheduler_batches_total") >= 1, "a batch was scored");
        assertTrue(
                sample(r.body(), "adsml_scheduler_queue_delay_seconds_count") >= 1, "a job's queue delay was counted");
        assertTrue(
                sample(r.body(), "adsml_scheduler_queue_delay_seconds_sum") >= 0,
                "queue delay is a sum, rate() gives the mean");
        // Per version: its shown ads' events, and the first slot's predicted and counted clicks (their rates' ratio
        // is its calibration). Other tests' events count here too, hence at least.
        assertTrue(
                sample(r.body(), "adsml_version_events_total{model_version=\"ctr/1\",type=\"impression\"}") >= 1,
                r::body);
        assertTrue(sample(r.body(), "adsml_version_top_slot_clicks_total{model_version=\"ctr/1\"}") >= 1, r::body);
        assertTrue(
                sample(r.body(), "adsml_version_top_slot_predicted_clicks_total{model_version=\"ctr/1\"}") > 0,
                r::body);
        // Which version takes which role, for a dashboard to draw the swaps.
        assertEquals(1.0, sample(r.body(), "adsml_model_role{model_version=\"ctr/1\",role=\"active\"}"), r::body);
        assertEquals(0.0, sample(r.body(), "adsml_model_canary_share"), r::body);
    }

    private static String event(String type, String eventId, String requestId, int adId) {
        return "{\"type\":\"" + type + "\",\"eventId\":\"" + eventId + "\",\"requestId\":\"" + requestId
                + "\",\"userId\":\"u3\",\"adId\":" + adId + ",\"timestampMs\":" + System.currentTimeMillis()
                + ",\"cost\":0}";
    }

    /** The value of the first sample line of {@code metric} (with its labels, if it has any), or -1. */
    private static double sample(String text, String metric) {
        for (String line : text.split("\n")) {
            if (line.startsWith(metric + " ")) {
                return Double.parseDouble(line.substring(metric.length() + 1).trim());
            }
        }
        return -1;
    }

    private static void assertProbability(JsonNode p, String where) {
        assertTrue(
                p.isNumber() && p.asDouble() >= 0 && p.asDouble() <= 1,
                () -> "not a probability: " + p + " at " + where);
    }

    private static Set<Integer> distinctAds(JsonNode rank) {
        List<Integer> ids = new ArrayList<>();
        rank.path("ads").forEach(ad -> ids.add(ad.path("adId").asInt()));
        return new HashSet<>(ids);
    }
}
