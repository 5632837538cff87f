package adsml.e2e;

import static adsml.e2e.ServingFixture.assertError;
import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.ServingFixture.Client;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canary: a loaded version scores a share of the users, each user always the same version while it runs; a bad share
 * or the active version is refused with the reason; each version's live figures count its requests and the events of
 * the ads it showed; ending it sends everyone back, activating it promotes it.
 */
class CanaryTest {
    private static final int USERS = 60;

    @TempDir
    Path data;

    @Test
    void aCanary_takesItsShareOfUsers_andEndsOrIsPromoted() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        try (AdsmlServer server = ServingFixture.start(data, Map.of())) {
            Client client = new Client(server.started());
            assertEquals("2", ServingFixture.writeVersion(data, 2L)); // after the start, which serves the newest
            assertEquals(200, client.adminPost("/admin/api/models/ctr/2/load").status());
            String active =
                    client.adminGet("/admin/api/models").json().path("active").asText();

            assertError(client.adminPost("/admin/api/models/ctr/2/canary?share=1.5"), 400, "share");
            assertError(client.adminPost("/admin/api/models/ctr/2/canary"), 400, "share");
            assertError(client.adminPost("/admin/api/models/" + active + "/canary?share=0.5"), 409, "active");
            assertError(client.adminPost("/admin/api/models/ctr/7/canary?share=0.5"), 404, "never loaded");
            assertError(client.adminDelete("/admin/api/models/canary"), 409, "no canary");

            var started = client.adminPost("/admin/api/models/ctr/2/canary?share=0.5");
            assertEquals(200, started.status(), started::toString);
            JsonNode list = client.adminGet("/admin/api/models").json();
            assertEquals("ctr/2", list.path("canary").path("version").asText(), list::toString);
            assertEquals(active, list.path("active").asText());
            String metrics = client.get("/metrics").body();
            assertTrue(metrics.contains("adsml_model_role{model_version=\"ctr/2\",role=\"canary\"} 1.0"), metrics);
            assertTrue(metrics.contains("adsml_model_canary_share 0.5"), metrics);

            Map<String, String> versionOf = versionsByUser(client);
            long canary = versionOf.values().stream().filter("ctr/2"::equals).count();
            assertTrue(canary > 10 && canary < USERS - 10, canary + " of " + USERS + " users on the canary");
            assertEquals(versionOf, versionsByUser(client), "a user sees one version while the canary runs");
            liveFigures_countEachVersionsRequests_andItsAdsEvents(client, active);

            var ended = client.adminDelete("/admin/api/models/canary");
            assertEquals(200, ended.status(), ended::toString);
            assertTrue(versionsByUser(client).values().stream().allMatch(active::equals), "all back on " + active);

            assertEquals(
                    200,
                    client.adminPost("/admin/api/models/ctr/2/canary?share=0.5").status());
            assertEquals(
                    200, client.adminPost("/admin/api/models/ctr/2/activate").status());
            JsonNode promoted = client.adminGet("/admin/api/models").json();
            assertTrue(promoted.path("canary").isNull(), promoted::toString);
            JsonNode ctr2 = null;
            for (JsonNode v : promoted.path("versions")) {
                if ((v.path("name").asText() + "/" + v.path("version").asText()).equals("ctr/2")) {
                    ctr2 = v;
                }
            }
            assertNotNull(ctr2, promoted::toString);
            assertEquals("ACTIVE", ctr2.path("state").asText(), ctr2::toString);
            assertEquals("promoted from its canary", ctr2.path("detail").asText(), ctr2::toString);
            assertTrue(versionsByUser(client).values().stream().allMatch("ctr/2"::equals), "all on ctr/2");
        }
    }

    /**
     * Every user ranked once more, each shown ad's impression and the first slot's click sent back as events: each
     * version's live figures hold exactly the events of the ads it showed, and its requests.
     */
    private static void liveFigures_countEachVersionsRequests_andItsAdsEvents(Client client, String active) {
        Map<String, long[]> sent = new HashMap<>(); // version -> requests, impressions, clicks
        List<Map<String, Object>> events = new ArrayList<>();
        int anAd = -1;
        for (int u = 1; u <= USERS; u++) {
            JsonNode answer = client.rank(rankBody("u" + u, 2, 1000, false)).json();
            long[] counts = sent.computeIfAbsent(answer.path("modelVersion").asText(), v -> new long[3]);
            counts[0]++;
            String request = answer.path("requestId").asText();
            for (JsonNode ad : answer.path("ads")) {
                int adId = ad.path("adId").asInt();
                anAd = adId;
                events.add(event("impression", request, adId, 0.001));
                counts[1]++;
                if (ad.path("slot").asInt() == 0) {
                    events.add(event("click", request, adId, 0.25));
                    counts[2]++;
                }
            }
        }
        events.add(event("click", "not-a-request-of-this-server", anAd, 0.25));
        var posted = client.post("/v1/events", ServingFixture.json(Map.of("events", events)));
        assertEquals(200, posted.status(), posted::toString);

        JsonNode list = client.adminGet("/admin/api/models").json();
        assertEquals(1, list.path("unattributedEvents").asLong(), list::toString);
        assertEquals(15, list.path("liveWindowMinutes").asLong());
        assertTrue(list.path("canary").path("since").isTextual(), list::toString);
        for (String version : List.of(active, "ctr/2")) {
            long[] counts = sent.get(version);
            assertTrue(counts != null && counts[2] > 0, () -> version + " showed ads: " + sent.keySet());
            JsonNode figures = list.path("live").path(version).path("sinceStart");
            // Requests before this round (the canary's share checks) count too; the events are only this round's.
            assertTrue(figures.path("requests").asLong() >= counts[0], figures::toString);
            assertEquals(counts[1], figures.path("impressions").asLong(), () -> version + ": " + figures);
            assertEquals(counts[2], figures.path("clicks").asLong(), () -> version + ": " + figures);
            assertEquals(
                    counts[1] * 0.001 + counts[2] * 0.25,
                    figures.path("revenue").asDouble(),
                    1e-9);
            assertEquals((double) counts[2] / counts[1], figures.path("ctr").asDouble(), 1e-12);
            assertTrue(figures.path("calibration").asDouble() > 0, figures::toString);
            JsonNode recent = list.path("live").path(version).path("recent");
            for (String count : List.of("requests", "impressions", "clicks")) {
                assertEquals(figures.path(count), recent.path(count), "all within the recent window: " + count);
            }
        }
    }

    private static Map<String, Object> event(String type, String requestId, int adId, double cost) {
        return Map.of(
                "type", type,
                "eventId", requestId + "-" + adId + "-" + type,
                "requestId", requestId,
                "userId", "u1",
                "adId", adId,
                "timestampMs", System.currentTimeMillis(),
                "cost", cost);
    }

    private static Map<String, String> versionsByUser(Client client) {
        Map<String, String> versions = new HashMap<>();
        for (int u = 1; u <= USERS; u++) {
            JsonNode answer = client.rank(rankBody("u" + u, 2, 1000, false)).json();
            versions.put("u" + u, answer.path("modelVersion").asText());
        }
        return versions;
    }
}
