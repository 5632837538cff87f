package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.actors.events.EventFeed;
import adsml.actors.events.EventLog;
import adsml.actors.events.EventLogHealth;
import adsml.actors.events.EventLogSettings;
import adsml.actors.models.ActivationGate;
import adsml.actors.models.ActiveModel;
import adsml.actors.models.ModelRegistry;
import adsml.actors.ranking.NoActiveModelException;
import adsml.actors.ranking.RankResult;
import adsml.actors.ranking.RankingCoordinator;
import adsml.actors.ranking.StagePool;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import adsml.platform.funnel.LightRanker;
import adsml.platform.index.BudgetTracker;
import adsml.platform.index.ExactAdIndex;
import adsml.platform.model.Architecture;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.LrWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.testing.InMemoryUserStore;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.CpuDevice;
import adsml.scheduler.DeadlineExceededException;
import adsml.scheduler.DeadlineUnreachableException;
import adsml.scheduler.NoHealthyDeviceException;
import adsml.scheduler.QueueFullException;
import adsml.scheduler.SchedulerSettings;
import adsml.scheduler.Ticker;
import adsml.scheduler.VersionRetiredException;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every status the API answers, through both listeners' route trees as {@link HttpApi} composes them, in process (no
 * socket): the real routes over a tiny world, with ranking coordinators that answer what each test tells them to.
 */
class HttpApiTest {
    private static final String TOKEN = "route-test-token";
    private static final String INGEST_TOKEN = "route-test-ingest-token";
    private static final String RANK_TOKEN = "route-test-rank-token";
    private static final long MAX_BODY = 4096;
    /** A package-qualified class name (java.lang.IllegalStateException): never in a client's body. */
    private static final Pattern CLASS_NAME = Pattern.compile("\\b[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.[A-Z]\\w*");

    @TempDir
    static Path data;

    private static ActorTestKit kit;
    private static CpuDevice device;
    private static BatchingScheduler scheduler;
    private static HttpApi api;
    /** The same routes with the ranking API closed: a rank token is set. */
    private static HttpApi closedRank;
    /** What the fake coordinators answer: a RankResult, a Throwable to fail with, or null to never answer. */
    private static final AtomicReference<Object> coordinatorAnswer = new AtomicReference<>();

    @BeforeAll
    static void compose() throws Exception {
        kit = ActorTestKit.create();
        World world = WorldGenerator.generate(new WorldConfig(7, 200, 50, 10, 10), ProgressListener.NONE);
        BudgetTracker budget = new BudgetTracker(Clock.systemUTC());
        ExactAdIndex index = ExactAdIndex.of(world, budget);
        device = new CpuDevice("cpu0", 1, 1L << 30);
        scheduler = new BatchingScheduler(SchedulerSettings.defaults(), List.of(device), Ticker.SYSTEM);
        ActiveModel model = new ActiveModel();
        Path models = data.resolve("models");
        ModelSpec spec = ModelPreset.DEMO.spec("ctr", "0");
        ModelFolder.saveNextVersion(new Model.Dcn(spec, DcnWeights.random(spec, 1)), models.resolve("ctr"));
        FeatureSchema light = FeatureSets.builtIn().require("light-v1").schema();
        ModelSpec lightSpec = new ModelSpec(
                "light", "0", Architecture.LR, light, 0, 0, List.of(), ModelSpec.CTR_CVR, Map.of(), null, Map.of());
        ModelFolder.saveNextVersion(
                new Model.Lr(
                        lightSpec,
                        new LrWeights(
                                new float[2 * light.totalRows()], new float[2 * light.denseDims()], new float[2])),
                models.resolve("light"));
        Executor blocking = ForkJoinPool.commonPool();
        ActorRef<ModelRegistry.Command> registry = kit.spawn(ModelRegistry.create(
                models,
                List.of(device),
                scheduler,
                FeatureSets.builtIn(),
                Ticker.SYSTEM,
                model,
                blocking,
                Clock.systemUTC(),
                ActivationGate.NONE));
        EventLogHealth eventLogHealth = new EventLogHealth();
        EventLogSettings eventLogSettings = EventLogSettings.from(ConfigFactory.load());
        ActorRef<EventLog.Command> events = kit.spawn(EventLog.create(
                data.resolve("events.log"),
                eventLogSettings,
                EventLog.FILES,
                Clock.systemUTC(),
                eventLogHealth,
                new EventLog.SpendReplay() {
                    @Override
                    public boolean countsNow(long loggedAtMs) {
                        return false;
                    }

                    @Override
                    public void spent(int adId, double dollars) {}
                },
                EventFeed.NONE));
        ActorRef<RankingCoordinator.Command> coordinator = kit.spawn(Behaviors.receiveMessage(message -> {
            if (message instanceof RankingCoordinator.Rank rank) {
                Object answer = coordinatorAnswer.get();
                if (answer instanceof RankResult result) {
                    rank.replyTo().tell(StatusReply.success(result));
                } else if (answer instanceof Throwable failure) {
                    rank.replyTo().tell(StatusReply.error(failure));
                }
            }
            return Behaviors.same();
        }));
        HttpSettings settings = HttpSettings.from(ConfigFactory.parseMap(Map.of(
                                "adsml.http.max-body-bytes",
                                MAX_BODY,
                                "adsml.http.max-in-flight-ranks",
                                1,
                                "adsml.http.min-in-flight-ranks",
                                1))
                        .withFallback(ConfigFactory.load()))
                .withTokens(INGEST_TOKEN, TOKEN);
        EventCounters counters = new EventCounters();
        VersionFigures figures = new VersionFigures(1024, Duration.ofMinutes(15), Clock.systemUTC());
        ServingMetrics metrics = new ServingMetrics(scheduler, figures, model);
        HttpApi.Areas areas = new HttpApi.Areas(
                new RankRoutes(
                        new StagePool<>(List.of(coordinator)), kit.scheduler(), Ticker.SYSTEM, settings, metrics),
                new EventRoutes(
                        new EventRoutes.Log(events, eventLogSettings.maxInFlightBatches()),
                        index,
                        budget,
                        kit.scheduler(),
                        settings,
                        metrics,
                        counters,
                        figures,
                        Clock.systemUTC(),
                        Runnable::run),
                new AdRoutes(index, world.campaigns(), budget, settings, blocking, entry -> {}),
                new HealthRoutes(model, scheduler, metrics, () -> true, eventLogHealth),
                new OpenApiRoutes(),
                new AdminRoutes(
                        registry,
                        model,
                        scheduler,
                        kit.scheduler(),
                        settings,
                        1000,
                        models,
                        blocking,
                        Map::of,
                        figures,
                        new LoopRounds(),
                        Optional.empty()),
                new LightModelRoutes(
                        new LightRanker(),
                        FeatureSets.builtIn(),
                        models,
                        10_000,
                        1000,
                        blocking,
                        Clock.systemUTC(),
                        Optional::empty),
                new DeviceRoutes(List.of(device), scheduler, settings.maxBodyBytes()),
                new ClusterRoutes(Optional.empty(), "ctr", blocking),
                new ConsoleRoutes(
                        new OverviewSampler(metrics, scheduler::stats, counters, Clock.systemUTC()),
                        counters,
                        index,
                        new InMemoryUserStore(world.users()),
                        settings,
                        blocking,
                        models.resolve("no-simulations")),
                new AdminUiRoutes());
        api = HttpApi.of(areas, Access.of(settings), metrics, settings);
        closedRank = HttpApi.of(areas, new Access(RANK_TOKEN, INGEST_TOKEN, TOKEN), metrics, settings);
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
        scheduler.close();
        device.close();
    }

    private record Answer(int status, String contentType, String body, HttpResponse response) {
        JsonNode json() {
            try {
                return JsonResponses.JSON.readTree(body);
            } catch (Exception e) {
                throw new AssertionError("not JSON: " + this, e);
            }
        }

        Optional<String> header(String name) {
            return response.getHeader(name).map(h -> h.value());
        }

        @Override
        public String toString() {
            return status + " " + contentType + " " + body;
        }
    }

    private static Answer send(Route listener, HttpRequest request) throws Exception {
        HttpResponse r = listener.handler(kit.system())
                .apply(request)
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS);
        String body = r.entity()
                .toStrict(5000, kit.system())
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
                .getData()
                .decodeString(StandardCharsets.UTF_8);
        return new Answer(r.status().intValue(), r.entity().getContentType().toString(), body, r);
    }

    private static HttpRequest json(HttpRequest request, String body) {
        return request.withEntity(ContentTypes.APPLICATION_JSON, body);
    }

    private static HttpRequest admin(HttpRequest request) {
        return bearer(request, TOKEN);
    }

    private static HttpRequest ingest(HttpRequest request) {
        return bearer(request, INGEST_TOKEN);
    }

    private static HttpRequest bearer(HttpRequest request, String token) {
        return request.addHeader(RawHeader.create("Authorization", "Bearer " + token));
    }

    private static String rankBody(int slots) {
        return "{\"userId\":\"u1\",\"context\":{\"surface\":\"home_feed\",\"device\":\"ios\",\"country\":\"US\",\"hour\":13},"
                + "\"slots\":" + slots + ",\"deadlineMs\":200}";
    }

    private static HttpRequest rank(String body) {
        return json(HttpRequest.POST("/v1/rank"), body);
    }

    /** The API's error shape: a JSON {@code {"error": reason}} naming {@code reasonPart}, no internals. */
    private static void assertError(Answer a, int status, String reasonPart) {
        assertEquals(status, a.status(), a::toString);
        assertTrue(a.contentType().startsWith("application/json"), a::toString);
        String reason = a.json().path("error").asText();
        assertTrue(reason.contains(reasonPart), () -> "reason does not mention '" + reasonPart + "': " + a);
        assertFalse(CLASS_NAME.matcher(a.body()).find(), () -> "a class name leaked: " + a);
        assertFalse(a.body().contains("\tat "), () -> "a stack trace leaked: " + a);
    }

    private static void assertUnavailable(Answer a, String reasonPart) {
        assertError(a, 503, reasonPart);
        assertTrue(a.header("Retry-After").map(Long::parseLong).orElse(0L) >= 1, () -> "no Retry-After: " + a);
    }

    @Test
    void ok_onEachListener() throws Exception {
        coordinatorAnswer.set(new RankResult(
                "ctr/1", null, List.of(), 0, 0, new RankResult.Timings(0, 0, 0, 0, 0, 0), List.of(), Map.of()));
        for (Route listener : List.of(api.publicListener(), api.adminListener())) {
            Answer ranked = send(listener, rank(rankBody(3)));
            assertEquals(200, ranked.status(), ranked::toString);
            assertEquals("ctr/1", ranked.json().path("modelVersion").asText());
            assertEquals(200, send(listener, HttpRequest.GET("/health/live")).status());
            assertEquals(
                    200, send(listener, ingest(HttpRequest.GET("/v1/ads/3"))).status());
            System.gc(); // the admission gauges must outlive a collection, not turn NaN
            Answer metrics = send(listener, HttpRequest.GET("/metrics"));
            assertEquals(200, metrics.status());
            assertTrue(metrics.contentType().startsWith("text/plain"), metrics::toString);
            assertTrue(metrics.body().contains("adsml_rank_in_flight_limit 1.0"), metrics::toString);
            Answer openApi = send(listener, HttpRequest.GET("/openapi.json"));
            assertEquals(200, openApi.status());
            assertTrue(openApi.json().path("openapi").asText().startsWith("3.1"), "an OpenAPI 3.1 document");
        }
        Answer accepted = send(
                api.publicListener(),
                ingest(json(
                        HttpRequest.POST("/v1/events"),
                        "{\"events\":[{\"type\":\"impression\",\"eventId\":\"e1\",\"requestId\":\"r1\",\"adId\":3,\"userId\":\"u1\",\"timestampMs\":"
                                + System.currentTimeMillis() + "}]}")));
        assertEquals(200, accepted.status(), accepted::toString);
        assertEquals(
                200,
                send(api.adminListener(), admin(HttpRequest.GET("/admin/api/models")))
                        .status());
        assertEquals(
                200,
                send(api.adminListener(), admin(HttpRequest.GET("/admin/api/scheduler")))
                        .status());
        assertEquals(
                200,
                send(api.adminListener(), admin(HttpRequest.GET("/admin/api/users/u1")))
                        .status());
    }

    @Test
    void admin_withoutItsSlash_isRedirected() throws Exception {
        Answer a = send(api.adminListener(), HttpRequest.GET("/admin"));
        assertEquals(301, a.status(), a::toString);
        assertEquals(Optional.of("/admin/"), a.header("Location"));
    }

    @Test
    void badInput_is400NamingWhatIsWrong() throws Exception {
        assertError(send(api.publicListener(), rank("{\"userId\":")), 400, "malformed");
        assertError(send(api.publicListener(), rank(rankBody(0))), 400, "slots");
        assertError(send(api.publicListener(), rank("[1,2]")), 400, "object");
        assertError(
                send(
                        api.publicListener(),
                        ingest(json(HttpRequest.POST("/v1/events"), "{\"events\":[{\"type\":\"teleport\"}]}"))),
                400,
                "type");
        assertError(
                send(
                        api.adminListener(),
                        admin(json(HttpRequest.PUT("/admin/api/scheduler"), "{\"maxBatchRows\":200000000}"))),
                400,
                "maxBatchRows");
        assertError(
                send(
                        api.adminListener(),
                        admin(json(HttpRequest.PUT("/admin/api/scheduler"), "{\"maxBatchSize\":64}"))),
                400,
                "maxBatchSize: unknown field (known: maxBatchRows,");
        // A misspelt field is refused by name, not ignored for its default.
        assertError(
                send(api.publicListener(), rank(rankBody(3).replace("\"slots\"", "\"slot\""))),
                400,
                "slot: unknown field (known: userId, context, slots, deadlineMs, debug)");
        assertError(
                send(api.publicListener(), rank(rankBody(3).replace("\"deadlineMs\"", "\"deadlineMS\""))),
                400,
                "deadlineMS: unknown field");
        assertError(
                send(api.publicListener(), rank(rankBody(3).replace("\"hour\":13", "\"hour\":13,\"city\":\"Paris\""))),
                400,
                "context.city: unknown field");
        assertError(
                send(
                        api.publicListener(),
                        ingest(json(
                                HttpRequest.POST("/v1/events"),
                                "{\"events\":[{\"type\":\"click\",\"eventId\":\"e9\",\"requestId\":\"r9\","
                                        + "\"userId\":\"u1\",\"adId\":3,\"timestampMs\":" + System.currentTimeMillis()
                                        + ",\"Cost\":0.4}]}"))),
                400,
                "events[0].Cost: unknown field");
        assertError(
                send(api.publicListener(), ingest(json(HttpRequest.PUT("/v1/ads/3"), "{\"bid\":1000}"))),
                400,
                "bid: unknown field (known: campaignId, category, creativeType, embedding, paused)");
        assertError(
                send(api.adminListener(), admin(HttpRequest.POST("/admin/api/models/..%2Fetc/1/load"))), 400, "name");
        assertError(
                send(api.publicListener(), ingest(HttpRequest.GET("/v1/ads/abc"))),
                400,
                "ad id: expected an integer within [0, 2147483647], was 'abc'");
        JsonNode ad =
                send(api.publicListener(), ingest(HttpRequest.GET("/v1/ads/3"))).json();
        String overflowing = "{\"campaignId\":" + ad.path("campaignId").asInt() + ",\"category\":"
                + ad.path("category").asInt() + ",\"creativeType\":\""
                + ad.path("creativeType").asText() + "\",\"embedding\":[1e300,0,0,0,0,0]}";
        assertError(
                send(api.publicListener(), ingest(json(HttpRequest.PUT("/v1/ads/3"), overflowing))),
                400,
                "embedding[0]");

        // Counted by route and status: an ad's id and a model's name and version are not part of the route.
        String metrics = send(api.publicListener(), HttpRequest.GET("/metrics")).body();
        for (String route : List.of("/v1/rank", "/v1/events", "/v1/ads", "/admin/api/models", "/admin/api/scheduler")) {
            assertTrue(
                    metrics.contains("adsml_http_requests_total{route=\"" + route + "\",status=\"400\"}"),
                    () -> route + ": " + metrics);
        }
        assertFalse(metrics.contains("route=\"/v1/ads/3\""), metrics);
    }

    @Test
    void wrongContentType_is415() throws Exception {
        HttpRequest plain = HttpRequest.POST("/v1/rank").withEntity(ContentTypes.TEXT_PLAIN_UTF8, rankBody(3));
        assertError(send(api.publicListener(), plain), 415, "application/json");
        assertError(
                send(
                        api.publicListener(),
                        ingest(HttpRequest.PUT("/v1/ads/3").withEntity(ContentTypes.TEXT_PLAIN_UTF8, "{}"))),
                415,
                "application/json");
        assertError(
                send(
                        api.adminListener(),
                        admin(HttpRequest.PUT("/admin/api/scheduler")
                                .withEntity(ContentTypes.APPLICATION_OCTET_STREAM, new byte[] {1}))),
                415,
                "application/json");
        // A compressed body is refused for what it is, not read as bytes that are not UTF-8 JSON.
        HttpRequest gzipped =
                json(HttpRequest.POST("/v1/rank"), rankBody(3)).addHeader(RawHeader.create("Content-Encoding", "gzip"));
        assertError(send(api.publicListener(), gzipped), 415, "Content-Encoding gzip is not supported");
    }

    @Test
    void bodyOverTheLimit_is413() throws Exception {
        String big = "{\"userId\":\"" + "u".repeat((int) MAX_BODY) + "\"}";
        assertError(send(api.publicListener(), rank(big)), 413, "larger than");
        assertError(send(api.publicListener(), ingest(json(HttpRequest.POST("/v1/events"), big))), 413, "larger than");
    }

    @Test
    void adminApi_withoutTheToken_is401WithAChallenge() throws Exception {
        for (String path :
                List.of("/admin/api/models", "/admin/api/scheduler", "/admin/api/overview", "/admin/api/nope")) {
            Answer a = send(api.adminListener(), HttpRequest.GET(path));
            assertError(a, 401, "admin token");
            assertTrue(a.header("WWW-Authenticate").orElse("").startsWith("Bearer"), a::toString);
        }
        Answer wrong = send(
                api.adminListener(),
                HttpRequest.GET("/admin/api/models").addHeader(RawHeader.create("Authorization", "Bearer nope")));
        assertError(wrong, 401, "admin token");
    }

    @Test
    void unknownPaths_are404_onEachListener() throws Exception {
        assertError(send(api.publicListener(), HttpRequest.GET("/nope")), 404, "no such route");
        assertError(send(api.publicListener(), admin(HttpRequest.GET("/admin/api/models"))), 404, "no such route");
        assertError(send(api.publicListener(), HttpRequest.GET("/admin/")), 404, "no such route");
        assertError(send(api.publicListener(), ingest(HttpRequest.GET("/v1/ads/999999"))), 404, "no ad");
        assertError(send(api.adminListener(), admin(HttpRequest.GET("/admin/api/nope"))), 404, "no such route");
        assertError(send(api.adminListener(), HttpRequest.POST("/nope")), 404, "no such route");
        assertError(send(api.adminListener(), admin(HttpRequest.POST("/admin/api/nope"))), 404, "no such route");
        assertError(send(api.adminListener(), admin(HttpRequest.POST("/admin/api/models/ctr/9/load"))), 404, "ctr/9");

        // An unknown path's 404 is counted as other: the document bounds the routes, not the paths clients send.
        String metrics = send(api.publicListener(), HttpRequest.GET("/metrics")).body();
        assertTrue(metrics.contains("adsml_http_requests_total{route=\"other\",status=\"404\"}"), metrics);
        assertTrue(metrics.contains("adsml_http_requests_total{route=\"/v1/ads\",status=\"404\"}"), metrics);
        assertFalse(metrics.contains("route=\"/nope\"") || metrics.contains("route=\"/admin/api/nope\""), metrics);
    }

    @Test
    void wrongMethod_is405() throws Exception {
        // Every GET /admin/<page> is one of the UI's pages, so another method there is the wrong method.
        assertError(send(api.adminListener(), HttpRequest.POST("/admin/models")), 405, "method");
        assertError(send(api.publicListener(), HttpRequest.GET("/v1/rank")), 405, "method");
        assertError(
                send(api.publicListener(), HttpRequest.create("/health/live").withMethod(HttpMethods.DELETE)),
                405,
                "method");
        assertError(
                send(
                        api.adminListener(),
                        admin(HttpRequest.create("/admin/api/scheduler").withMethod(HttpMethods.DELETE))),
                405,
                "method");
    }

    @Test
    void aStateThatForbidsIt_is409() throws Exception {
        assertError(send(api.adminListener(), admin(HttpRequest.POST("/admin/api/models/rollback"))), 409, "roll back");
    }

    static Stream<Arguments> cannotServeNow() {
        return Stream.of(
                Arguments.of(new QueueFullException("queue full", Duration.ofSeconds(2)), "queue full"),
                Arguments.of(
                        new DeadlineUnreachableException("deadline unreachable", Duration.ofSeconds(1)), "unreachable"),
                Arguments.of(new DeadlineExceededException("deadline passed"), "deadline passed"),
                Arguments.of(new VersionRetiredException("ctr/1"), "retired"),
                Arguments.of(
                        new NoHealthyDeviceException(
                                "ctr/1", Duration.ofSeconds(3), new IllegalStateException("CUDA_ERROR_LAUNCH_FAILED")),
                        "no healthy device"),
                Arguments.of(new NoActiveModelException(), "no model version"));
    }

    @ParameterizedTest
    @MethodSource("cannotServeNow")
    void everyKindOfCannotServeNow_is503WithRetryAfter(Throwable failure, String reasonPart) throws Exception {
        coordinatorAnswer.set(failure);
        Answer a = send(api.publicListener(), rank(rankBody(3)));
        assertUnavailable(a, reasonPart);
        assertFalse(a.body().contains("CUDA"), "the device's own error stays in the log");
    }

    @Test
    void moreRanksInProgressThanAllowed_areShedWith503_andAnUnansweredAskTimesOutAs503() throws Exception {
        coordinatorAnswer.set(
                null); // never answers: the first request holds the only in-flight slot until its ask times out
        CompletableFuture<Answer> held = CompletableFuture.supplyAsync(() -> {
            try {
                return send(
                        api.publicListener(), rank(rankBody(3).replace("\"deadlineMs\":200", "\"deadlineMs\":1000")));
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        Thread.sleep(300);
        assertUnavailable(send(api.publicListener(), rank(rankBody(3))), "in progress");
        assertUnavailable(held.get(10, TimeUnit.SECONDS), "in time");
    }

    @Test
    void anUnexpectedFailure_is500WithAGenericBody() throws Exception {
        coordinatorAnswer.set(new IllegalStateException("secret detail at /srv/adsml/models"));
        Answer a = send(api.publicListener(), rank(rankBody(3)));
        assertError(a, 500, "internal error");
        assertFalse(a.body().contains("secret"), a::toString);
    }

    @Test
    void lightModel_swapsEndsAndRefusesBadNames() throws Exception {
        Route admin = api.adminListener();
        Answer activated = send(admin, admin(HttpRequest.POST("/admin/api/light-model/light/1/activate")));
        assertEquals(200, activated.status(), activated::toString);
        assertEquals("light/1", activated.json().path("active").asText());
        assertEquals("light-v1", activated.json().path("featureSet").asText());
        assertEquals(10_000, activated.json().path("retrieveWidth").asInt());
        assertError(send(admin, admin(HttpRequest.POST("/admin/api/light-model/ctr/1/activate"))), 409, "an LR");
        assertEquals(
                "light/1",
                send(admin, admin(HttpRequest.GET("/admin/api/light-model")))
                        .json()
                        .path("active")
                        .asText());

        Answer ended = send(admin, admin(HttpRequest.DELETE("/admin/api/light-model")));
        assertEquals(200, ended.status(), ended::toString);
        assertTrue(ended.json().path("active").isNull(), ended::toString);

        assertError(send(admin, admin(HttpRequest.POST("/admin/api/light-model/ctr/9/activate"))), 404, "ctr/9");
        assertError(send(admin, admin(HttpRequest.POST("/admin/api/light-model/ctr/..%2F/activate"))), 400, "name");
        assertEquals(401, send(admin, HttpRequest.GET("/admin/api/light-model")).status());
        assertEquals(
                404,
                send(api.publicListener(), admin(HttpRequest.GET("/admin/api/light-model")))
                        .status());
    }

    /**
     * Without a GPU the drills are refused, each with its reason; GpuDeviceTest's fault drill runs the accepted one on
     * a card.
     */
    @Test
    void devices_listTheirHealth_andAFaultDrillIsRefusedOnTheCpu() throws Exception {
        Route admin = api.adminListener();
        Answer listed = send(admin, admin(HttpRequest.GET("/admin/api/devices")));
        assertEquals(200, listed.status(), listed::toString);
        JsonNode cpu = listed.json().path("devices").path(0);
        assertEquals("cpu0", cpu.path("name").asText());
        assertTrue(cpu.path("takesWork").asBoolean() && cpu.path("healthy").asBoolean(), listed::toString);
        assertEquals(0, cpu.path("faultDrills").size(), "the CPU has no drills");

        String drill = "{\"fault\": \"trap\"}";
        assertError(
                send(admin, json(admin(HttpRequest.POST("/admin/api/devices/cpu0/fault-drill")), drill)),
                409,
                "no fault drills");
        assertError(
                send(admin, json(admin(HttpRequest.POST("/admin/api/devices/gpu7/fault-drill")), drill)),
                404,
                "no device 'gpu7'");
        assertError(
                send(admin, json(admin(HttpRequest.POST("/admin/api/devices/cpu0/fault-drill")), "{\"fault\": 1}")),
                409,
                "no fault drills");
        assertEquals(
                401,
                send(admin, json(HttpRequest.POST("/admin/api/devices/cpu0/fault-drill"), drill))
                        .status());
        assertEquals(
                404,
                send(api.publicListener(), admin(HttpRequest.GET("/admin/api/devices")))
                        .status());
    }

    /** The OpenAPI document's operations: path template to its methods, upper case. */
    private static Map<String, Set<String>> documented() throws Exception {
        JsonNode doc = JsonResponses.JSON.readTree(
                send(api.publicListener(), HttpRequest.GET("/openapi.json")).body());
        Map<String, Set<String>> operations = new TreeMap<>();
        doc.path("paths").properties().forEach(path -> {
            Set<String> methods = new TreeSet<>();
            path.getValue().fieldNames().forEachRemaining(m -> {
                if (METHODS.contains(m.toUpperCase(Locale.ROOT))) {
                    methods.add(m.toUpperCase(Locale.ROOT));
                }
            });
            operations.put(path.getKey(), methods);
        });
        return operations;
    }

    private static final List<String> METHODS = List.of("GET", "POST", "PUT", "DELETE", "PATCH");

    private static String concrete(String template) {
        return template.replace("{id}", "3")
                .replace("{name}", "ctr")
                .replace("{version}", "1")
                .replace("{file}", "app.js")
                .replace("{page}", "models");
    }

    private static Answer call(Route listener, String method, String path) throws Exception {
        HttpRequest request = admin(
                HttpRequest.create(path).withMethod(HttpMethods.lookup(method).orElseThrow()));
        return send(listener, method.equals("GET") || method.equals("DELETE") ? request : json(request, "{}"));
    }

    private static boolean noRoute(Answer a) {
        return a.status() == 405 || (a.status() == 404 && a.body().contains("no such route"));
    }

    @Test
    void everyDocumentedOperation_isAnswered_andNoOtherMethodOnItsPath() throws Exception {
        coordinatorAnswer.set(new NoActiveModelException());
        Map<String, Set<String>> operations = documented();
        assertTrue(operations.size() > 20, "the document lists the API: " + operations.keySet());
        for (Map.Entry<String, Set<String>> op : operations.entrySet()) {
            for (String method : METHODS) {
                Answer a = call(api.adminListener(), method, concrete(op.getKey()));
                if (op.getValue().contains(method)) {
                    assertFalse(noRoute(a), () -> method + " " + op.getKey() + " is documented but not answered: " + a);
                } else {
                    assertTrue(noRoute(a), () -> method + " " + op.getKey() + " is answered but not documented: " + a);
                }
            }
        }
    }

    @Test
    void noUndocumentedRoute_nextToTheDocumentedOnes() throws Exception {
        Map<String, Set<String>> operations = documented();
        Set<String> documentedPaths = new TreeSet<>();
        operations.keySet().forEach(t -> documentedPaths.add(concrete(t)));
        Set<String> probes = new TreeSet<>();
        for (String path : documentedPaths) {
            for (int slash = path.indexOf('/', 1); slash > 0; slash = path.indexOf('/', slash + 1)) {
                probes.add(path.substring(0, slash));
            }
            probes.add(path + "/more");
            probes.add(path + "x");
        }
        List<Pattern> templates = operations.keySet().stream()
                .map(t -> Pattern.compile(Pattern.quote(t).replaceAll("\\{[a-z]+}", "\\\\E[^/]+\\\\Q")))
                .toList();
        probes.removeIf(
                probe -> templates.stream().anyMatch(t -> t.matcher(probe).matches()));
        for (String probe : probes) {
            boolean uiPage = probe.startsWith("/admin/") && !probe.startsWith("/admin/api");
            for (String method : METHODS) {
                Answer onAdmin = call(api.adminListener(), method, probe);
                if (!(uiPage
                        && method.equals("GET"))) { // every GET /admin/<page> is the UI's index page, as documented
                    assertTrue(
                            noRoute(onAdmin),
                            () -> method + " " + probe + " is answered but not documented: " + onAdmin);
                }
                Answer onPublic = call(api.publicListener(), method, probe);
                assertTrue(
                        noRoute(onPublic), () -> method + " " + probe + " is answered but not documented: " + onPublic);
            }
        }
    }

    /**
     * Route trees cannot be listed, so the other direction is held at the source: every path segment that a route class
     * matches by name ({@code path("rank")}, {@code pathPrefix("admin")}, {@code segment("v1")}) is a segment of a
     * documented path. A new route cannot go undocumented without failing here.
     */
    @Test
    void everyPathSegmentTheRoutesMatch_isInTheDocument() throws Exception {
        Set<String> documentedSegments = new TreeSet<>();
        documented().keySet().forEach(t -> documentedSegments.addAll(List.of(t.split("/"))));
        Pattern literal = Pattern.compile("\\b(?:path|pathPrefix|segment|slash)\\(\\s*\"([^\"]+)\"");
        Set<String> matched = new TreeSet<>();
        try (Stream<Path> sources = Files.list(Path.of("src/main/java/adsml/http"))) {
            for (Path source : sources.filter(f -> f.toString().endsWith("Routes.java") || f.endsWith("HttpApi.java"))
                    .toList()) {
                Matcher m = literal.matcher(Files.readString(source));
                while (m.find()) {
                    matched.add(m.group(1));
                }
            }
        }
        assertTrue(
                matched.containsAll(List.of("v1", "rank", "admin", "api", "models")),
                "the scan finds the routes: " + matched);
        matched.removeAll(documentedSegments);
        assertTrue(matched.isEmpty(), "matched by a route but in no documented path: " + matched);
    }

    @Test
    void writesAndBidReads_needTheIngestCredential_theAdminOneMayToo() throws Exception {
        String events =
                "{\"events\":[{\"type\":\"impression\",\"eventId\":\"e2\",\"requestId\":\"r2\",\"adId\":4,\"userId\":\"u1\","
                        + "\"timestampMs\":" + System.currentTimeMillis() + "}]}";
        for (HttpRequest anonymous : List.of(
                json(HttpRequest.POST("/v1/events"), events),
                HttpRequest.GET("/v1/ads/4"),
                HttpRequest.create("/v1/ads/4").withMethod(HttpMethods.DELETE),
                json(HttpRequest.PUT("/v1/ads/4"), "{}"))) {
            Answer a = send(api.publicListener(), anonymous);
            assertError(a, 401, "ingest token");
            assertTrue(a.header("WWW-Authenticate").orElse("").startsWith("Bearer"), a::toString);
            assertError(send(api.publicListener(), bearer(anonymous, "a guess")), 401, "ingest token");
            assertError(send(api.publicListener(), bearer(anonymous, RANK_TOKEN)), 401, "ingest token");
        }
        assertEquals(
                200,
                send(api.publicListener(), ingest(json(HttpRequest.POST("/v1/events"), events)))
                        .status());
        assertEquals(
                200,
                send(api.publicListener(), admin(json(HttpRequest.POST("/v1/events"), events)))
                        .status());
        assertEquals(
                200,
                send(api.publicListener(), admin(HttpRequest.GET("/v1/ads/4"))).status());
        assertError(send(api.adminListener(), ingest(HttpRequest.GET("/admin/api/models"))), 401, "admin token");
    }

    @Test
    void debug_needsTheAdminCredential() throws Exception {
        coordinatorAnswer.set(new RankResult(
                "ctr/1", null, List.of(), 0, 0, new RankResult.Timings(0, 0, 0, 0, 0, 0), List.of(), Map.of()));
        String debug = rankBody(3).substring(0, rankBody(3).length() - 1) + ",\"debug\":true}";
        assertError(send(api.publicListener(), rank(debug)), 403, "admin token");
        assertError(send(api.publicListener(), ingest(rank(debug))), 403, "admin token");
        assertEquals(200, send(api.publicListener(), admin(rank(debug))).status());
        assertEquals(200, send(api.adminListener(), admin(rank(debug))).status(), "the explainer's call");
    }

    @Test
    void rank_isOpenByDefault_andClosedWhenARankTokenIsSet() throws Exception {
        coordinatorAnswer.set(new RankResult(
                "ctr/1", null, List.of(), 0, 0, new RankResult.Timings(0, 0, 0, 0, 0, 0), List.of(), Map.of()));
        assertEquals(200, send(api.publicListener(), rank(rankBody(3))).status());
        assertError(send(closedRank.publicListener(), rank(rankBody(3))), 401, "rank token");
        assertError(send(closedRank.publicListener(), bearer(rank(rankBody(3)), "a guess")), 401, "rank token");
        for (String token : List.of(RANK_TOKEN, INGEST_TOKEN, TOKEN)) {
            assertEquals(
                    200,
                    send(closedRank.publicListener(), bearer(rank(rankBody(3)), token))
                            .status(),
                    token);
        }
    }
}
