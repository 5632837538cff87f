package adsml.e2e;

import static adsml.e2e.ServingFixture.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.ServingFixture.Client;
import adsml.e2e.ServingFixture.Response;
import adsml.platform.auction.Auction;
import adsml.platform.domain.Ad;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.world.World;
import adsml.platform.world.WorldFiles;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The serving path of a large inventory: retrieval from the IVF index over the world's two-tower vectors (forced here
 * on the tiny world), a light model that cuts a wide retrieval for the heavy model and swaps while serving, ad writes
 * seen by the next request, and the index read back at the next start.
 */
class FunnelTest {
    private static final Map<String, Object> FUNNEL = Map.of(
            "adsml.platform.index.kind", "ivf",
            "adsml.actors.max-candidates", 50,
            "adsml.actors.funnel.retrieve-width", 400);

    @TempDir
    Path data;

    /** A rank body for user {@code id}, with every candidate when {@code debug} (the admin token's). */
    private static String user(int id, boolean debug) {
        return ServingFixture.rankBody("u" + id, 3, 1000, debug);
    }

    @Test
    void aWideRetrieval_isCutByTheLightModel_whichSwapsWhileServing() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        ServingFixture.writeLightVersion(data, -3f);
        Path index = data.resolve("index").resolve("ivf.bin");
        try (AdsmlServer server = ServingFixture.start(data, FUNNEL)) {
            Client client = new Client(server.started());
            assertTrue(Files.exists(index), "the built index is kept for the next start");
            JsonNode cut = client.explain(user(5, true)).json();
            assertEquals("light/1", cut.path("lightModelVersion").asText(), cut::toString);
            int retrieved = cut.path("candidates").path("retrieved").asInt();
            assertTrue(retrieved > 50 && retrieved <= 400, cut::toString);
            assertEquals(50, cut.path("candidates").path("scored").asInt(), cut::toString);
            assertTrue(cut.path("timingsMs").path("lightRankMs").asDouble() > 0, cut::toString);
            assertTrue(
                    StreamSupport.stream(cut.path("debug").spliterator(), false)
                            .allMatch(c -> c.path("retrievalSource").asText().equals("light-model")),
                    cut::toString);

            ServingFixture.writeLightVersion(data, -1f);
            Response swapped = client.adminPost("/admin/api/light-model/light/2/activate");
            assertEquals(200, swapped.status(), swapped::toString);
            assertEquals("light-v1", swapped.json().path("featureSet").asText());
            assertEquals(
                    "light/2",
                    client.rank(user(6, false)).json().path("lightModelVersion").asText());
            assertError(client.adminPost("/admin/api/light-model/light/3/activate"), 404, "light/3");
            assertEquals(
                    "light/2",
                    client.adminGet("/admin/api/light-model")
                            .json()
                            .path("active")
                            .asText(),
                    "a refused swap leaves the light model as it was");

            assertEquals(200, client.adminDelete("/admin/api/light-model").status());
            JsonNode direct = client.rank(user(5, false)).json();
            assertTrue(direct.path("lightModelVersion").isNull(), direct::toString);
            assertEquals(50, direct.path("candidates").path("retrieved").asInt(), direct::toString);
        }
    }

    @Test
    void adWrites_reachTheIvfIndex_andItsFileIsReadAtTheNextStart() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        World world = WorldFiles.read(data.resolve("world"));
        User u = world.user(9);
        Path index = data.resolve("index").resolve("ivf.bin");
        FileTime built;
        try (AdsmlServer server = ServingFixture.start(data, FUNNEL)) {
            Client client = new Client(server.started());
            built = Files.getLastModifiedTime(index);
            JsonNode before = client.explain(user(9, true)).json();
            assertTrue(before.path("lightModelVersion").isNull(), "no light model in the folder: " + before);
            int campaign = before.path("debug").path(0).path("campaignId").asInt();
            List<Float> embedding = new ArrayList<>();
            for (float v : u.embedding()) {
                embedding.add(40 * v); // far above every generated ad's affinity to this user
            }
            Map<String, Object> ad = new LinkedHashMap<>();
            ad.put("campaignId", campaign);
            ad.put("category", 3);
            ad.put("creativeType", "image");
            ad.put("embedding", embedding);
            ad.put("paused", false);
            int id = ServingFixture.ADS;
            Response put = client.put("/v1/ads/" + id, ServingFixture.json(ad));
            assertEquals(200, put.status(), put::toString);
            JsonNode after = client.explain(user(9, true)).json();
            assertTrue(
                    StreamSupport.stream(after.path("debug").spliterator(), false)
                            .anyMatch(c -> c.path("adId").asInt() == id
                                    && c.path("retrievalRank").asInt() == 0),
                    "retrieved first: " + after);

            assertEquals(200, client.delete("/v1/ads/" + id).status());
            JsonNode paused = client.explain(user(9, true)).json();
            assertFalse(
                    StreamSupport.stream(paused.path("debug").spliterator(), false)
                            .anyMatch(c -> c.path("adId").asInt() == id),
                    paused::toString);
        }
        try (AdsmlServer again = ServingFixture.start(data, FUNNEL)) {
            assertEquals(built, Files.getLastModifiedTime(index), "the lists were read, not rebuilt");
            JsonNode served = new Client(again.started()).rank(user(9, false)).json();
            assertTrue(served.path("candidates").path("retrieved").asInt() > 0, served::toString);
        }
    }

    /**
     * {@code kind = scan} serves through the inventory scan (here its CPU twin: no GPU): the scan ranks every eligible
     * ad by the light model, the CPU cut picks from its best, so the heavy model's candidates are the light model's
     * best over every eligible ad (an IVF retrieval by affinity would hand the cut 400 others); it takes ad writes and
     * pauses from the next request on.
     */
    @Test
    void aScanIndex_servesAndTakesAdWrites() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        ServingFixture.writeLightVersion(data, -3f);
        World world = WorldFiles.read(data.resolve("world"));
        Map<String, Object> scan = new LinkedHashMap<>(FUNNEL);
        scan.put("adsml.platform.index.kind", "scan");
        scan.put("adsml.platform.index.scan-timeout", "10s"); // a loaded machine's pauses are not the scan's faults
        try (AdsmlServer server = ServingFixture.start(data, scan)) {
            Client client = new Client(server.started());
            ClusterFixture.awaitTrue(
                    () -> client.adminGet("/admin/api/light-model")
                            .json()
                            .path("onScan")
                            .asText()
                            .equals("light/1"),
                    10_000,
                    "the scan light-ranks by light/1");
            JsonNode cut = client.explain(user(9, true)).json();
            assertEquals("light/1", cut.path("lightModelVersion").asText(), cut::toString);
            assertEquals(400, cut.path("candidates").path("retrieved").asInt(), cut::toString);
            // The light model's weights are all 0: one pCTR and one pCVR for every ad, its best are the best bids.
            // Targeting reads the request's country and device (ServingFixture.rankBody: US on ios), the profile the
            // rest.
            User profile = world.user(9);
            User nine = new User(
                    profile.id(),
                    Vocab.indexOf(Vocab.COUNTRIES, "US"),
                    Vocab.indexOf(Vocab.DEVICES, "ios"),
                    profile.ageBucket(),
                    profile.interests(),
                    profile.interestWeights(),
                    profile.embedding());
            float pCtr = (float) (1 / (1 + Math.exp(3))), pCvr = (float) (1 / (1 + Math.exp(2)));
            Set<Integer> best = world.ads().stream()
                    .filter(a -> world.campaign(a.campaignId()).targeting().matches(nine))
                    .sorted(Comparator.<Ad>comparingDouble(
                                    a -> -(float) Auction.ecpm(world.campaign(a.campaignId()), pCtr, pCvr))
                            .thenComparingInt(Ad::id))
                    .limit(50)
                    .map(Ad::id)
                    .collect(Collectors.toSet());
            Set<Integer> candidates = StreamSupport.stream(cut.path("debug").spliterator(), false)
                    .map(c -> c.path("adId").asInt())
                    .collect(Collectors.toSet());
            assertEquals(best, candidates, cut::toString);
            int campaign = cut.path("debug").path(0).path("campaignId").asInt();
            List<Float> embedding = new ArrayList<>();
            for (float v : world.user(9).embedding()) {
                embedding.add(40 * v);
            }
            Map<String, Object> ad = new LinkedHashMap<>();
            ad.put("campaignId", campaign);
            ad.put("category", 3);
            ad.put("creativeType", "image");
            ad.put("embedding", embedding);
            ad.put("paused", false);
            int id = ServingFixture.ADS;
            assertEquals(
                    200, client.put("/v1/ads/" + id, ServingFixture.json(ad)).status());
            assertEquals(200, client.adminDelete("/admin/api/light-model").status());
            JsonNode after = client.explain(user(9, true)).json();
            assertEquals(id, after.path("debug").path(0).path("adId").asInt(), "retrieved first: " + after);
            assertEquals(0, after.path("debug").path(0).path("retrievalRank").asInt(), after::toString);
            assertEquals(200, client.delete("/v1/ads/" + id).status());
            JsonNode paused = client.explain(user(9, true)).json();
            assertFalse(
                    StreamSupport.stream(paused.path("debug").spliterator(), false)
                            .anyMatch(c -> c.path("adId").asInt() == id),
                    paused::toString);
        }
    }
}
