package adsml.e2e;

import static adsml.e2e.ServingFixture.assertError;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.ServingFixture.Client;
import adsml.e2e.ServingFixture.Response;
import adsml.server.AdsmlServer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Overload answers fast and says when to come back: with room for one rank request in flight, a burst of concurrent
 * requests gets 200s and 503s with Retry-After, never a 500. And a write that would make the ad index allocate far past
 * its ads is refused.
 */
class OverloadTest {
    @TempDir
    static Path data;

    private static AdsmlServer server;
    private static Client client;

    @BeforeAll
    static void startServer() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        server = ServingFixture.start(
                data, Map.of("adsml.http.max-in-flight-ranks", 1, "adsml.http.min-in-flight-ranks", 1));
        client = new Client(server.started());
    }

    @AfterAll
    static void stopServer() {
        server.close();
        server = null; // a closed server holds its world and model; the class outlives it
        client = null;
    }

    @Test
    void burstOverTheInFlightLimit_isShedWith503AndRetryAfter() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(16);
        try {
            List<CompletableFuture<Response>> calls = new ArrayList<>();
            for (int i = 0; i < 64; i++) {
                String body = ServingFixture.rankBody("u" + i, 5, 1000, false);
                calls.add(CompletableFuture.supplyAsync(() -> client.rank(body), pool));
            }
            int ok = 0;
            int shed = 0;
            for (CompletableFuture<Response> call : calls) {
                Response r = call.get();
                if (r.status() == 200) {
                    ok++;
                } else {
                    assertError(r, 503, "rank requests already in progress");
                    assertTrue(r.headers().firstValue("Retry-After").isPresent(), r::toString);
                    shed++;
                }
            }
            assertTrue(ok > 0, "nothing was served");
            assertTrue(shed > 0, "16 concurrent clients never passed a limit of 1 in flight");
            assertEquals(64, ok + shed);
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void putOfAFarOffAdId_isRefused() {
        String ad = "{\"campaignId\":1,\"category\":3,\"creativeType\":\"video\",\"embedding\":[0,0,0,0,0,0]}";
        assertError(client.put("/v1/ads/100000000", ad), 400, "ad id must be within");
        assertEquals(200, client.put("/v1/ads/" + ServingFixture.ADS, ad).status(), "the next new id is accepted");
    }
}
