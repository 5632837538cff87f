package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.index.BudgetTracker;
import adsml.platform.index.ExactAdIndex;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import com.typesafe.config.ConfigFactory;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class AdRoutesTest {
    private static final String INGEST = "ads-test-ingest-token";

    private static ActorTestKit kit;
    private static World world;
    /** Writes wait here until the test runs them: they stay in progress as long as it likes. */
    private static final List<Runnable> heldWrites = new CopyOnWriteArrayList<>();

    private static Route routes;

    @BeforeAll
    static void compose() {
        kit = ActorTestKit.create();
        world = WorldGenerator.generate(new WorldConfig(7, 200, 50, 10, 10), ProgressListener.NONE);
        BudgetTracker budget = new BudgetTracker(Clock.systemUTC());
        HttpSettings settings = HttpSettings.from(
                        ConfigFactory.parseMap(Map.of("adsml.http.max-in-flight-ad-writes", 1))
                                .withFallback(ConfigFactory.load()))
                .withTokens(INGEST, "ads-test-admin-token");
        AdRoutes ads = new AdRoutes(
                ExactAdIndex.of(world, budget), world.campaigns(), budget, settings, heldWrites::add, entry -> {});
        routes = pathPrefix("v1", () -> ads.routes(Access.of(settings)));
    }

    @AfterAll
    static void stop() {
        kit.shutdownTestKit();
    }

    private static CompletableFuture<HttpResponse> send(HttpRequest request) throws Exception {
        return routes.handler(kit.system())
                .apply(request.addHeader(RawHeader.create("Authorization", "Bearer " + INGEST)))
                .toCompletableFuture();
    }

    private static String body(HttpResponse r) throws Exception {
        return r.entity()
                .toStrict(5000, kit.system())
                .toCompletableFuture()
                .get(5, TimeUnit.SECONDS)
                .getData()
                .decodeString(StandardCharsets.UTF_8);
    }

    private static void runHeldWrites() {
        List<Runnable> writes = List.copyOf(heldWrites);
        heldWrites.removeAll(writes);
        writes.forEach(Runnable::run);
    }

    @Test
    void writesBeyondTheLimit_areShedAtOnceWith503AndRetryAfter_andServedOnceASlotFrees() throws Exception {
        var ad = world.ads().get(3);
        String upsert = "{\"campaignId\":" + ad.campaignId() + ",\"category\":" + ad.category()
                + ",\"creativeType\":\"video\",\"embedding\":[0,0,0,0,0,0.5]}";
        CompletableFuture<HttpResponse> inProgress =
                send(HttpRequest.PUT("/v1/ads/3").withEntity(ContentTypes.APPLICATION_JSON, upsert));
        for (int i = 0; i < 50 && heldWrites.isEmpty(); i++) {
            Thread.sleep(10); // the body is read before the write is handed over
        }
        assertEquals(1, heldWrites.size(), "the first write holds the only slot");

        HttpResponse shedPut = send(HttpRequest.PUT("/v1/ads/4").withEntity(ContentTypes.APPLICATION_JSON, upsert))
                .get(5, TimeUnit.SECONDS);
        HttpResponse shedDelete = send(HttpRequest.DELETE("/v1/ads/4")).get(5, TimeUnit.SECONDS);
        for (HttpResponse shed : List.of(shedPut, shedDelete)) {
            assertEquals(503, shed.status().intValue());
            assertTrue(shed.getHeader("Retry-After").isPresent());
            assertTrue(body(shed).contains("ad writes already in progress"));
        }
        assertFalse(inProgress.isDone());

        runHeldWrites();
        HttpResponse written = inProgress.get(5, TimeUnit.SECONDS);
        assertEquals(200, written.status().intValue());
        assertTrue(body(written).contains("\"creativeType\":\"video\""));

        CompletableFuture<HttpResponse> paused = send(HttpRequest.DELETE("/v1/ads/4"));
        for (int i = 0; i < 50 && heldWrites.isEmpty(); i++) {
            Thread.sleep(10);
        }
        runHeldWrites();
        HttpResponse pause = paused.get(5, TimeUnit.SECONDS);
        assertEquals(200, pause.status().intValue());
        assertTrue(body(pause).contains("\"paused\":true"));
    }
}
