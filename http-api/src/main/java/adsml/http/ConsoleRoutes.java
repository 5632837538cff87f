package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.put;

import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.index.AdIndex;
import adsml.platform.store.UserStore;
import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.stream.Stream;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The admin API the web UI needs beyond models and the scheduler ({@link AdminRoutes}), relative to {@code /admin/api}
 * ({@link HttpApi} puts them there, behind the admin token):
 *
 * <ul>
 *   <li>{@code GET overview}: serving figures as time series (see {@link OverviewSampler})
 *   <li>{@code GET ads/{id}/counters}: the ad's live event counters; {@code GET ads/busiest?limit=10}: the ads with the
 *       most impressions
 *   <li>{@code PUT ads/{id}/paused} with {@code {"paused": true|false}}: pauses or resumes an ad
 *   <li>{@code GET users?limit=20}: the first users of the feature store; {@code GET users/u42}: one user
 *   <li>{@code GET vocabulary}: the names a rank request's context takes
 *   <li>{@code GET simulations/latest}: the figures of the newest simulated day ({@code adsml simulate}) of this data
 *       folder, 404 before the first
 * </ul>
 */
public final class ConsoleRoutes {
    /**
     * {@code GET ads/{id}/counters}, and each entry of {@link BusiestAds}: the ad's acknowledged events since start.
     */
    public record AdCounters(int adId, long impressions, long clicks, long conversions, double spend, Double ctr) {
        /** {@code ctr}: clicks per impression, null before the first impression. */
        static AdCounters of(int adId, EventCounters.Counts c) {
            return new AdCounters(
                    adId,
                    c.impressions(),
                    c.clicks(),
                    c.conversions(),
                    c.spend(),
                    Double.isNaN(c.ctr()) ? null : c.ctr());
        }
    }

    /** {@code GET ads/busiest}: most impressions first. */
    public record BusiestAds(List<AdCounters> ads) {}

    /** A {@code PUT ads/{id}/paused} body, validated: {@code {"paused": true|false}}. */
    public record PausedUpdate(boolean paused) {
        static PausedUpdate from(JsonNode root) {
            JsonNode paused = root.get("paused");
            if (paused == null || !paused.isBoolean()) {
                throw new BadRequestException("paused: expected true or false");
            }
            return new PausedUpdate(paused.asBoolean());
        }
    }

    /** The answer to {@code PUT ads/{id}/paused}: the ad's flag now. */
    public record PausedState(int adId, boolean paused) {}

    /** {@code GET users}: the users found among the first ids. */
    public record UserList(List<UserView> users) {}

    /**
     * {@code GET users/{id}}, and each entry of {@link UserList}: a user of the feature store, by name.
     *
     * @param id the key rank requests use, {@code "u" + id}
     */
    public record UserView(String id, String country, String device, String age, List<Interest> interests) {
        static UserView of(User u) {
            List<Interest> interests = new ArrayList<>(u.interests().length);
            for (int i = 0; i < u.interests().length; i++) {
                interests.add(new Interest(u.interests()[i], u.interestWeights()[i]));
            }
            return new UserView(
                    "u" + u.id(),
                    Vocab.COUNTRIES[u.country()],
                    Vocab.DEVICES[u.device()],
                    Vocab.AGE_BUCKETS[u.ageBucket()],
                    interests);
        }
    }

    /** One of a user's interests: a category id and its weight. */
    public record Interest(int category, float weight) {}

    /** {@code GET vocabulary}: the names a rank request's context takes; {@code categories} is a count (ids from 0). */
    public record Vocabulary(
            List<String> surfaces,
            List<String> devices,
            List<String> countries,
            List<String> ageBuckets,
            List<String> creativeTypes,
            int categories) {
        static final Vocabulary OF_THE_WORLD = new Vocabulary(
                List.of(Vocab.SURFACES),
                List.of(Vocab.DEVICES),
                List.of(Vocab.COUNTRIES),
                List.of(Vocab.AGE_BUCKETS),
                List.of(Vocab.CREATIVE_TYPES),
                Vocab.NUM_CATEGORIES);
    }

    private static final int MAX_LIST = 100;

    private final OverviewSampler overview;
    private final EventCounters counters;
    private final AdIndex index;
    private final UserStore users;
    private final HttpSettings settings;
    private final Executor blocking;
    private final Path simulations;

    /**
     * @param blocking where user store reads run: they may reach RocksDB on disk
     * @param simulations the folder {@code adsml simulate} keeps its days in
     */
    public ConsoleRoutes(
            OverviewSampler overview,
            EventCounters counters,
            AdIndex index,
            UserStore users,
            HttpSettings settings,
            Executor blocking,
            Path simulations) {
        this.simulations = simulations;
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
                path("vocabulary", () -> get(() -> complete(JsonResponses.ok(Vocabulary.OF_THE_WORLD)))),
                path(
                        PathMatchers.segment("simulations").slash("latest"),
                        () -> get(
                                () -> completeWithFuture(CompletableFuture.supplyAsync(this::latestSimulation, blocking)
                                        .exceptionally(ErrorMapping::toResponse)))),
                pathPrefix(
                        "ads",
                        () -> concat(
                                path(
                                        "busiest",
                                        () -> get(() -> parameterOptional("limit", limit -> complete(busiest(limit))))),
                                path(
                                        PathMatchers.integerSegment().slash("counters"),
                                        id -> get(() -> complete(adCounters(id)))),
                                path(
                                        PathMatchers.integerSegment().slash("paused"),
                                        id -> put(() -> JsonBody.of(
                                                settings.maxBodyBytes(), body -> complete(setPaused(id, body))))))),
                pathPrefix(
                        "users",
                        () -> concat(
                                pathEnd(() -> get(() -> parameterOptional(
                                        "limit",
                                        limit -> completeWithFuture(
                                                CompletableFuture.supplyAsync(() -> firstUsers(limit), blocking)
                                                        .exceptionally(ErrorMapping::toResponse))))),
                                path(
                                        PathMatchers.segment(),
                                        key -> get(() -> completeWithFuture(
                                                CompletableFuture.supplyAsync(() -> user(key), blocking)
                                                        .exceptionally(ErrorMapping::toResponse)))))));
    }

    /** The newest day's report as {@code adsml simulate} wrote it (names sort by time), or 404. */
    private HttpResponse latestSimulation() {
        Optional<Path> newest = Optional.empty();
        if (Files.isDirectory(simulations)) {
            try (Stream<Path> files = Files.list(simulations)) {
                newest = files.filter(f -> f.getFileName().toString().endsWith(".json"))
                        .max(Comparator.comparing(f -> f.getFileName().toString()));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        }
        if (newest.isEmpty()) {
            return JsonResponses.error(
                    StatusCodes.NOT_FOUND, "no simulated day yet: run 'adsml simulate --data DIR' on this data folder");
        }
        try {
            return JsonResponses.okJson(Files.readAllBytes(newest.get()));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private HttpResponse busiest(Optional<String> limit) {
        List<AdCounters> ads = new ArrayList<>();
        for (EventCounters.AdCounts a : counters.busiest(limit(limit, 10))) {
            ads.add(AdCounters.of(a.adId(), a.counts()));
        }
        return JsonResponses.ok(new BusiestAds(ads));
    }

    private HttpResponse adCounters(int id) {
        if (index.get(id).isEmpty()) {
            return JsonResponses.error(StatusCodes.NOT_FOUND, "no ad " + id);
        }
        return JsonResponses.ok(AdCounters.of(id, counters.ad(id)));
    }

    private HttpResponse setPaused(int id, byte[] body) {
        PausedUpdate update = PausedUpdate.from(JsonResponses.readObject(body));
        if (!index.setPaused(id, update.paused())) {
            return JsonResponses.error(StatusCodes.NOT_FOUND, "no ad " + id);
        }
        return JsonResponses.ok(
                new PausedState(id, index.get(id).map(e -> e.paused()).orElse(update.paused())));
    }

    private HttpResponse firstUsers(Optional<String> limit) {
        int n = limit(limit, 20);
        List<UserView> list = new ArrayList<>(n);
        // The world's user ids are dense from 0; a store filled some other way simply lists fewer.
        for (int id = 0; id < n; id++) {
            users.get(id).ifPresent(u -> list.add(UserView.of(u)));
        }
        return JsonResponses.ok(new UserList(list));
    }

    private HttpResponse user(String key) {
        int id = RankRequest.userId(key);
        Optional<User> user = id < 0 ? Optional.empty() : users.get(id);
        return user.map(u -> JsonResponses.ok(UserView.of(u)))
                .orElseGet(() -> JsonResponses.error(
                        StatusCodes.NOT_FOUND,
                        "no user '" + JsonResponses.abbreviated(key)
                                + "' in the feature store: a rank request for it is served as a cold start"));
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
