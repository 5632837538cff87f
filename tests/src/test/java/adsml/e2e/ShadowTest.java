package adsml.e2e;

import static adsml.e2e.ServingFixture.assertError;
import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.ServingFixture.Client;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A shadow: a loaded version scores every live request's rows again, never shown; its predictions are compared with the
 * live ones on the same rows (zero difference for a copy of the active version's weights, some for another), and the
 * clicks of the ads the live version showed move its calibration. Activating it ends the shadow.
 */
class ShadowTest {
    private static final int USERS = 40;

    @TempDir
    Path data;

    @Test
    void aShadow_scoresLiveRequestsNeverShown_andIsComparedWithTheLiveVersion() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data); // ctr/1, weights of seed 1
        try (AdsmlServer server = ServingFixture.start(data, Map.of())) {
            Client client = new Client(server.started());
            String active =
                    client.adminGet("/admin/api/models").json().path("active").asText();
            assertEquals("ctr/1", active);
            assertEquals("2", ServingFixture.writeVersion(data, 1L)); // the active version's weights
            assertEquals("3", ServingFixture.writeVersion(data, 3L));
            assertEquals(200, client.adminPost("/admin/api/models/ctr/2/load").status());
            assertEquals(200, client.adminPost("/admin/api/models/ctr/3/load").status());

            assertError(client.adminDelete("/admin/api/models/shadow"), 409, "no shadow");
            assertError(client.adminPost("/admin/api/models/ctr/1/shadow"), 409, "active");
            assertError(client.adminPost("/admin/api/models/ctr/7/shadow"), 404, "never loaded");

            var started = client.adminPost("/admin/api/models/ctr/3/shadow");
            assertEquals(200, started.status(), started::toString);
            JsonNode list = client.adminGet("/admin/api/models").json();
            assertEquals("ctr/3", list.path("shadow").path("version").asText(), list::toString);
            assertTrue(list.path("shadow").path("since").isTextual(), list::toString);

            List<Map<String, Object>> impressions = new ArrayList<>();
            List<Map<String, Object>> clicks = new ArrayList<>();
            rankEveryUser(client, active, impressions, clicks);
            JsonNode other = shadowFigures(client, "ctr/3", USERS);
            assertTrue(other.path("requests").asLong() > 0, other::toString);
            assertTrue(other.path("meanAbsDelta").asDouble() > 1e-4, () -> "other weights, other pCTR: " + other);
            assertTrue(other.path("calibration").isNull(), other::toString);

            // Impressions and half of the clicks, then the rest: more clicks for the same predictions, lower ratio.
            assertTrue(clicks.size() >= 2, "the first slots' clicks: " + clicks.size());
            List<Map<String, Object>> first = new ArrayList<>(impressions);
            first.addAll(clicks.subList(0, clicks.size() / 2));
            assertEquals(
                    200,
                    client.post("/v1/events", ServingFixture.json(Map.of("events", first)))
                            .status());
            JsonNode half = shadowFigures(client, "ctr/3", USERS);
            // The first slot's impressions count for calibration: one a request, as its click.
            assertEquals(clicks.size(), half.path("impressions").asLong(), half::toString);
            assertEquals(clicks.size() / 2, half.path("clicks").asLong(), half::toString);
            double before = half.path("calibration").asDouble();
            assertTrue(before > 0, half::toString);
            var rest = clicks.subList(clicks.size() / 2, clicks.size());
            assertEquals(
                    200,
                    client.post("/v1/events", ServingFixture.json(Map.of("events", rest)))
                            .status());
            JsonNode all = shadowFigures(client, "ctr/3", USERS);
            assertEquals(clicks.size(), all.path("clicks").asLong(), all::toString);
            assertEquals(
                    before * (clicks.size() / 2) / clicks.size(),
                    all.path("calibration").asDouble(),
                    1e-9 * before);
            assertTrue(all.path("liveCalibration").asDouble() > 0, all::toString);

            assertEquals(200, client.adminPost("/admin/api/models/ctr/2/shadow").status(), "replaces ctr/3");
            assertEquals(
                    "ctr/2",
                    client.adminGet("/admin/api/models")
                            .json()
                            .path("shadow")
                            .path("version")
                            .asText());
            rankEveryUser(client, active, new ArrayList<>(), new ArrayList<>());
            JsonNode same = shadowFigures(client, "ctr/2", USERS);
            assertTrue(same.path("rows").asLong() > 0, same::toString);
            assertEquals(0.0, same.path("meanAbsDelta").asDouble(), 1e-6, () -> "the same weights: " + same);

            assertEquals(
                    200, client.adminPost("/admin/api/models/ctr/2/activate").status());
            JsonNode promoted = client.adminGet("/admin/api/models").json();
            assertTrue(promoted.path("shadow").isNull(), () -> "activating the shadow ends it: " + promoted);
        }
    }

    /**
     * Ranks each user once: every answer is the live version's; collects each shown ad's impression and slot 0's click.
     */
    private static void rankEveryUser(
            Client client, String live, List<Map<String, Object>> impressions, List<Map<String, Object>> clicks) {
        for (int u = 1; u <= USERS; u++) {
            JsonNode answer = client.rank(rankBody("u" + u, 2, 1000, false)).json();
            assertEquals(live, answer.path("modelVersion").asText(), "the shadow never answers: " + answer);
            String request = answer.path("requestId").asText();
            for (JsonNode ad : answer.path("ads")) {
                int adId = ad.path("adId").asInt();
                impressions.add(event("impression", request, adId));
                if (ad.path("slot").asInt() == 0) {
                    clicks.add(event("click", request, adId));
                }
            }
        }
    }

    /**
     * {@code version}'s shadow figures once at least {@code requests} requests were scored or shed: shadow work is
     * never waited for by the requests, so it may still be under way when they are answered.
     */
    private static JsonNode shadowFigures(Client client, String version, int requests) throws InterruptedException {
        long until = System.nanoTime() + 10_000_000_000L;
        while (true) {
            JsonNode figures = client.adminGet("/admin/api/models")
                    .json()
                    .path("shadowFigures")
                    .path(version);
            long done = figures.path("requests").asLong() + figures.path("shed").asLong();
            if (done >= requests || System.nanoTime() > until) {
                return figures;
            }
            Thread.sleep(20);
        }
    }

    private static Map<String, Object> event(String type, String requestId, int adId) {
        return Map.of(
                "type",
                type,
                "eventId",
                requestId + "-" + adId + "-" + type,
                "requestId",
                requestId,
                "userId",
                "u1",
                "adId",
                adId,
                "timestampMs",
                System.currentTimeMillis(),
                "cost",
                0.01);
    }
}
