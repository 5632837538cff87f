package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import adsml.actors.ranking.RankQuery;
import adsml.actors.ranking.RankResult;
import adsml.actors.ranking.RankingGateway;
import adsml.platform.world.Context;
import adsml.scheduler.Ticker;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * {@code POST /v1/rank}: validates the body, stamps the deadline, asks the ranking gateway and
 * answers the ranked ads with the model version, candidate counts and stage timings.
 */
public final class RankRoutes {
    /** Time beyond the request's own deadline that the ask waits: the coordinator answers by the deadline. */
    private static final Duration ASK_MARGIN = Duration.ofSeconds(1);
    private static final Duration RETRY_SOON = Duration.ofSeconds(1);

    private final ActorRef<RankingGateway.Command> gateway;
    private final Scheduler scheduler;
    private final Ticker ticker;
    private final HttpSettings settings;
    private final ServingMetrics metrics;
    private final Executor callbacks;
    private final AtomicLong requestIds = new AtomicLong();
    private final AtomicInteger inFlight = new AtomicInteger();
    /** Request ids join events to what was served: a per-boot prefix keeps two runs' ids apart. */
    private final String bootPrefix = Long.toString(System.currentTimeMillis(), 36) + "-";

    /**
     * @param callbacks where an answer becomes a response. Not left to the stage: a Pekko ask's stage
     *                  (Scala's future converter) runs even {@code handle} as {@code handleAsync} on
     *                  CompletableFuture's default executor, which on fewer than 3 cores starts a
     *                  thread per callback (one per request, 4,500 in 20 s of load, seen in JFR).
     */
    public RankRoutes(ActorRef<RankingGateway.Command> gateway, Scheduler scheduler, Ticker ticker, HttpSettings settings,
                      ServingMetrics metrics, Executor callbacks) {
        this.gateway = gateway;
        this.callbacks = callbacks;
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.settings = settings;
        this.metrics = metrics;
    }

    public Route routes() {
        return path(PathMatchers.segment("v1").slash("rank"), () -> post(() ->
                withSizeLimit(settings.maxBodyBytes(), () ->
                        entity(Unmarshaller.entityToByteArray(), body -> completeWithFuture(rank(body))))));
    }

    private CompletionStage<HttpResponse> rank(byte[] body) {
        long started = ticker.nanos();
        RankRequest request = RankRequest.parse(body, settings.rankLimits());
        if (inFlight.incrementAndGet() > settings.maxInFlightRanks()) {
            inFlight.decrementAndGet();
            HttpResponse shed = JsonResponses.unavailable("overloaded: " + settings.maxInFlightRanks()
                    + " rank requests already in progress", RETRY_SOON);
            metrics.rank(shed.status().intValue(), ticker.nanos() - started, null);
            return CompletableFuture.completedFuture(shed);
        }
        long deadline = started + Duration.ofMillis(request.deadlineMs()).toNanos();
        RankQuery query = new RankQuery(request.userId(), request.country(), request.device(),
                new Context(request.surface(), request.hour(), 0), request.slots(), deadline, request.debug());
        String requestId = bootPrefix + Long.toString(requestIds.incrementAndGet(), 36);
        CompletionStage<RankResult> result;
        try {
            result = AskPattern.askWithStatus(gateway, replyTo -> new RankingGateway.Rank(query, replyTo),
                    Duration.ofMillis(request.deadlineMs()).plus(ASK_MARGIN), scheduler);
        } catch (RuntimeException e) {
            inFlight.decrementAndGet();
            throw e;
        }
        // Counted out as the answer arrives, on its own thread: the callback below may be refused
        // by its executor at shutdown, and the count must not keep a slot for it.
        return result.whenComplete((r, failure) -> inFlight.decrementAndGet()).handleAsync((r, failure) -> {
            HttpResponse response = failure == null ? JsonResponses.ok(body(requestId, r)) : ErrorMapping.toResponse(failure);
            metrics.rank(response.status().intValue(), ticker.nanos() - started, r);
            return response;
        }, callbacks);
    }

    private static Map<String, Object> body(String requestId, RankResult r) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("requestId", requestId);
        body.put("modelVersion", r.modelVersion());
        body.put("ads", r.ads());
        body.put("candidates", Map.of("retrieved", r.retrieved(), "scored", r.scored()));
        body.put("timingsMs", r.timings());
        if (!r.candidates().isEmpty()) {
            body.put("debug", r.candidates());
        }
        return body;
    }
}
