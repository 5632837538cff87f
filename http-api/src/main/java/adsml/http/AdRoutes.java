package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.put;

import adsml.platform.domain.Ad;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Vocab;
import adsml.platform.index.AdEntry;
import adsml.platform.index.AdIndex;
import adsml.platform.index.BudgetTracker;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET/PUT/DELETE /v1/ads/{id}}: read an ad with its campaign and today's spend, upsert it, pause it. The index
 * sees every change at once. PUT takes {@code {"campaignId": 3, "category": 12, "creativeType": "video", "embedding":
 * [6 floats], "paused": false}} ({@link AdUpsert}); every answer is the ad as {@link AdView}.
 */
public final class AdRoutes {
    private static final Duration RETRY_SOON = Duration.ofSeconds(1);
    /** The largest latent factor an ad may have: the generated worlds' are within a few units. */
    private static final double MAX_EMBEDDING_VALUE = 1e6;

    /**
     * The body of GET, PUT and DELETE: the ad with its campaign.
     *
     * @param creativeType a name of {@link Vocab#CREATIVE_TYPES}
     */
    public record AdView(
            int id,
            int campaignId,
            int category,
            String creativeType,
            float[] embedding,
            boolean paused,
            CampaignView campaign) {}

    /** The ad's campaign, with what it spent today (UTC) and whether that exhausted its daily budget. */
    public record CampaignView(
            int id,
            int advertiserId,
            BidType bidType,
            float bid,
            float dailyBudget,
            double spentToday,
            boolean outOfBudget,
            TargetingView targeting) {}

    /** The campaign's targeting as names (interests as category ids); an empty list means "any". */
    public record TargetingView(
            List<String> countries, List<String> devices, List<String> ages, List<Integer> interests) {}

    /**
     * A PUT body, validated: each field missing or wrong is a 400 that names it.
     *
     * @param creativeType an index into {@link Vocab#CREATIVE_TYPES}
     * @param paused the flag to set, or null (absent) to leave an existing ad's flag as it is
     */
    public record AdUpsert(int campaignId, int category, int creativeType, float[] embedding, Boolean paused) {
        private static final List<String> FIELDS =
                List.of("campaignId", "category", "creativeType", "embedding", "paused");

        /** Reads and checks {@code root}, a JSON object; {@code campaigns}: how many there are (ids from 0). */
        static AdUpsert from(JsonNode root, int campaigns) {
            JsonResponses.onlyFields(root, "", FIELDS);
            int campaignId = integer(root, "campaignId", 0, campaigns - 1);
            int category = integer(root, "category", 0, Vocab.NUM_CATEGORIES - 1);
            JsonNode creative = root.get("creativeType");
            int creativeType = creative == null || !creative.isTextual()
                    ? -1
                    : Vocab.indexOf(Vocab.CREATIVE_TYPES, creative.asText());
            if (creativeType < 0) {
                throw new BadRequestException(
                        "creativeType: expected one of " + String.join(", ", Vocab.CREATIVE_TYPES));
            }
            JsonNode embedding = root.get("embedding");
            if (embedding == null || !embedding.isArray() || embedding.size() != Vocab.EMBEDDING_DIM) {
                throw new BadRequestException("embedding: expected " + Vocab.EMBEDDING_DIM + " numbers");
            }
            float[] values = new float[Vocab.EMBEDDING_DIM];
            for (int i = 0; i < values.length; i++) {
                // Bounded well inside float range: 1e300 would be stored as Infinity, and the retrieval towers'
                // projection of values near the float maximum would overflow.
                double value = embedding.get(i).asDouble();
                if (!embedding.get(i).isNumber() || !(Math.abs(value) <= MAX_EMBEDDING_VALUE)) {
                    throw new BadRequestException(
                            "embedding[" + i + "]: expected a number within [-1e6, 1e6], was " + embedding.get(i));
                }
                values[i] = (float) value;
            }
            JsonNode paused = root.get("paused");
            if (paused != null && !paused.isBoolean()) {
                throw new BadRequestException("paused: expected true or false");
            }
            return new AdUpsert(campaignId, category, creativeType, values, paused == null ? null : paused.asBoolean());
        }

        /** The ad this body makes of ad {@code id}. */
        Ad ad(int id) {
            return new Ad(id, campaignId, category, creativeType, embedding);
        }

        private static int integer(JsonNode root, String field, int min, int max) {
            JsonNode v = root.get(field);
            if (v == null || !v.isIntegralNumber() || !v.canConvertToInt() || v.asInt() < min || v.asInt() > max) {
                throw new BadRequestException(field + ": expected an integer within [" + min + ", " + max + "]");
            }
            return v.asInt();
        }
    }

    private final AdIndex index;
    private final List<Campaign> campaigns;
    private final BudgetTracker budget;
    private final HttpSettings settings;
    private final Executor writes;
    private final Consumer<AdEntry> written;
    private final AtomicInteger writesInFlight = new AtomicInteger();

    /**
     * @param writes where upserts and pauses run: each copies arrays of the index, too long for the HTTP dispatcher
     * @param written told of every ad a write left, once the index holds it: a cluster's node publishes it to the
     *     others
     */
    public AdRoutes(
            AdIndex index,
            List<Campaign> campaigns,
            BudgetTracker budget,
            HttpSettings settings,
            Executor writes,
            Consumer<AdEntry> written) {
        this.writes = writes;
        this.written = written;
        this.index = index;
        this.campaigns = campaigns;
        this.budget = budget;
        this.settings = settings;
    }

    /**
     * {@code ads/{id}} under {@code /v1}, for the ingest credential (or the admin one): writes move money and
     * retrieval, and reads show bids and budgets.
     */
    public Route routes(Access access) {
        return concat(
                path(
                        PathMatchers.segment("ads").slash(PathMatchers.integerSegment()),
                        id -> access.require(
                                Access.Role.INGEST,
                                () -> concat(
                                        get(() -> complete(read(id))),
                                        put(() -> JsonBody.of(
                                                settings.maxBodyBytes(),
                                                body -> completeWithFuture(write(() -> upsert(id, body))))),
                                        delete(() -> completeWithFuture(write(() -> pause(id))))))),
                // Not a 404 "no such route" for GET /v1/ads/abc: the route is right, the id is not.
                path(
                        PathMatchers.segment("ads").slash(PathMatchers.segment()),
                        raw -> access.require(Access.Role.INGEST, () -> {
                            Supplier<Route> badId = () -> complete(JsonResponses.error(
                                    StatusCodes.BAD_REQUEST,
                                    "ad id: expected an integer within [0, " + Integer.MAX_VALUE + "], was '"
                                            + JsonResponses.abbreviated(raw) + "'"));
                            return concat(get(badId), put(badId), delete(badId));
                        })));
    }

    /**
     * Runs {@code write} on the write executor, or answers a fast 503 when {@code max-in-flight-ad-writes} are already
     * in progress: a burst of writes waits at the client, not in a queue in front of the blocking pool it shares with
     * the admin routes.
     */
    private CompletionStage<HttpResponse> write(Supplier<HttpResponse> write) {
        if (writesInFlight.incrementAndGet() > settings.maxInFlightAdWrites()) {
            writesInFlight.decrementAndGet();
            return CompletableFuture.completedFuture(JsonResponses.unavailable(
                    settings.maxInFlightAdWrites() + " ad writes already in progress", RETRY_SOON));
        }
        try {
            return CompletableFuture.supplyAsync(write, writes)
                    .exceptionally(ErrorMapping::toResponse)
                    .whenComplete((response, failure) -> writesInFlight.decrementAndGet());
        } catch (RuntimeException refused) {
            writesInFlight.decrementAndGet();
            throw refused;
        }
    }

    private HttpResponse read(int id) {
        return index.get(id)
                .map(entry -> JsonResponses.ok(view(entry)))
                .orElseGet(() -> JsonResponses.error(StatusCodes.NOT_FOUND, "no ad " + id));
    }

    private HttpResponse pause(int id) {
        if (!index.setPaused(id, true)) {
            return JsonResponses.error(StatusCodes.NOT_FOUND, "no ad " + id);
        }
        return readWritten(id);
    }

    private HttpResponse upsert(int id, byte[] body) {
        JsonNode root = JsonResponses.readObject(body);
        // New ads take the next id: a far-off id would make the index allocate up to it.
        if (id < 0 || id > index.size()) {
            throw new BadRequestException(
                    "ad id must be within [0, " + index.size() + "] (the next new ad is " + index.size() + ")");
        }
        AdUpsert upsert = AdUpsert.from(root, campaigns.size());
        index.upsert(upsert.ad(id), campaigns.get(upsert.campaignId()));
        if (upsert.paused() != null) {
            index.setPaused(id, upsert.paused());
        }
        return readWritten(id);
    }

    /** The ad a write left, told to {@link #written} and answered. */
    private HttpResponse readWritten(int id) {
        AdEntry entry = index.get(id).orElseThrow();
        written.accept(entry);
        return JsonResponses.ok(view(entry));
    }

    private AdView view(AdEntry entry) {
        Ad ad = entry.ad();
        Campaign c = entry.campaign();
        TargetingView targeting = new TargetingView(
                names(c.targeting().countryMask(), Vocab.COUNTRIES),
                names(c.targeting().deviceMask(), Vocab.DEVICES),
                names(c.targeting().ageMask(), Vocab.AGE_BUCKETS),
                categories(c.targeting().interestMask()));
        CampaignView campaign = new CampaignView(
                c.id(),
                c.advertiserId(),
                c.bidType(),
                c.bid(),
                c.dailyBudget(),
                budget.spentToday(c.id()),
                budget.exhausted(c.id()),
                targeting);
        return new AdView(
                ad.id(),
                ad.campaignId(),
                ad.category(),
                Vocab.CREATIVE_TYPES[ad.creativeType()],
                ad.embedding(),
                entry.paused(),
                campaign);
    }

    /** Names of the set bits; an empty list means "any". */
    private static List<String> names(int mask, String[] vocab) {
        ArrayList<String> names = new ArrayList<>();
        for (int i = 0; i < vocab.length; i++) {
            if ((mask & (1 << i)) != 0) {
                names.add(vocab[i]);
            }
        }
        return names;
    }

    private static List<Integer> categories(long mask) {
        ArrayList<Integer> ids = new ArrayList<>();
        for (int i = 0; i < Vocab.NUM_CATEGORIES; i++) {
            if ((mask & (1L << i)) != 0) {
                ids.add(i);
            }
        }
        return ids;
    }
}
