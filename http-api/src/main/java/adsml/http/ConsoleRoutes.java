package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.put;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import adsml.platform.index.AdIndex;
import adsml.platform.store.UserStore;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The admin API the web UI needs beyond models and the scheduler ({@link AdminRoutes}), relative to
 * {@code /admin/api} ({@link HttpApi} puts them there, behind the admin token):
 * <ul>
 *   <li>{@code GET overview}: serving figures as time series (see {@link OverviewSampler})</li>
 *   <li>{@code GET ads/{id}/counters}: the ad's live event counters; {@code GET ads/busiest?limit=10}:
 *   the ads with the most impressions</li>
 *   <li>{@code PUT ads/{id}/paused} with {@code {"paused": true|false}}: pauses or resumes an ad</li>
 *   <li>{@code GET users?limit=20}: the first users of the feature store; {@code GET users/u42}: one user</li>
 *   <li>{@code GET vocabulary}: the names a rank request's context takes</li>
 * </ul>
 */
public final class ConsoleRoutes {
    private static final int MAX_LIST = 100;

    private final OverviewSampler overview;
    private final EventCounters counters;
    private final AdIndex index;
    private final UserStore users;
    private final HttpSettings settings;
    private final Executor blocking;

    /** @param blocking where user store reads run: they may reach RocksDB on disk */
    public ConsoleRoutes(OverviewSampler overview, EventCounters counters, AdIndex index, UserStore users, HttpSettings settings,
                  Executor blocking) {
        this.overview = overview;
        this.counters = counters;
        this.index = index;
        this.users = users;
        this.settings = settings;
        this.blocking = blocking;
    }

    public Route routes() {
        return concat(
                path("overview", () -> get(() -> complete(JsonResponses.ok(overview.overview())))),
                path("vocabulary", () -> get(() -> complete(JsonResponses.ok(vocabulary())))),
                pathPrefix("ads", () -> concat(
                        path("busiest", () -> get(() -> parameterOptional("limit", limit -> complete(busiest(limit))))),
                        path(PathMatchers.integerSegment().slash("counters"), id -> get(() -> complete(adCounters(id)))),
                        path(PathMatchers.integerSegment().slash("paused"), id -> put(() ->
                                JsonBody.of(settings.maxBodyBytes(), body -> complete(setPaused(id, body))))))),
                pathPrefix("users", () -> concat(
                        pathEnd(() -> get(() -> parameterOptional("limit", limit ->
                                completeWithFuture(CompletableFuture.supplyAsync(() -> firstUsers(limit), blocking)
                                        .exceptionally(ErrorMapping::toResponse))))),
                        path(PathMatchers.segment(), key -> get(() ->
                                completeWithFuture(CompletableFuture.supplyAsync(() -> user(key), blocking)
                                        .exceptionally(ErrorMapping::toResponse)))))));
    }

    private HttpResponse busiest(Optional<String> limit) {
        List<Map<String, Object>> ads = new ArrayList<>();
        for (EventCounters.AdCounts a : counters.busiest(limit(limit, 10))) {
            ads.add(countsJson(a.adId(), a.counts()));
        }
        return JsonResponses.ok(Map.of("ads", ads));
    }

    private HttpResponse adCounters(int id) {
        if (index.get(id).isEmpty()) {
            return JsonResponses.error(StatusCodes.NOT_FOUND, "no ad " + id);
        }
        return JsonResponses.ok(countsJson(id, counters.ad(id)));
    }

    private static Map<String, Object> countsJson(int adId, EventCounters.Counts c) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("adId", adId);
        body.put("impressions", c.impressions());
        body.put("clicks", c.clicks());
        body.put("conversions", c.conversions());
        body.put("spend", c.spend());
        body.put("ctr", Double.isNaN(c.ctr()) ? null : c.ctr());
        return body;
    }

    private HttpResponse setPaused(int id, byte[] body) {
        JsonNode paused = JsonResponses.readObject(body).get("paused");
        if (paused == null || !paused.isBoolean()) {
            throw new BadRequestException("paused: expected true or false");
        }
        if (!index.setPaused(id, paused.asBoolean())) {
            return JsonResponses.error(StatusCodes.NOT_FOUND, "no ad " + id);
        }
        return JsonResponses.ok(Map.of("adId", id, "paused", index.get(id).map(e -> e.paused()).orElse(paused.asBoolean())));
    }

    private HttpResponse firstUsers(Optional<String> limit) {
        int n = limit(limit, 20);
        List<Map<String, Object>> list = new ArrayList<>(n);
        // The world's user ids are dense from 0; a store filled some other way simply lists fewer.
        for (int id = 0; id < n; id++) {
            users.get(id).ifPresent(u -> list.add(userJson(u)));
        }
        return JsonResponses.ok(Map.of("users", list));
    }

    private HttpResponse user(String key) {
        int id = RankRequest.userId(key);
        Optional<User> user = id < 0 ? Optional.empty() : users.get(id);
        return user.map(u -> JsonResponses.ok(userJson(u))).orElseGet(() -> JsonResponses.error(StatusCodes.NOT_FOUND,
                "no user '" + key + "' in the feature store: a rank request for it is served as a cold start"));
    }

    private static Map<String, Object> userJson(User u) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("id", "u" + u.id());
        body.put("country", Vocab.COUNTRIES[u.country()]);
        body.put("device", Vocab.DEVICES[u.device()]);
        body.put("age", Vocab.AGE_BUCKETS[u.ageBucket()]);
        List<Map<String, Object>> interests = new ArrayList<>();
        for (int i = 0; i < u.interests().length; i++) {
            interests.add(Map.of("category", u.interests()[i], "weight", u.interestWeights()[i]));
        }
        body.put("interests", interests);
        return body;
    }

    private static Map<String, Object> vocabulary() {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("surfaces", Vocab.SURFACES);
        body.put("devices", Vocab.DEVICES);
        body.put("countries", Vocab.COUNTRIES);
        body.put("ageBuckets", Vocab.AGE_BUCKETS);
        body.put("creativeTypes", Vocab.CREATIVE_TYPES);
        body.put("categories", Vocab.NUM_CATEGORIES);
        return body;
    }

    private static int limit(Optional<String> value, int fallback) {
        if (value.isEmpty()) {
            return fallback;
        }
        try {
            int n = Integer.parseInt(value.get());
            if (n >= 1 && n <= MAX_LIST) {
                return n;
            }
        } catch (NumberFormatException e) {
            // falls through to the refusal below
        }
        throw new BadRequestException("limit: expected an integer within [1, " + MAX_LIST + "]");
    }
}
