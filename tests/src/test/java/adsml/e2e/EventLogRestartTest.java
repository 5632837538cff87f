package adsml.e2e;

import static adsml.e2e.ServingFixture.assertError;
import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertEquals;

import adsml.e2e.ServingFixture.Client;
import adsml.e2e.ServingFixture.Response;
import adsml.server.AdsmlServer;
import java.io.IOException;
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
 * the same data folder; a batch with one bad event is refused whole.
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
                event("impression", "req-1", "u11", 17, now),
                event("click", "req-1", "u11", 17, now + 1),
                event("conversion", "req-1", "u11", 17, now + 2),
                event("impression", "req-2", "visitor", ServingFixture.ADS - 1, now + 3));

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
            assertEquals(6, fields.length, () -> "not six tab-separated fields: " + lines);
            assertEquals(((String) e.get("type")).toUpperCase(), fields[0], "type");
            assertEquals(e.get("requestId"), fields[1], "request id");
            assertEquals(e.get("userId"), fields[2], "user");
            assertEquals(e.get("adId").toString(), fields[3], "ad id");
            assertEquals(e.get("timestampMs").toString(), fields[4], "timestamp");
            assertEquals(0.0, Double.parseDouble(fields[5]), "cost");
        }

        Response more = client.post(
                "/v1/events",
                ServingFixture.json(Map.of("events", List.of(event("click", "req-3", "u12", 3, now + 4)))));
        assertEquals(200, more.status(), more::toString);
        assertEquals(before + events.size() + 1, logLines().size(), "the restarted server appends, never truncates");
    }

    @Test
    void events_oneBadEventRefusesTheWholeBatch() throws Exception {
        long now = System.currentTimeMillis();
        int before = logLines().size();
        Map<String, Object> good = event("impression", "req-9", "u1", 5, now);

        Map<String, Object> unknownAd = event("click", "req-9", "u1", ServingFixture.ADS + 1000, now);
        assertError(
                client.post("/v1/events", ServingFixture.json(Map.of("events", List.of(good, unknownAd)))),
                400,
                "events[1].adId");
        Map<String, Object> unknownType = event("purchase", "req-9", "u1", 5, now);
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

        assertEquals(before, logLines().size(), "a refused batch leaves nothing in events.log");
    }

    private static Map<String, Object> event(String type, String requestId, String user, int adId, long timestampMs) {
        Map<String, Object> e = new LinkedHashMap<>();
        e.put("type", type);
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
