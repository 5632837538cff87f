package adsml.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adsml.scheduler.cpu.engine = reference} serves through the same pipeline with the plain-Java forward pass: the
 * same candidates, in the same order, with the scores of DJL's engine within 1e-4. This is how a GPU machine, which
 * cannot carry DJL's native library, checks its GPU's scores end to end (gpu-scheduler/bench/gpu-serve.sh).
 */
class ReferenceEngineTest {
    private static final List<String> USERS = List.of("u3", "u42", "u123", "unknown-user");

    @TempDir
    static Path data;

    @BeforeAll
    static void writeData() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
    }

    @Test
    void referenceEngineScoresLikeDjl() throws Exception {
        // backend = cpu: on a GPU machine, auto would score both on the GPU.
        List<JsonNode> djl =
                rankEveryUser(Map.of("adsml.scheduler.backend", "cpu", "adsml.scheduler.cpu.engine", "djl"));
        List<JsonNode> reference = rankEveryUser(Map.of(
                "adsml.scheduler.backend",
                "cpu",
                "adsml.scheduler.cpu.engine",
                "reference",
                "adsml.server.warm-up-requests",
                0));
        for (int u = 0; u < USERS.size(); u++) {
            JsonNode a = djl.get(u).path("debug");
            JsonNode b = reference.get(u).path("debug");
            assertTrue(a.size() > 0, "no candidates for " + USERS.get(u));
            assertEquals(a.size(), b.size(), "candidates of " + USERS.get(u));
            for (int i = 0; i < a.size(); i++) {
                assertEquals(
                        a.get(i).path("adId").asInt(),
                        b.get(i).path("adId").asInt(),
                        "candidate " + i + " of " + USERS.get(u));
                for (String score : List.of("pctr", "pcvr")) {
                    double x = a.get(i).path(score).asDouble();
                    double y = b.get(i).path(score).asDouble();
                    assertTrue(
                            Math.abs(x - y) <= 1e-4,
                            score + " of ad " + a.get(i).path("adId") + ": djl " + x + ", reference " + y);
                }
            }
        }
    }

    /**
     * One debug rank answer per user from a server started with {@code overrides}, then stopped (the two share the data
     * folder).
     */
    private static List<JsonNode> rankEveryUser(Map<String, Object> overrides) throws Exception {
        List<JsonNode> answers = new ArrayList<>();
        try (AdsmlServer server = ServingFixture.start(data, overrides)) {
            ServingFixture.Client client = new ServingFixture.Client(server.started());
            for (String user : USERS) {
                ServingFixture.Response r = client.explain(ServingFixture.rankBody(user, 5, 2000, true));
                assertEquals(200, r.status(), () -> "rank of " + user + ": " + r);
                answers.add(r.json());
            }
        }
        return answers;
    }
}
