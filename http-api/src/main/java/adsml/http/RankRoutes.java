package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import adsml.actors.ranking.RankQuery;
import adsml.actors.ranking.RankResult;
import adsml.actors.ranking.RankingCoordinator;
import adsml.actors.ranking.StagePool;
import adsml.platform.domain.Context;
import adsml.scheduler.DeadlineExceededException;
import adsml.scheduler.OverloadException;
import adsml.scheduler.Ticker;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code POST /v1/rank} ({@code rank} under {@code /v1}): validates the body, stamps the deadline, asks a ranking
 * coordinator and answers the ranked ads with the model version, candidate counts and stage timings.
 */
public final class RankRoutes {
    /** Time beyond the request's own deadline that the ask waits: the coordinator answers by the deadline. */
    private static final Duration ASK_MARGIN = Duration.ofSeconds(1);

    private static final Duration RETRY_SOON = Duration.ofSeconds(1);
    private static final Executor ON_THE_COMPLETING_THREAD = Runnable::run;

    private final StagePool<RankingCoordinator.Command> coordinators;
    private final Scheduler scheduler;
    private final Ticker ticker;
    private final HttpSettings settings;
    private final ServingMetrics metrics;
    private final AtomicLong requestIds = new AtomicLong();
    private final AdaptiveLimit admission;
    /**
     * Request ids join events to what was served: a per-boot prefix keeps two runs' ids apart, and its random part two
     * nodes of a cluster started in the same millisecond (the training log is the union of the nodes' logs).
     */
    private final String bootPrefix = Long.toString(System.currentTimeMillis(), 36)
            + Long.toString(ThreadLocalRandom.current().nextLong(36L * 36 * 36 * 36), 36) + "-";

    public RankRoutes(
            StagePool<RankingCoordinator.Command> coordinators,
            Scheduler scheduler,
            Ticker ticker,
            HttpSettings settings,
            ServingMetrics metrics) {
        this.coordinators = coordinators;
        this.scheduler = scheduler;
        this.ticker = ticker;
        this.settings = settings;
        this.metrics = metrics;
        this.admission = new AdaptiveLimit(
                settings.minInFlightRanks(),
                settings.maxInFlightRanks(),
                settings.rankLatencyTarget(),
                Duration.ofMillis(RankRequest.DEFAULT_DEADLINE_MS).toNanos());
        metrics.rankAdmission(admission::limit, admission::inFlight, admission::waiting);
    }

    /** {@code rank} under {@code /v1}: the rank credential when one is set; {@code debug} needs the admin one. */
    public Route routes(Access access) {
        return path(
                "rank",
                () -> post(() -> access.withRole(
                        role -> JsonBody.of(settings.maxBodyBytes(), body -> completeWithFuture(rank(body, role))))));
    }

    private CompletionStage<HttpResponse> rank(byte[] body, Access.Role role) {
        long started = ticker.nanos();
        RankRequest request = RankRequest.parse(body, settings.rankLimits());
        if (request.debug() && role != Access.Role.ADMIN) {
            // Every candidate's bid, budget state and price: the advertisers' business, not the public's.
            return CompletableFuture.completedFuture(Access.forbidden("debug", Access.Role.ADMIN));
        }
        long budget = Duration.ofMillis(request.deadlineMs()).toNanos();
        // What the latency target leaves of the deadline is what a request may wait for a place: admitted by then, it
        // still has the time an answer at the target takes.
        long maxWait = (long) (budget * (1 - settings.rankLatencyTarget()));
        return admission.acquire(maxWait).thenCompose(admitted -> {
            if (admitted) {
                return admitted(request, started, budget);
            }
            // Refused before any work is spent on it: above capacity, admitting it would only make it, and the
            // requests behind it, late.
            HttpResponse shed = ErrorMapping.toResponse(new OverloadException(
                    admission.limit() + " rank requests already in progress, as many as finish in time now",
                    RETRY_SOON));
            metrics.rank(shed.status().intValue(), ticker.nanos() - started, null);
            return CompletableFuture.completedFuture(shed);
        });
    }

    private CompletionStage<HttpResponse> admitted(RankRequest request, long started, long budget) {
        long deadline = started + budget;
        String requestId = bootPrefix + Long.toString(requestIds.incrementAndGet(), 36);
        RankQuery query = new RankQuery(
                requestId,
                request.userKey(),
                request.userId(),
                request.country(),
                request.device(),
                new Context(request.surface(), request.hour(), 0),
                request.slots(),
                deadline,
                request.debug());
        CompletionStage<RankResult> result;
        try {
            result = AskPattern.askWithStatus(
                    coordinators.next(),
                    replyTo -> new RankingCoordinator.Rank(query, replyTo),
                    Duration.ofMillis(request.deadlineMs()).plus(ASK_MARGIN),
                    scheduler);
        } catch (RuntimeException e) {
            admission.release(ticker.nanos(), 0, budget, false, true);
            throw e;
        }
        // The answer becomes a response on the thread that completes the ask: the coordinator's, on
        // Pekko's dispatcher (the ask's timer's, should the coordinator never answer). Only an
        // explicit executor does that: the ask's stage (Scala's future converter) turns every
        // callback, whenComplete and handle included, into an async one on CompletableFuture's
        // default executor, which on fewer than 3 cores starts a thread per callback (one per
        // request in JFR), and another executor would cost a hand-off to another thread.
        return result.handleAsync(
                (r, failure) -> {
                    long now = ticker.nanos(); // the release comes first: nothing below may keep the place taken
                    admission.release(now, now - started, budget, lackedCapacity(failure), failure != null);
                    HttpResponse response = failure == null
                            ? JsonResponses.okJson(RankResponseJson.write(requestId, r))
                            : ErrorMapping.toResponse(failure);
                    metrics.rank(response.status().intValue(), ticker.nanos() - started, r);
                    return response;
                },
                ON_THE_COMPLETING_THREAD);
    }

    /** Whether a rank failed because the server had more work than it could finish in time. */
    private static boolean lackedCapacity(Throwable failure) {
        Throwable cause = failure == null ? null : ErrorMapping.unwrap(failure);
        return cause instanceof OverloadException
                || cause instanceof DeadlineExceededException
                || cause instanceof TimeoutException;
    }
}
