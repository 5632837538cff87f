package adsml.e2e;

import static adsml.e2e.ServingFixture.assertError;
import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.ServingFixture.Client;
import adsml.e2e.ServingFixture.Response;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code POST /v1/events}: an accepted batch is on disk and stays there when the server is stopped and started again on
 * the same data folder, its ids are still known (a retry is not counted again), and the spend it charged still counts
 * (an exhausted campaign stays exhausted); a batch with one bad event is refused whole.
 */
class EventLogRestartTest {
    @TempDir
    static Path data;

    private static AdsmlServer server;
    private static Client client;

    @BeforeAll
    static void startServer() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        restart();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
        server = null; // a closed server holds its world and model; the class outlives it
        client = null;
    }

    private static void restart() throws Exception {
        if (server != null) {
            server.close();
            server = null;
        }
        server = ServingFixture.start(data, Map.of());
        client = new Client(server.started());
    }

    @Test
    void events_persistAcrossRestart() throws Exception {
        int before = logLines().size();
        long now = System.currentTimeMillis();
        List<Map<String, Object>> events = List.of(
                event("impression", "persist-1", "req-1", "u11", 17, now),
                event("click", "persist-2", "req-1", "u11", 17, now + 1),
                event("conversion", "persist-3", "req-1", "u11", 17, now + 2),
                event("impression", "persist-4", "req-2", "visitor", ServingFixture.ADS - 1, now + 3));

        Response accepted = client.post("/v1/events", ServingFixture.json(Map.of("events", events)));

        assertEquals(200, accepted.status(), accepted::toString);
        assertEquals(events.size(), accepted.json().path("accepted").asInt(), accepted::toString);
        restart();
        Response afterRestart = client.rank(rankBody("u11", 5, 1000, false));
        assertEquals(200, afterRestart.status(), () -> "the restarted server serves: " + afterRestart);
        List<String> lines = logLines();
        assertEquals(before + events.size(), lines.size(), () -> "events.log after the restart: " + lines);
        for (int i = 0; i < events.size(); i++) {
            Map<String, Object> e = events.get(i);
            String[] fields = lines.get(before + i).split("\t", -1);
            assertEquals(8, fields.length, () -> "not eight tab-separated fields: " + lines);
            assertEquals(((String) e.get("type")).toUpperCase(), fields[0], "type");
            assertEquals(e.get("eventId"), fields[1], "event id");
            assertEquals(e.get("requestId"), fields[2], "request id");
            assertEquals(e.get("userId"), fields[3], "user");
            assertEquals(e.get("adId").toString(), fields[4], "ad id");
            assertEquals(e.get("timestampMs").toString(), fields[5], "timestamp");
            assertEquals(0.0, Double.parseDouble(fields[6]), "cost");
        }

        Response retried = client.post("/v1/events", ServingFixture.json(Map.of("events", events)));
        assertEquals(200, retried.status(), retried::toString);
        assertEquals(events.size(), retried.json().path("duplicates").asInt(), retried::toString);
        Response more = client.post(
                "/v1/events",
                ServingFixture.json(
                        Map.of("events", List.of(event("click", "persist-5", "req-3", "u12", 3, now + 4)))));
        assertEquals(200, more.status(), more::toString);
        assertEquals(1, more.json().path("appended").asInt(), more::toString);
        assertEquals(
                before + events.size() + 1,
                logLines().size(),
                "the restarted server appends, never truncates, and knows the ids it logged before");
    }

    @Test
    void exhaustedCampaign_staysExhaustedAfterRestart() throws Exception {
        int ad = 42;
        JsonNode campaign = client.get("/v1/ads/" + ad).json().path("campaign");
        assertFalse(campaign.path("outOfBudget").asBoolean(), () -> "in budget at first: " + campaign);
        double budget = campaign.path("dailyBudget").asDouble();
        Map<String, Object> click = event("click", "exhaust-1", "req-x", "u3", ad, System.currentTimeMillis());
        click.put("cost", budget);
        String batch = ServingFixture.json(Map.of("events", List.of(click)));
        assertEquals(200, client.post("/v1/events", batch).status());
        assertTrue(client.get("/v1/ads/" + ad)
                .json()
                .path("campaign")
                .path("outOfBudget")
                .asBoolean());

        restart();

        JsonNode after = client.get("/v1/ads/" + ad).json().path("campaign");
        assertTrue(after.path("outOfBudget").asBoolean(), () -> "spend rebuilt from the log: " + after);
        assertEquals(budget, after.path("spentToday").asDouble(), 1e-4, after::toString);
        Response retried = client.post("/v1/events", batch);
        assertEquals(1, retried.json().path("duplicates").asInt(), retried::toString);
        assertEquals(
                budget,
                client.get("/v1/ads/" + ad)
                        .json()
                        .path("campaign")
                        .path("spentToday")
                        .asDouble(),
                1e-4,
                "a retry after the restart is not charged again");
    }

    @Test
    void events_oneBadEventRefusesTheWholeBatch() throws Exception {
        long now = System.currentTimeMillis();
        int before = logLines().size();
        Map<String, Object> good = event("impression", "bad-1", "req-9", "u1", 5, now);

        Map<String, Object> unknownAd = event("click", "bad-2", "req-9", "u1", ServingFixture.ADS + 1000, now);
        assertError(
                client.post("/v1/events", ServingFixture.json(Map.of("events", List.of(good, unknownAd)))),
                400,
                "events[1].adId");
        Map<String, Object> unknownType = event("purchase", "bad-3", "req-9", "u1", 5, now);
        assertError(
                client.post("/v1/events", ServingFixture.json(Map.of("events", List.of(good, good, unknownType)))),
                400,
                "events[2].type");
        Map<String, Object> noTimestamp = new LinkedHashMap<>(good);
        noTimestamp.remove("timestampMs");
        assertError(
                client.post("/v1/events", ServingFixture.json(Map.of("events", List.of(noTimestamp, good)))),
                400,
                "events[0].timestampMs");
        Map<String, Object> wrapping = new LinkedHashMap<>(good);
        wrapping.put("timestampMs", new BigInteger("18446744073709551617")); // 2^64 + 1
        assertError(
                client.post("/v1/events", ServingFixture.json(Map.of("events", List.of(good, wrapping)))),
                400,
                "events[1].timestampMs");
        Map<String, Object> noId = new LinkedHashMap<>(good);
        noId.remove("eventId");
        assertError(
                client.post("/v1/events", ServingFixture.json(Map.of("events", List.of(noId)))),
                400,
                "events[0].eventId");

        assertEquals(before, logLines().size(), "a refused batch leaves nothing in events.log");
    }

    private static Map<String, Object> event(
            String type, String eventId, String requestId, String user, int adId, long timestampMs) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", type);
        e.put("eventId", eventId);
        e.put("requestId", requestId);
        e.put("userId", user);
        e.put("adId", adId);
        e.put("timestampMs", timestampMs);
        return e;
    }

    private static List<String> logLines() throws IOException {
        Path log = data.resolve("events.log");
        return Files.exists(log) ? Files.readAllLines(log, StandardCharsets.UTF_8) : new ArrayList<>();
    }
}
