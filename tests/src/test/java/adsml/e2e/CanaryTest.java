package adsml.e2e;

import static adsml.e2e.ServingFixture.assertError;
import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.ServingFixture.Client;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A canary: a loaded version scores a share of the users, each user always the same version while it runs; a bad share
 * or the active version is refused with the reason; ending it sends everyone back, activating it promotes it.
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

            Map<String, String> versionOf = versionsByUser(client);
            long canary = versionOf.values().stream().filter("ctr/2"::equals).count();
            assertTrue(canary > 10 && canary < USERS - 10, canary + " of " + USERS + " users on the canary");
            assertEquals(versionOf, versionsByUser(client), "a user sees one version while the canary runs");

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
            assertTrue(versionsByUser(client).values().stream().allMatch("ctr/2"::equals), "all on ctr/2");
        }
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
