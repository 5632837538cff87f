package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.actors.events.EventFeed;
import adsml.actors.events.EventLog;
import adsml.actors.events.EventLogHealth;
import adsml.actors.events.EventLogSettings;
import adsml.actors.models.ActiveModel;
import adsml.platform.index.AdEntry;
import adsml.platform.index.BudgetTracker;
import adsml.platform.index.ExactAdIndex;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.CpuDevice;
import adsml.scheduler.SchedulerSettings;
import adsml.scheduler.Ticker;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/** {@code POST /v1/events} in process: what it refuses with a 400, when it sheds with a 503, and what a retry does. */
class EventRoutesTest {
    private static final String INGEST = "events-test-ingest";
    private static final Instant NOW = Instant.parse("2026-03-01T12:00:00Z");
    private static final Clock CLOCK = Clock.fixed(NOW, ZoneOffset.UTC);

    private static ActorTestKit kit;
    private static CpuDevice device;
    private static BatchingScheduler scheduler;
    private static World world;
    private static HttpSettings settings;
    private static EventLogSettings logSettings;

    @TempDir
    Path data;

    private final EventLogHealth health = new EventLogHealth();
    private BudgetTracker budget;
    private ExactAdIndex index;
    private EventCounters counters;
    private ServingMetrics metrics;

    @BeforeAll
    static void start() {
        kit = ActorTestKit.create();
        device = new CpuDevice("cpu0", 1, 1L << 30);
        scheduler = new BatchingScheduler(SchedulerSettings.defaults(), List.of(device), Ticker.SYSTEM);
        world = WorldGenerator.generate(new WorldConfig(7, 200, 50, 10, 10), ProgressListener.NONE);
        settings = HttpSettings.from(ConfigFactory.load()).withTokens(INGEST, "events-test-admin");
        logSettings = EventLogSettings.from(ConfigFactory.load());
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
        scheduler.close();
        device.close();
    }

    private static final EventLog.SpendReplay NO_SPEND = new EventLog.SpendReplay() {
        @Override
        public boolean countsNow(long loggedAtMs) {
            return false;
        }

        @Override
        public void spent(int adId, double dollars) {}
    };

    @AfterEach
    void closeMetrics() {
        if (metrics != null) {
            metrics.close(); // its GC listener would hold the scheduler to the end of the run
        }
    }

    /** The events route over {@code log}, as the public listener serves it. */
    private Route route(ActorRef<EventLog.Command> log, int maxInFlight) {
        return route(log, maxInFlight, settings);
    }

    private Route route(ActorRef<EventLog.Command> log, int maxInFlight, HttpSettings settings) {
        budget = new BudgetTracker(CLOCK);
        index = ExactAdIndex.of(world, budget);
        counters = new EventCounters();
        VersionFigures figures = new VersionFigures(1024, Duration.ofMinutes(15), CLOCK);
        metrics = new ServingMetrics(scheduler, figures, new ActiveModel());
        EventRoutes routes = new EventRoutes(
                new EventRoutes.Log(log, maxInFlight),
                index,
                budget,
                kit.scheduler(),
                settings,
                metrics,
                counters,
                figures,
                CLOCK,
                Runnable::run);
        return ApiEdge.wrap(
                pathPrefix("v1", () -> routes.routes(Access.of(settings))),
                metrics,
                settings.publicListener().bodyTimeout());
    }

    private Route withLog(EventLog.Channels channels) {
        return route(
                kit.spawn(EventLog.create(
                        data.resolve("events.log"), logSettings, channels, CLOCK, health, NO_SPEND, EventFeed.NONE)),
                logSettings.maxInFlightBatches());
    }

    private static CompletableFuture<HttpResponse> post(Route route, String body) throws Exception {
        HttpRequest request = HttpRequest.POST("/v1/events")
                .withEntity(ContentTypes.APPLICATION_JSON, body)
                .addHeader(RawHeader.create("Authorization", "Bearer " + INGEST));
        return route.handler(kit.system()).apply(request).toCompletableFuture();
    }

    private record Answer(int status, String body, HttpResponse response) {
        JsonNode json() throws IOException {
            return JsonResponses.JSON.readTree(body);
        }
    }

    private static Answer answer(CompletableFuture<HttpResponse> sent) throws Exception {
        HttpResponse r = sent.get(10, TimeUnit.SECONDS);
        String body = r.entity()
                .toStrict(5000, kit.system())
                .toCompletableFuture()
                .get(10, TimeUnit.SECONDS)
                .getData()
                .decodeString(StandardCharsets.UTF_8);
        return new Answer(r.status().intValue(), body, r);
    }

    private static String event(String type, String eventId, int adId, String timestampMs, double cost) {
        return "{\"type\":\"" + type + "\",\"eventId\":\"" + eventId + "\",\"requestId\":\"r1\",\"userId\":\"u1\","
                + "\"adId\":" + adId + ",\"timestampMs\":" + timestampMs + ",\"cost\":" + cost + "}";
    }

    private static String batch(String... events) {
        return "{\"events\":[" + String.join(",", events) + "]}";
    }

    private static String now() {
        return Long.toString(NOW.toEpochMilli());
    }

    @Test
    void eventWithoutAnId_is400NamingIt() throws Exception {
        Route route = withLog(EventLog.FILES);
        String noId =
                "{\"type\":\"click\",\"requestId\":\"r1\",\"userId\":\"u1\",\"adId\":3,\"timestampMs\":" + now() + "}";
        Answer a = answer(post(route, batch(event("click", "e0", 3, now(), 0), noId)));
        assertEquals(400, a.status(), a::toString);
        assertTrue(a.body().contains("events[1].eventId"), a.body());
        Answer tooLong = answer(post(route, batch(event("click", "e".repeat(65), 3, now(), 0))));
        assertEquals(400, tooLong.status(), tooLong::toString);
        assertTrue(tooLong.body().contains("events[0].eventId"), tooLong.body());
    }

    /** Any user a client may rank for can have its events counted: the user id is /v1/rank's rule, not an id's. */
    @Test
    void userIds_followTheRankRequestsRule() throws Exception {
        Route route = withLog(EventLog.FILES);
        for (String user : List.of("a@b.com", "Zoë Ünal", "u".repeat(128))) {
            String event = event("click", "e-" + user.length(), 3, now(), 0)
                    .replace("\"u1\"", JsonResponses.JSON.writeValueAsString(user));
            Answer a = answer(post(route, batch(event)));
            assertEquals(200, a.status(), user + ": " + a);
        }
        // As JSON: an escaped lone surrogate is a string Java holds, but not one UTF-8 (or the log) can.
        for (String user : List.of("\"\"", "\"tab\\there\"", "\"" + "u".repeat(129) + "\"", "\"\\ud800\"")) {
            Answer a =
                    answer(post(route, batch(event("click", "e9", 3, now(), 0).replace("\"u1\"", user))));
            assertEquals(400, a.status(), user + ": " + a);
            assertTrue(
                    a.body().contains("events[0].userId: expected a string of 1 to 128 characters"),
                    () -> user + ": " + a.body());
        }
    }

    @ParameterizedTest
    @ValueSource(
            strings = {
                "99999999999999999999", // past a long
                "18446744073709551617", // 2^64 + 1: asLong() would wrap it to 1
                "-1",
                "946684800000", // 2000-01-01: a replayed or forged click of long ago
                "1771761599999", // seven days and a millisecond before the server's clock
                "1772452800001", // a day and a millisecond past the server's clock
                "1.7723664E12", // not an integer
                "\"1772366400000\""
            })
    void timestampOutOfRange_is400NamingIt(String timestampMs) throws Exception {
        Route route = withLog(EventLog.FILES);
        Answer a = answer(post(route, batch(event("impression", "e1", 3, timestampMs, 0))));
        assertEquals(400, a.status(), a::toString);
        assertTrue(a.body().contains("events[0].timestampMs"), a.body());
    }

    /** The window is max-event-age back: a week-old conversion is accepted, last year's click refused, saying why. */
    @Test
    void timestampWindow_acceptsAWeekOld_refusesLastYear_namingTheSetting() throws Exception {
        Route route = withLog(EventLog.FILES);
        String weekOld = Long.toString(NOW.minus(Duration.ofDays(7)).toEpochMilli());
        String lastYear = Long.toString(NOW.minus(Duration.ofDays(365)).toEpochMilli());
        Answer accepted = answer(post(route, batch(event("conversion", "e1", 3, weekOld, 0))));
        assertEquals(200, accepted.status(), accepted::toString);
        Answer refused = answer(post(route, batch(event("click", "e2", 3, lastYear, 0.5))));
        assertEquals(400, refused.status(), refused::toString);
        assertTrue(
                refused.body().contains("at most 7 days before the server's clock (adsml.http.max-event-age)"),
                refused.body());
    }

    @Test
    void timestampInSeconds_andAnAdIdPastAnInt_areRefusedSayingSo() throws Exception {
        Route route = withLog(EventLog.FILES);
        String seconds = Long.toString(NOW.getEpochSecond());
        Answer a = answer(post(route, batch(event("click", "e1", 3, seconds, 0))));
        assertEquals(400, a.status(), a::toString);
        assertTrue(a.body().contains("; " + seconds + " reads as seconds"), a.body());
        Answer far = answer(
                post(route, batch(event("click", "e2", 3, now(), 0).replace("\"adId\":3", "\"adId\":99999999999"))));
        assertTrue(far.body().contains("adId: expected an integer within [0, 2147483647]"), far.body());
    }

    @Test
    void timestampUpToADayAhead_isAccepted() throws Exception {
        Route route = withLog(EventLog.FILES);
        String dayAhead = Long.toString(NOW.plus(Duration.ofDays(1)).toEpochMilli());
        Answer a = answer(post(route, batch(event("impression", "e1", 3, dayAhead, 0))));
        assertEquals(200, a.status(), a::toString);
    }

    /** One event is one auction's price: a cost over the campaign's whole daily budget refuses the batch. */
    @Test
    void costOverTheCampaignsDailyBudget_is400_andChargesNothing() throws Exception {
        Route route = withLog(EventLog.FILES);
        AdEntry ad = index.get(3).orElseThrow();
        double budget = ad.campaign().dailyBudget();
        Answer a = answer(
                post(route, batch(event("click", "ok", 3, now(), 0.5), event("click", "huge", 3, now(), budget + 1))));
        assertEquals(400, a.status(), a::toString);
        assertTrue(a.body().contains("events[1].cost") && a.body().contains("whole daily budget"), a.body());
        assertEquals(0.0, this.budget.spentToday(ad.campaign().id()), 1e-9, "nothing of the batch charged");
        Answer whole = answer(post(route, batch(event("click", "all", 3, now(), budget))));
        assertEquals(200, whole.status(), whole::toString);
    }

    @Test
    void retriedBatch_isAcknowledged_butCountedAndChargedOnce() throws Exception {
        Route route = withLog(EventLog.FILES);
        AdEntry ad = index.get(3).orElseThrow();
        String body = batch(event("impression", "i1", 3, now(), 0), event("click", "c1", 3, now(), 0.5));

        Answer first = answer(post(route, body));
        Answer retry = answer(post(route, body));

        assertEquals(200, first.status(), first::toString);
        assertEquals(2, first.json().path("appended").asInt(), first::toString);
        assertEquals(200, retry.status(), retry::toString);
        assertEquals(2, retry.json().path("accepted").asInt(), retry::toString);
        assertEquals(0, retry.json().path("appended").asInt(), retry::toString);
        assertEquals(2, retry.json().path("duplicates").asInt(), retry::toString);
        assertEquals(0.5, budget.spentToday(ad.campaign().id()), 1e-9, "charged once");
        assertEquals(1, counters.ad(3).clicks(), "counted once");
        assertEquals(
                2, metrics.registry().get("adsml.events.duplicates").counter().count());
    }

    @Test
    void fullInFlightLimit_isAFast503WithRetryAfter() throws Exception {
        ActorRef<EventLog.Command> silent = kit.spawn(Behaviors.<EventLog.Command>ignore());
        Route route = route(silent, 1);
        CompletableFuture<HttpResponse> waiting = post(route, batch(event("click", "e1", 3, now(), 0)));

        long start = System.nanoTime();
        Answer shed = answer(post(route, batch(event("click", "e2", 3, now(), 0))));
        long tookMs = (System.nanoTime() - start) / 1_000_000;

        assertEquals(503, shed.status(), shed::toString);
        assertTrue(shed.body().contains("too many event batches"), shed.body());
        assertTrue(shed.response().getHeader("Retry-After").isPresent(), "Retry-After");
        assertTrue(tookMs < 2000, "shed at once, not after the events timeout: " + tookMs + " ms");
        assertFalse(waiting.isDone(), "the first batch still waits for the log");
    }

    @Test
    void batchTheLogAppendsAfterTheClientWasAnswered503_isStillChargedOnce() throws Exception {
        AtomicReference<EventLog.Append> held = new AtomicReference<>();
        ActorRef<EventLog.Command> slow = kit.spawn(Behaviors.receiveMessage(message -> {
            held.set((EventLog.Append) message);
            return Behaviors.same();
        }));
        HttpSettings impatient = HttpSettings.from(ConfigFactory.parseMap(Map.of("adsml.http.events-timeout", "200ms"))
                        .withFallback(ConfigFactory.load()))
                .withTokens(INGEST, "events-test-admin");
        Route route = route(slow, 4, impatient);
        AdEntry ad = index.get(3).orElseThrow();

        Answer timedOut = answer(post(route, batch(event("click", "c1", 3, now(), 0.5))));
        assertEquals(503, timedOut.status(), timedOut::toString);
        EventLog.Append append = held.get();
        append.replyTo().tell(StatusReply.success(new EventLog.Appended(append.events(), 0)));

        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
        while (budget.spentToday(ad.campaign().id()) == 0 && System.nanoTime() < until) {
            Thread.sleep(10);
        }
        assertEquals(0.5, budget.spentToday(ad.campaign().id()), 1e-9, "the client's retry will be a duplicate");
        assertEquals(1, counters.ad(3).clicks());
    }

    @Test
    void logThatCannotWrite_is503NamingWhy() throws Exception {
        Route route = withLog(file -> {
            throw new IOException("No space left on device");
        });
        health.settled().get(10, TimeUnit.SECONDS);

        Answer a = answer(post(route, batch(event("click", "e1", 3, now(), 0.5))));

        assertEquals(503, a.status(), a::toString);
        assertTrue(a.body().contains("No space left on device"), a.body());
        assertTrue(a.response().getHeader("Retry-After").isPresent(), "Retry-After");
        assertEquals(
                0.0, budget.spentToday(index.get(3).orElseThrow().campaign().id()), "nothing charged");
    }
}
