package adsml.demo;

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
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Simulated users of the demo: at a steady rate, a random user asks {@code /v1/rank}; each ad shown is an impression,
 * clicked and converted with the world's true probabilities at its slot, and all of it goes back through
 * {@code /v1/events} with what the advertiser pays (its auction price, per impression, click or conversion by bid
 * type). So the events, the budgets and the metrics the admin UI shows move as they would under real traffic.
 */
public final class DemoTraffic implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(DemoTraffic.class);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final World world;
    private final GroundTruth truth;
    private final URI rank;
    private final URI events;
    private final HttpClient client =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "adsml-demo-traffic");
        t.setDaemon(true);
        return t;
    });
    private final SplittableRandom random;
    /** The ingest credential: events need it, and it may rank too, should the ranking API be closed. */
    private final String authorization;

    private DemoTraffic(World world, URI api, String ingestToken, long seed) {
        this.world = world;
        this.authorization = "Bearer " + ingestToken;
        this.truth =
                GroundTruth.create(world.config().seed(), world.advertisers().size());
        this.rank = api.resolve("/v1/rank");
        this.events = api.resolve("/v1/events");
        this.random = new SplittableRandom(seed);
    }

    /** Starts sending about {@code requestsPerSecond} rank requests to {@code api}, with the ingest credential. */
    public static DemoTraffic start(World world, URI api, String ingestToken, double requestsPerSecond, long seed) {
        DemoTraffic traffic = new DemoTraffic(world, api, ingestToken, seed);
        long periodMicros = Math.max(1, (long) (1e6 / requestsPerSecond));
        traffic.timer.scheduleAtFixedRate(traffic::oneRequest, 0, periodMicros, TimeUnit.MICROSECONDS);
        return traffic;
    }

    private void oneRequest() {
        try {
            User user = world.user(random.nextInt(world.users().size()));
            Context context = new Context(random.nextInt(Vocab.SURFACES.length), random.nextInt(24), 0);
            ObjectNode body = JSON.createObjectNode();
            body.put("userId", "u" + user.id());
            body.putObject("context")
                    .put("surface", Vocab.SURFACES[context.surface()])
                    .put("device", Vocab.DEVICES[user.device()])
                    .put("country", Vocab.COUNTRIES[user.country()])
                    .put("hour", context.hour());
            body.put("slots", 3).put("deadlineMs", 200);
            HttpResponse<String> response = client.send(post(rank, body), HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() != 200) {
                return;
            }
            JsonNode ranked = JSON.readTree(response.body());
            ArrayNode log = JSON.createArrayNode();
            long now = System.currentTimeMillis();
            String requestId = ranked.path("requestId").asText("demo");
            for (JsonNode shown : ranked.path("ads")) {
                Ad ad = world.ad(shown.get("adId").asInt());
                Campaign campaign = world.campaign(ad.campaignId());
                Context at = new Context(
                        context.surface(),
                        context.hour(),
                        Math.min(shown.get("slot").asInt(), Vocab.MAX_POSITION - 1));
                double price = shown.get("price").asDouble();
                add(log, "impression", requestId, user, ad, now, campaign.bidType() == BidType.CPM ? price / 1000 : 0);
                if (random.nextDouble() < truth.pClick(user, ad, campaign, at)) {
                    add(log, "click", requestId, user, ad, now, campaign.bidType() == BidType.CPC ? price : 0);
                    if (random.nextDouble() < truth.pConversion(user, ad, campaign, at)) {
                        add(log, "conversion", requestId, user, ad, now, campaign.bidType() == BidType.CPA ? price : 0);
                    }
                }
            }
            if (!log.isEmpty()) {
                ObjectNode batch = JSON.createObjectNode();
                batch.set("events", log);
                client.send(post(events, batch), HttpResponse.BodyHandlers.discarding());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (Exception e) {
            // The demo's traffic must never stop the demo: a failed round is logged and the next one goes on.
            LOG.debug("demo traffic round failed: {}", e.toString());
        }
    }

    /**
     * Appends one event of {@code type} for {@code ad} shown to {@code user} in answer {@code requestId}, as simulated
     * users send it (the demo's and {@code adsml simulate}'s): one id per type, ad and request, so a batch sent again
     * is acknowledged as duplicates.
     */
    public static void add(ArrayNode log, String type, String requestId, User user, Ad ad, long now, double cost) {
        log.addObject()
                .put("type", type)
                // One event of a type per ad per request: the id stays the same if the batch is sent again. The whole
                // type, not its initial: "click" and "conversion" share one, and every conversion was dropped as a
                // duplicate of its click.
                .put("eventId", requestId + "-" + ad.id() + "-" + type)
                .put("requestId", requestId)
                .put("userId", "u" + user.id())
                .put("adId", ad.id())
                .put("timestampMs", now)
                .put("cost", cost);
    }

    private HttpRequest post(URI uri, JsonNode body) throws Exception {
        return HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(2))
                .header("Content-Type", "application/json")
                .header("Authorization", authorization)
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                .build();
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
