package adsml.e2e;

import static adsml.e2e.ServingFixture.assertError;
import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.ServingFixture.Client;
import adsml.e2e.ServingFixture.Response;
import adsml.http.LoopRounds;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the admin web UI stands on, on a real server: the UI's files on the admin listener, the overview's time series
 * after traffic, an ad's live counters, pausing and resuming, users, the versions on disk, and the debug rank answer
 * that the explainer shows.
 */
class AdminConsoleApiTest {
    @TempDir
    static Path data;

    private static AdsmlServer server;
    private static Client client;

    @BeforeAll
    static void startServer() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        server = ServingFixture.start(data, Map.of());
        client = new Client(server.started());
        ServingFixture.writeVersion(data, 2L);
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
        server = null; // a closed server holds its world and model; the class outlives it
        client = null;
    }

    private static Response adminGetWithoutToken(String path) {
        return client.adminSend(client.adminRequest(path).GET());
    }

    @Test
    void adminListener_servesTheUiBuiltIntoTheJar() {
        Response page = adminGetWithoutToken("/admin/");
        assertEquals(200, page.status(), page::toString);
        assertTrue(page.contentType().startsWith("text/html"), page::contentType);
        Matcher script = Pattern.compile("<script[^>]*src=\"(/admin/assets/[^\"]+\\.js)\"")
                .matcher(page.body());
        assertTrue(script.find(), () -> "no script in " + page.body());
        Response js = adminGetWithoutToken(script.group(1));
        assertEquals(200, js.status(), js::toString);
        assertTrue(js.contentType().startsWith("text/javascript"), js::contentType);

        Response redirect = adminGetWithoutToken("/admin");
        assertEquals(301, redirect.status(), redirect::toString);
        assertEquals(200, adminGetWithoutToken("/admin/explain").status(), "a page of the UI reloads");
    }

    @Test
    void publicApi_isAlsoOnTheAdminListener_forTheUisOwnOrigin() {
        Response r = client.adminSend(client.adminRequest("/v1/rank")
                .POST(HttpRequest.BodyPublishers.ofString(rankBody("u5", 3, 1000, false))));
        assertEquals(200, r.status(), r::toString);
        assertEquals("ctr/1", r.json().path("modelVersion").asText());
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "/admin/api/overview",
                "/admin/api/vocabulary",
                "/admin/api/users?limit=3",
                "/admin/api/users/u1",
                "/admin/api/ads/1/counters",
                "/admin/api/ads/busiest",
                "/admin/api/loop"
            })
    void everyConsoleRoute_wantsTheToken(String path) {
        assertError(adminGetWithoutToken(path), 401, "admin token");
        Response wrong = client.adminSend(
                client.adminRequest(path).header("Authorization", "Bearer nope").GET());
        assertError(wrong, 401, "admin token");
    }

    @Test
    void overview_afterTraffic_showsRequestRateLatencyStagesAndEventRates() throws Exception {
        int requests = 30;
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < requests; i++) {
            Response r = client.rank(rankBody("u" + (i % 50), 3, 1000, false));
            assertEquals(200, r.status(), r::toString);
            for (JsonNode ad : r.json().path("ads")) {
                events.add(event(
                        "impression",
                        r.json().path("requestId").asText(),
                        ad.path("adId").asInt(),
                        0.001));
            }
        }
        events.add(event("click", "r1", events.get(0).get("adId"), 0.25));
        assertEquals(
                200,
                client.post("/v1/events", ServingFixture.json(Map.of("events", events)))
                        .status());
        Thread.sleep(2500); // the sampler takes a point a second: two points at least cover the traffic

        Response r = client.adminGet("/admin/api/overview");
        assertEquals(200, r.status(), r::toString);
        JsonNode body = r.json();
        double seenRequests = 0;
        boolean latency = false;
        boolean stages = false;
        boolean ctr = false;
        for (JsonNode point : body.path("series")) {
            seenRequests += point.path("requestsPerSec").asDouble();
            latency |= point.path("p99Ms").asDouble(0) > 0
                    && point.path("p50Ms").asDouble() <= point.path("p99Ms").asDouble();
            stages |= point.path("stageMs").path("scoring").isNumber();
            ctr |= point.path("ctr").isNumber();
        }
        assertTrue(seenRequests >= requests, () -> "requests in the series: " + body);
        assertTrue(latency, () -> "no latency percentiles: " + body);
        assertTrue(stages, () -> "no stage timings: " + body);
        assertTrue(ctr, () -> "no CTR from the events: " + body);
        assertTrue(body.path("totals").path("impressions").asLong() >= events.size() - 1, body::toString);
        assertTrue(body.path("batchSizes").isArray() && body.path("batchSizes").size() > 0, body::toString);
        long batches = 0;
        for (JsonNode b : body.path("batchSizes")) {
            batches += b.path("batches").asLong();
        }
        assertTrue(batches > 0, () -> "no batch in the last minute: " + body);
    }

    private static final AtomicLong EVENT_IDS = new AtomicLong();

    private static Map<String, Object> event(String type, String requestId, Object adId, double cost) {
        Map<String, Object> e = new HashMap<>();
        e.put("type", type);
        e.put("eventId", "console-" + EVENT_IDS.incrementAndGet());
        e.put("requestId", requestId);
        e.put("userId", "u1");
        e.put("adId", adId);
        e.put("timestampMs", System.currentTimeMillis());
        e.put("cost", cost);
        return e;
    }

    @Test
    void adCounters_countTheAcknowledgedEvents_andTheBusiestAdsLeadTheList() {
        int ad = 1234;
        Response before = client.adminGet("/admin/api/ads/" + ad + "/counters");
        assertEquals(200, before.status(), before::toString);
        List<Map<String, Object>> events = new ArrayList<>();
        for (int i = 0; i < 200; i++) {
            events.add(event("impression", "c" + i, ad, 0));
        }
        events.add(event("click", "c0", ad, 0.5));
        events.add(event("conversion", "c0", ad, 3.0));
        assertEquals(
                200,
                client.post("/v1/events", ServingFixture.json(Map.of("events", events)))
                        .status());

        JsonNode after = client.adminGet("/admin/api/ads/" + ad + "/counters").json();
        assertEquals(
                before.json().path("impressions").asLong() + 200,
                after.path("impressions").asLong(),
                after::toString);
        assertEquals(
                before.json().path("clicks").asLong() + 1, after.path("clicks").asLong(), after::toString);
        assertEquals(
                before.json().path("conversions").asLong() + 1,
                after.path("conversions").asLong(),
                after::toString);
        assertEquals(
                before.json().path("spend").asDouble() + 3.5,
                after.path("spend").asDouble(),
                1e-9,
                after::toString);

        JsonNode busiest =
                client.adminGet("/admin/api/ads/busiest?limit=3").json().path("ads");
        assertEquals(ad, busiest.get(0).path("adId").asInt(), busiest::toString);
        assertError(client.adminGet("/admin/api/ads/999999/counters"), 404, "no ad 999999");
        assertError(client.adminGet("/admin/api/ads/busiest?limit=0"), 400, "limit");
    }

    @Test
    void pauseAndResume_throughTheAdminApi_changeWhatIsServed() {
        Response first = client.rank(rankBody("u7", 1, 1000, false));
        int ad = first.json().path("ads").get(0).path("adId").asInt();

        Response paused = client.adminPut("/admin/api/ads/" + ad + "/paused", "{\"paused\": true}");
        assertEquals(200, paused.status(), paused::toString);
        assertTrue(paused.json().path("paused").asBoolean(), paused::toString);
        try {
            assertTrue(client.get("/v1/ads/" + ad).json().path("paused").asBoolean(), "the public API shows the pause");
            for (JsonNode served :
                    client.rank(rankBody("u7", 5, 1000, false)).json().path("ads")) {
                assertFalse(served.path("adId").asInt() == ad, "a paused ad is not served");
            }
        } finally {
            Response resumed = client.adminPut("/admin/api/ads/" + ad + "/paused", "{\"paused\": false}");
            assertEquals(200, resumed.status(), resumed::toString);
            assertFalse(resumed.json().path("paused").asBoolean(), resumed::toString);
        }
        assertEquals(
                ad,
                client.rank(rankBody("u7", 1, 1000, false))
                        .json()
                        .path("ads")
                        .get(0)
                        .path("adId")
                        .asInt(),
                "served again once resumed");
        assertError(client.adminPut("/admin/api/ads/" + ad + "/paused", "{\"paused\": \"yes\"}"), 400, "paused");
        assertError(client.adminPut("/admin/api/ads/" + ad + "/paused", "[]"), 400, "JSON object");
        assertError(client.adminPut("/admin/api/ads/999999/paused", "{\"paused\": true}"), 404, "no ad");
    }

    @Test
    void users_areListedAndLookedUp_unknownOnesAreColdStarts() {
        JsonNode users = client.adminGet("/admin/api/users?limit=5").json().path("users");
        assertEquals(5, users.size(), users::toString);
        assertEquals("u0", users.get(0).path("id").asText());
        JsonNode u3 = client.adminGet("/admin/api/users/u3").json();
        assertEquals("u3", u3.path("id").asText(), u3::toString);
        assertTrue(u3.path("country").isTextual() && u3.path("device").isTextual(), u3::toString);
        assertEquals(3, u3.path("interests").size(), u3::toString);
        assertError(client.adminGet("/admin/api/users/visitor"), 404, "cold start");
        assertError(client.adminGet("/admin/api/users?limit=many"), 400, "limit");
        JsonNode vocabulary = client.adminGet("/admin/api/vocabulary").json();
        assertTrue(vocabulary.path("surfaces").toString().contains("home_feed"), vocabulary::toString);
    }

    @Test
    void learningLoopRounds_addedInProcess_areListedOldestFirst() {
        assertEquals(
                "[]", client.adminGet("/admin/api/loop").json().path("rounds").toString(), "no loop runs: no rounds");
        Instant at = Instant.parse("2025-03-01T10:00:00Z");
        server.loopRounds()
                .add(new LoopRounds.Round(
                        at, 9, "ctr/2", "ctr/1", 4.2, 3.9, 4.5, 4.0, 310, 4.1, 1200, true, "estimated RPM 4.20"));
        server.loopRounds()
                .add(new LoopRounds.Round(
                        at.plusSeconds(3600),
                        10,
                        "ctr/3",
                        "ctr/2",
                        3.1,
                        null,
                        null,
                        4.0,
                        12,
                        Double.NaN,
                        0,
                        false,
                        "effective sample size 12 under 100"));
        JsonNode rounds = client.adminGet("/admin/api/loop").json().path("rounds");
        assertEquals(2, rounds.size(), rounds::toString);
        assertEquals("ctr/2", rounds.get(0).path("version").asText());
        assertEquals(3.9, rounds.get(0).path("estimatedRpmLow").asDouble());
        assertTrue(rounds.get(0).path("promoted").asBoolean());
        assertEquals(at, Instant.parse(rounds.get(0).path("at").asText()));
        assertTrue(rounds.get(1).path("realizedRpm").isNull(), "NaN: not known");
        assertTrue(rounds.get(1).path("estimatedRpmLow").isNull());
        assertEquals(
                "effective sample size 12 under 100", rounds.get(1).path("why").asText());
    }

    @Test
    void models_listTheVersionsOnDisk_andWhenEachLoaded() {
        JsonNode models = client.adminGet("/admin/api/models").json();
        assertEquals("[\"1\",\"2\"]", models.path("onDisk").path("ctr").toString(), models::toString);
        JsonNode active = models.path("versions").get(0);
        assertEquals("ACTIVE", active.path("state").asText(), models::toString);
        assertNotNull(Instant.parse(active.path("loadedAt").asText()), models::toString);
    }

    @Test
    void debugCandidates_sayHowTheyWereRetrieved_whatTheyPay_andWhyTheyWonOrLost() {
        JsonNode known = client.explain(rankBody("u11", 3, 1000, true)).json();
        Map<Integer, JsonNode> winners = new HashMap<>();
        known.path("ads").forEach(ad -> winners.put(ad.path("adId").asInt(), ad));
        int won = 0;
        for (JsonNode c : known.path("debug")) {
            assertEquals("embedding", c.path("retrievalSource").asText(), c::toString);
            assertTrue(c.path("affinity").isNumber(), c::toString);
            String outcome = c.path("outcome").asText();
            String reason = c.path("reason").asText();
            if (outcome.equals("WON")) {
                won++;
                JsonNode ad = winners.get(c.path("adId").asInt());
                assertEquals(ad.path("slot").asInt(), c.path("slot").asInt(), c::toString);
                assertEquals(ad.path("price").asDouble(), c.path("price").asDouble(), 1e-9, c::toString);
                assertTrue(reason.startsWith("won slot " + ad.path("slot").asInt()), reason);
            } else {
                assertTrue(c.path("slot").isNull() && c.path("price").isNull(), c::toString);
                String expected =
                        switch (outcome) {
                            case "OUTBID" -> "outbid";
                            case "DIVERSITY" -> "diversity";
                            case "BELOW_RESERVE" -> "reserve";
                            case "OUT_OF_BUDGET" -> "budget";
                            case "BELOW_QUALITY_FLOOR" -> "quality floor";
                            case "PACED_OUT" -> "paced out";
                            case "FREQUENCY_CAPPED" -> "frequency cap";
                            default -> throw new AssertionError("outcome " + outcome);
                        };
                assertTrue(reason.contains(expected) || reason.contains("not positive"), () -> outcome + ": " + reason);
            }
        }
        assertEquals(winners.size(), won, known::toString);

        JsonNode cold = client.explain(rankBody("visitor", 3, 1000, true)).json();
        assertTrue(cold.path("debug").size() > 0, cold::toString);
        cold.path("debug")
                .forEach(c ->
                        assertEquals("cold-start", c.path("retrievalSource").asText(), c::toString));
    }
}
