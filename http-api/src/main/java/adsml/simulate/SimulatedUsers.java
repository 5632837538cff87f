package adsml.simulate;

import adsml.platform.domain.Ad;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.offline.generator.GroundTruth;
import adsml.platform.world.World;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * One visit of a simulated user: {@code POST /v1/rank}; each ad shown is an impression, clicked and converted with the
 * world's true probabilities at its slot; all of it back through {@code /v1/events} with what the advertiser pays,
 * timed by the given clock: the simulation's, or the system's for the demo ({@code adsml.demo.DemoTraffic}).
 */
public final class SimulatedUsers {
    /** What an advertiser is charged for. */
    public enum Billing {
        /**
         * Every winner pays its second price per impression ({@code priceEcpm / 1000}), whatever its bid type: how feed
         * marketplaces bill campaigns that bid per click or per conversion (optimized CPM).
         */
        IMPRESSION,
        /** The bid's own unit: CPM per impression, CPC per click, CPA per conversion. */
        ACTION
    }

    private static final ObjectMapper JSON = new ObjectMapper();
    /** The serving deadline the demo's and the simulation's users ask for. */
    private static final int DEADLINE_MS = 200;

    private final World world;
    private final GroundTruth truth;
    private final HttpClient client;
    private final URI rank;
    private final URI events;
    private final String authorization;
    private final int slots;
    private final Clock clock;
    private final Billing billing;
    private final long dayStartMs;

    /**
     * Users of {@code world} asking {@code api} for {@code slots} ads with {@code authorization} (a credential that may
     * send events), their events timed by {@code clock} and billed as {@code billing} says; they click as the world's
     * truth says at the clock's time, the world having drifted since {@code dayStartMs}.
     */
    public SimulatedUsers(
            World world,
            GroundTruth truth,
            HttpClient client,
            URI api,
            String authorization,
            int slots,
            Clock clock,
            Billing billing,
            long dayStartMs) {
        this.billing = billing;
        this.dayStartMs = dayStartMs;
        this.world = world;
        this.truth = truth;
        this.client = client;
        this.rank = api.resolve("/v1/rank");
        this.events = api.resolve("/v1/events");
        this.authorization = authorization;
        this.slots = slots;
        this.clock = clock;
    }

    /**
     * One visit of {@code user} in {@code context}, drawing with {@code random}; a visit that fails (the server refused
     * the rank or the events, or could not be reached) is dropped. Never throws.
     */
    public void visit(User user, Context context, SplittableRandom random) {
        visit(user, context, random, null);
    }

    /**
     * Ranks for {@code user} in {@code context}, draws what the user does, and enters it in {@code ledger} (when there
     * is one) once the events are taken.
     */
    void visit(User user, Context context, SplittableRandom random, DayLedger ledger) {
        try {
            ObjectNode body = rankBody(user, context, slots, DEADLINE_MS);
            long sent = System.nanoTime();
            HttpResponse<byte[]> response = client.send(post(rank, body), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() != 200) {
                return;
            }
            if (ledger != null) {
                ledger.ranked(context.hour(), System.nanoTime() - sent);
            }
            JsonNode ranked = JSON.readTree(response.body());
            String requestId = ranked.path("requestId").asText();
            long now = clock.millis();
            double hours = hoursOfDrift(now);
            ArrayNode log = JSON.createArrayNode();
            List<DayLedger.Response.Shown> shown = new ArrayList<>();
            Map<Integer, Integer> perAdvertiser = new HashMap<>();
            for (JsonNode ad : ranked.path("ads")) {
                Ad a = world.ad(ad.get("adId").asInt());
                Campaign c = world.campaign(a.campaignId());
                Context at = new Context(
                        context.surface(),
                        context.hour(),
                        Math.min(ad.get("slot").asInt(), Vocab.MAX_POSITION - 1));
                double price = ad.get("price").asDouble();
                boolean clicked = random.nextDouble() < truth.pClick(user, a, c, at, hours);
                boolean converted = clicked && random.nextDouble() < truth.pConversion(user, a, c, at);
                boolean byImpression = billing == Billing.IMPRESSION || c.bidType() == BidType.CPM;
                double perImpression = byImpression ? ad.get("priceEcpm").asDouble() / 1000 : 0;
                double perClick = !byImpression && c.bidType() == BidType.CPC ? price : 0;
                double perConversion = !byImpression && c.bidType() == BidType.CPA ? price : 0;
                double cost = perImpression + (clicked ? perClick : 0) + (converted ? perConversion : 0);
                add(log, "impression", requestId, user, a, now, perImpression);
                if (clicked) {
                    add(log, "click", requestId, user, a, now, perClick);
                }
                if (converted) {
                    add(log, "conversion", requestId, user, a, now, perConversion);
                }
                shown.add(new DayLedger.Response.Shown(a.id(), c.id(), clicked, converted, cost));
                perAdvertiser.merge(c.advertiserId(), 1, Integer::sum);
            }
            int pairs = 0;
            for (int n : perAdvertiser.values()) {
                pairs += n * (n - 1) / 2;
            }
            if (!log.isEmpty()) {
                ObjectNode batch = JSON.createObjectNode();
                batch.set("events", log);
                HttpResponse<Void> taken = client.send(post(events, batch), HttpResponse.BodyHandlers.discarding());
                if (taken.statusCode() != 200) {
                    refused(ledger);
                    return;
                }
            }
            if (ledger != null) {
                ledger.answered(
                        context.hour(),
                        new DayLedger.Response(
                                user.id(),
                                shown,
                                pairs,
                                ranked.path("modelVersion").asText()));
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // A visit must never stop the traffic: the next one goes on.
            refused(ledger);
        }
    }

    /** Hours since the world's day began at {@code nowMs}: how far it has drifted. */
    double hoursOfDrift(long nowMs) {
        return (nowMs - dayStartMs) / 3_600_000.0;
    }

    private static void refused(DayLedger ledger) {
        if (ledger != null) {
            ledger.refused();
        }
    }

    /** The body of a rank request for {@code user} in {@code context}, from the user's device and country. */
    public static ObjectNode rankBody(User user, Context context, int slots, int deadlineMs) {
        ObjectNode body = JSON.createObjectNode();
        body.put("userId", "u" + user.id());
        body.putObject("context")
                .put("surface", Vocab.SURFACES[context.surface()])
                .put("device", Vocab.DEVICES[user.device()])
                .put("country", Vocab.COUNTRIES[user.country()])
                .put("hour", context.hour());
        body.put("slots", slots).put("deadlineMs", deadlineMs);
        return body;
    }

    /**
     * Appends one event of {@code type} for {@code ad} shown to {@code user} in answer {@code requestId}: one id per
     * type, ad and request, so a batch sent again is acknowledged as duplicates.
     */
    public static void add(ArrayNode log, String type, String requestId, User user, Ad ad, long now, double cost) {
        log.addObject()
                .put("type", type)
                // The whole type, not its initial: "click" and "conversion" would share one, and every conversion
                // would be dropped as a duplicate of its click.
                .put("eventId", requestId + "-" + ad.id() + "-" + type)
                .put("requestId", requestId)
                .put("userId", "u" + user.id())
                .put("adId", ad.id())
                .put("timestampMs", now)
                .put("cost", cost);
    }

    private HttpRequest post(URI uri, JsonNode body) throws Exception {
        return HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(10))
                .header("Content-Type", "application/json")
                .header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                .build();
    }
}
