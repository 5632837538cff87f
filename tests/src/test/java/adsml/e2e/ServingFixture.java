package adsml.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.bench.LocalServer;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import adsml.platform.model.Architecture;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.LrWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import adsml.platform.world.WorldFiles;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * What every end-to-end test stands on: a tiny generated data folder (world and model versions), a server started on it
 * with both listeners on free ports, and the HTTP calls a client makes.
 */
final class ServingFixture {
    static final String ADMIN_TOKEN = "test-token";
    static final String INGEST_TOKEN = "test-ingest-token";
    static final String MODEL = "ctr";
    static final ObjectMapper JSON = new ObjectMapper();
    static final long WORLD_SEED = 7L;
    static final int ADS = 2000;
    static final int USERS = 500;

    /** A package-qualified class name (adsml.http.Foo, java.lang.IllegalStateException): never in a client's body. */
    private static final Pattern CLASS_NAME = Pattern.compile("\\b[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.[A-Z]\\w*");

    private static final Duration CALL_TIMEOUT = Duration.ofSeconds(30);

    private ServingFixture() {}

    /** Generates the tiny world into {@code data/world}. */
    static void writeWorld(Path data) throws IOException {
        World world =
                WorldGenerator.generate(new WorldConfig(WORLD_SEED, ADS, USERS, 1000, 100), ProgressListener.NONE);
        WorldFiles.write(world, data.resolve("world"));
    }

    /** The demo-shaped spec every version of these tests has. */
    static ModelSpec spec() {
        return ModelPreset.DEMO.spec(MODEL, "0");
    }

    /** Writes the next version of {@code ctr} with random weights from {@code seed}; returns its version number. */
    static String writeVersion(Path data, long seed) throws IOException {
        return writeVersion(data, new Model.Dcn(spec(), DcnWeights.random(spec(), seed)));
    }

    static String writeVersion(Path data, Model model) throws IOException {
        return ModelFolder.saveNextVersion(model, modelDir(data)).getFileName().toString();
    }

    /**
     * Writes the next version of {@code models/light}: an LR on {@code light-v1} whose every weight is 0 but the
     * biases, the same probabilities for every row, so that as the funnel's light model it keeps the highest eCPMs by
     * bid.
     */
    static void writeLightVersion(Path data, float ctrLogit) throws IOException {
        FeatureSchema schema = FeatureSets.builtIn().require("light-v1").schema();
        ModelSpec spec = new ModelSpec(
                "light", "0", Architecture.LR, schema, 0, 0, List.of(), ModelSpec.CTR_CVR, Map.of(), null, Map.of());
        LrWeights weights = new LrWeights(
                new float[2 * schema.totalRows()], new float[2 * schema.denseDims()], new float[] {ctrLogit, -2f});
        ModelFolder.saveNextVersion(
                new Model.Lr(spec, weights), data.resolve("models").resolve("light"));
    }

    static Path modelDir(Path data) {
        return data.resolve("models").resolve(MODEL);
    }

    /**
     * Writes the tiny world and version 1 of {@code ctr} into {@code data}: what every server of these tests starts
     * from.
     */
    static void writeWorldAndFirstVersion(Path data) throws IOException {
        writeWorld(data);
        writeVersion(data, 1L);
    }

    /**
     * Starts a server on {@code data} as {@link LocalServer} does, with the test admin token, then {@code overrides}.
     */
    static AdsmlServer start(Path data, Map<String, Object> overrides) throws Exception {
        Map<String, Object> settings = new HashMap<>();
        settings.put("adsml.http.admin-token", ADMIN_TOKEN);
        settings.put("adsml.http.ingest-token", INGEST_TOKEN);
        settings.put("adsml.server.warm-up-requests", 50); // exercised, but short: the tiny world needs no more
        settings.putAll(overrides);
        return LocalServer.start(data, settings);
    }

    /** A rank body for {@code user} on the home feed, from an iPhone in the US at 13h. */
    static String rankBody(String user, int slots, int deadlineMs, boolean debug) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("userId", user);
        body.put("context", Map.of("surface", "home_feed", "device", "ios", "country", "US", "hour", 13));
        body.put("slots", slots);
        body.put("deadlineMs", deadlineMs);
        body.put("debug", debug);
        return json(body);
    }

    static String json(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /**
     * Asserts that {@code r} is the API's error shape: {@code status}, a JSON body {@code {"error": reason}} whose
     * reason contains {@code reasonPart}, and nothing a client should never see (a stack trace, a class name).
     */
    static void assertError(Response r, int status, String reasonPart) {
        assertEquals(status, r.status(), () -> "status of " + r);
        assertTrue(r.contentType().startsWith("application/json"), () -> "content type of " + r);
        JsonNode body = r.json();
        assertTrue(
                body.path("error").isTextual() && !body.path("error").asText().isBlank(),
                () -> "no error reason in " + r);
        assertTrue(
                body.path("error").asText().contains(reasonPart),
                () -> "reason of " + r + " does not mention '" + reasonPart + "'");
        assertFalse(
                r.body().contains("Exception")
                        || r.body().contains("\tat ")
                        || CLASS_NAME.matcher(r.body()).find(),
                () -> "internals leak in " + r);
    }

    /** One answer: status, headers and body text. */
    record Response(int status, HttpHeaders headers, String body) {
        JsonNode json() {
            try {
                return JSON.readTree(body);
            } catch (JsonProcessingException e) {
                throw new AssertionError("not JSON (status " + status + "): " + body, e);
            }
        }

        String contentType() {
            return headers.firstValue("Content-Type").orElse("");
        }

        Optional<String> header(String name) {
            return headers.firstValue(name);
        }

        @Override
        public String toString() {
            return status + " " + (body.length() > 500 ? body.substring(0, 500) + "..." : body);
        }
    }

    /** A client of one running server: the public API and, with the token, the admin API. */
    static final class Client {
        private final HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .build();
        private final URI api;
        private final URI admin;

        Client(AdsmlServer.Started started) {
            this.api = URI.create("http://127.0.0.1:" + started.api().getPort());
            this.admin = URI.create("http://127.0.0.1:" + started.admin().getPort());
        }

        /** An anonymous rank request: the ranking API is open. */
        Response rank(String body) {
            return send(request(api, "/v1/rank").POST(HttpRequest.BodyPublishers.ofString(body)));
        }

        /** A rank request with the admin credential, which {@code debug} needs. */
        Response explain(String body) {
            return send(request(api, "/v1/rank")
                    .header("Authorization", "Bearer " + ADMIN_TOKEN)
                    .POST(HttpRequest.BodyPublishers.ofString(body)));
        }

        /** The public API's other calls (events, ads), with the ingest credential they need. */
        Response post(String path, String body) {
            return send(ingest(path).POST(HttpRequest.BodyPublishers.ofString(body)));
        }

        Response put(String path, String body) {
            return send(ingest(path).PUT(HttpRequest.BodyPublishers.ofString(body)));
        }

        Response get(String path) {
            return send(ingest(path).GET());
        }

        Response delete(String path) {
            return send(ingest(path).DELETE());
        }

        private HttpRequest.Builder ingest(String path) {
            return request(api, path).header("Authorization", "Bearer " + INGEST_TOKEN);
        }

        Response adminGet(String path) {
            return send(request(admin, path)
                    .header("Authorization", "Bearer " + ADMIN_TOKEN)
                    .GET());
        }

        Response adminPost(String path) {
            return send(request(admin, path)
                    .header("Authorization", "Bearer " + ADMIN_TOKEN)
                    .POST(HttpRequest.BodyPublishers.noBody()));
        }

        Response adminDelete(String path) {
            return send(request(admin, path)
                    .header("Authorization", "Bearer " + ADMIN_TOKEN)
                    .DELETE());
        }

        Response adminPut(String path, String body) {
            return send(request(admin, path)
                    .header("Authorization", "Bearer " + ADMIN_TOKEN)
                    .PUT(HttpRequest.BodyPublishers.ofString(body)));
        }

        /** An admin call as the caller builds it (its own Authorization header, or none). */
        Response adminSend(HttpRequest.Builder request) {
            return send(request);
        }

        HttpRequest.Builder adminRequest(String path) {
            return request(admin, path);
        }

        private static HttpRequest.Builder request(URI base, String path) {
            return HttpRequest.newBuilder(base.resolve(path))
                    .timeout(CALL_TIMEOUT)
                    .header("Content-Type", "application/json");
        }

        private Response send(HttpRequest.Builder request) {
            try {
                HttpResponse<String> r = http.send(request.build(), HttpResponse.BodyHandlers.ofString());
                return new Response(r.statusCode(), r.headers(), r.body());
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted", e);
            }
        }
    }
}
