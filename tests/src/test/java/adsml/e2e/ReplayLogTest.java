package adsml.e2e;

import static adsml.e2e.ServingFixture.rankBody;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.auction.Auction;
import adsml.platform.auction.AuctionResult;
import adsml.platform.auction.AuctionSettings;
import adsml.platform.replay.FeatureLogReplay;
import adsml.platform.replay.LoggedRequest;
import adsml.platform.replay.OffPolicyEstimator;
import adsml.platform.replay.ReplayEstimate;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What replay reads is what serving did: a server that explores logs some requests whole, each shown row with the
 * propensity the answer carried, every candidate with what its auction knew; the clicks join; and the serving model's
 * own auction, run again on the log, gives back the slates it served when it did not explore.
 */
class ReplayLogTest {
    private static final int REQUESTS = 40;
    private static final int SLOTS = 3;
    private static final double SHARE = 0.25;

    @TempDir
    Path data;

    @Test
    void wholeRequests_replayAsTheyWereServed() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        Map<String, Object> settings = new HashMap<>(Map.of(
                "adsml.platform.auction.exploration.share",
                0.25,
                "adsml.platform.auction.exploration.pool",
                4,
                "adsml.server.feature-log.whole-request-rate",
                1.0,
                "adsml.server.feature-log.whole-request-rows",
                30,
                "adsml.server.feature-log.max-file-age",
                "1s",
                "adsml.server.feature-log.attribution-window",
                "2s",
                "adsml.server.feature-log.join-interval",
                "1s"));
        // A gate that asks one request more than the test first serves, and lets any estimate pass.
        settings.putAll(Map.of(
                "adsml.server.replay-gate.enabled",
                true,
                "adsml.server.replay-gate.min-requests",
                REQUESTS + 1,
                "adsml.server.replay-gate.margin",
                0.99,
                "adsml.server.replay-gate.min-ess",
                0));
        try (AdsmlServer server = ServingFixture.start(data, settings)) {
            ServingFixture.Client client = new ServingFixture.Client(server.started());
            Map<String, JsonNode> answers = new LinkedHashMap<>();
            List<Map<String, Object>> clicks = new ArrayList<>();
            for (int i = 0; i < REQUESTS; i++) {
                JsonNode answer =
                        client.rank(rankBody("u" + (i + 1), SLOTS, 1000, false)).json();
                answers.put(answer.path("requestId").asText(), answer);
                if (i % 4 == 0 && answer.path("ads").size() > 0) {
                    clicks.add(click(answer, i));
                }
            }
            assertEquals(
                    200,
                    client.post("/v1/events", ServingFixture.json(Map.of("events", clicks)))
                            .status());

            AuctionSettings auction = server.marketplace().auction().settings();
            List<LoggedRequest> logged = awaitLogged(auction.billing(), answers.size());
            int clicked = 0;
            int greedy = 0;
            OffPolicyEstimator replayer =
                    OffPolicyEstimator.of(auction, server.marketplace().world().campaigns(), 20);
            Auction counterfactual = new Auction(auction, server.marketplace().budget());
            for (LoggedRequest r : logged) {
                JsonNode answer = answers.get(r.requestId());
                JsonNode ads = answer.path("ads");
                assertEquals(ads.size(), r.shown().length, r.requestId());
                assertEquals(
                        Math.min(30, answer.path("candidates").path("scored").asInt()),
                        r.bids().size());
                assertEquals(r.bids().size(), r.features().rows());
                for (int k = 0; k < ads.size(); k++) {
                    assertEquals(ads.get(k).path("adId").asInt(), r.bids().adIds()[r.shown()[k]], "slot " + k);
                    double propensity = ads.get(k).path("propensity").asDouble();
                    assertEquals(propensity, r.propensity()[k], 1e-12, "the answer's propensity is the log's");
                    assertTrue(propensity > 0 && propensity < 1, "exploring: no slot is certain, was " + propensity);
                    clicked += r.clicked()[k] ? 1 : 0;
                }
                // The serving model's own scores through the auction again: the greedy slate, which is what was
                // served wherever every propensity says the greedy ad (at least 1 - share; a drawn ad's is at most
                // the share).
                boolean greedyServed = true;
                for (int k = 0; k < ads.size(); k++) {
                    greedyServed &= r.propensity()[k] >= 1 - SHARE;
                }
                AuctionResult again =
                        counterfactual.replay(r.bids(), r.loggedCtr(), r.loggedCvr(), r.slots(), r.budgetLeft());
                boolean same = again.winners() == ads.size();
                for (int k = 0; same && k < ads.size(); k++) {
                    same = again.adId(k) == ads.get(k).path("adId").asInt();
                }
                if (greedyServed) {
                    assertTrue(same, () -> "a greedy slate replays as served: " + answer);
                    greedy++;
                }
            }
            assertEquals(clicks.size(), clicked, "every click joined to its shown row");
            assertTrue(greedy > 0 && greedy < REQUESTS, greedy + " of " + REQUESTS + " slates served greedily");
            ReplayEstimate estimate = replayer.estimate(logged, (r, ctr, cvr) -> {
                System.arraycopy(r.loggedCtr(), 0, ctr, 0, ctr.length);
                System.arraycopy(r.loggedCvr(), 0, cvr, 0, cvr.length);
            });
            assertEquals(REQUESTS, estimate.requests());
            assertTrue(estimate.dr().ess() > 0, "the serving model agrees with its own log");

            // The registry's replay gate judges the next version on the same log: too few requests, then enough.
            assertEquals("2", ServingFixture.writeVersion(data, 2L));
            assertEquals(200, client.adminPost("/admin/api/models/ctr/2/load").status());
            var refused = client.adminPost("/admin/api/models/ctr/2/activate");
            assertEquals(409, refused.status(), refused::body);
            assertTrue(
                    refused.body().contains("replay gate: 40 whole requests of ctr/1")
                            && refused.body().contains("under the 41"),
                    refused::body);
            answers.put(
                    "one more", client.rank(rankBody("u1", SLOTS, 1000, false)).json());
            awaitLogged(auction.billing(), answers.size());
            var activated = client.adminPost("/admin/api/models/ctr/2/activate");
            assertEquals(200, activated.status(), activated::body);
        }
    }

    private List<LoggedRequest> awaitLogged(AuctionSettings.Billing billing, int expected) throws Exception {
        long deadline = System.nanoTime() + 30_000_000_000L;
        List<LoggedRequest> logged = new ArrayList<>();
        while (System.nanoTime() < deadline) {
            Thread.sleep(500);
            logged.clear();
            try {
                FeatureLogReplay.of(
                                data.resolve("feature-log"),
                                ServingFixture.spec().schema(),
                                billing,
                                Long.MIN_VALUE,
                                Long.MAX_VALUE,
                                null)
                        .forEach(logged::add);
            } catch (IllegalArgumentException noExamplesYet) {
                continue;
            }
            if (logged.size() == expected) {
                return logged;
            }
        }
        throw new AssertionError("the log replayed " + logged.size() + " of " + expected + " requests in 30 s");
    }

    private static Map<String, Object> click(JsonNode answer, int i) {
        Map<String, Object> e = new HashMap<>();
        e.put("type", "click");
        e.put("eventId", "replay-click-" + i);
        e.put("requestId", answer.path("requestId").asText());
        e.put("userId", "u" + (i + 1));
        e.put("adId", answer.path("ads").get(0).path("adId").asInt());
        e.put("timestampMs", System.currentTimeMillis());
        return e;
    }
}
