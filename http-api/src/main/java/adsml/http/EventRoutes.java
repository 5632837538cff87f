package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import adsml.actors.events.Event;
import adsml.actors.events.EventLog;
import adsml.platform.index.AdEntry;
import adsml.platform.index.AdIndex;
import adsml.platform.index.BudgetTracker;
import com.fasterxml.jackson.databind.JsonNode;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.pattern.StatusReply;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/events}: impressions, clicks and conversions in batches:
 *
 * <pre>
 * {@code {"events": [{"type": "click", "eventId": "e1", "requestId": "r1a", "userId": "u42", "adId": 17, "timestampMs": 1764000000000, "cost": 0.42}]}}
 * </pre>
 *
 * The whole batch is validated first (one bad event refuses the batch, naming it), then appended durably to the event
 * log; only then the 200. An event whose {@code eventId} the log already holds is a retry: acknowledged, not logged,
 * counted or charged again, so a batch may be sent again safely until it is acknowledged. A new event's positive
 * {@code cost} is charged to the ad's campaign budget, and it counts in the {@link EventCounters} and, for the model
 * version that served its ad, in the {@link VersionFigures}.
 *
 * <p>At most {@link Log#maxInFlight} batches wait for the log at once; beyond that a fast 503 with {@code Retry-After},
 * as while the log cannot write (the log itself refuses at once then, saying why).
 */
public final class EventRoutes {
    /** The request body, validated: 1 to {@code maxEventsPerRequest} events, each naming an ad of the index. */
    public record EventBatch(List<Event> events) {
        public EventBatch {
            events = List.copyOf(events);
        }
    }

    /**
     * The 200's body: {@code {"accepted": n, "appended": a, "duplicates": d}}: every event of the batch is in the event
     * log, {@code a} of them appended by this call, {@code d} already there (a retry).
     */
    public record Accepted(int accepted, int appended, int duplicates) {}

    /**
     * The event log as the routes use it: the actor, and how many batches may wait for it
     * ({@code adsml.actors.event-log.max-in-flight-batches}).
     */
    public record Log(ActorRef<EventLog.Command> actor, int maxInFlight) {}

    private static final List<String> EVENT_FIELDS =
            List.of("type", "eventId", "requestId", "userId", "adId", "timestampMs", "cost");

    /** How far ahead of the server's clock a client's timestamp may be: clock skew, not a date in next month. */
    private static final Duration MAX_CLOCK_AHEAD = Duration.ofDays(1);

    private static final Duration RETRY = Duration.ofSeconds(1);
    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");
    /** Long enough for the log's force; the 503 comes from {@link HttpSettings#eventsTimeout} before it. */
    private static final Duration HOLD_UNTIL_ANSWERED = Duration.ofDays(1);

    private final Log log;
    private final AtomicInteger inFlight = new AtomicInteger();
    private final AdIndex index;
    private final BudgetTracker budget;
    private final Scheduler scheduler;
    private final HttpSettings settings;
    private final ServingMetrics metrics;
    private final EventCounters counters;
    private final VersionFigures figures;
    private final Clock clock;
    private final Executor callbacks;

    /**
     * @param figures where new events are counted for the model version that served their ad
     * @param clock the server's clock, which bounds {@code timestampMs}
     * @param callbacks where an answer becomes a response. Not left to the stage: a Pekko ask's stage (Scala's future
     *     converter) runs every callback on CompletableFuture's default executor, which on fewer than 3 cores starts a
     *     thread per callback.
     */
    public EventRoutes(
            Log log,
            AdIndex index,
            BudgetTracker budget,
            Scheduler scheduler,
            HttpSettings settings,
            ServingMetrics metrics,
            EventCounters counters,
            VersionFigures figures,
            Clock clock,
            Executor callbacks) {
        this.log = log;
        this.index = index;
        this.budget = budget;
        this.scheduler = scheduler;
        this.settings = settings;
        this.metrics = metrics;
        this.counters = counters;
        this.figures = figures;
        this.clock = clock;
        this.callbacks = callbacks;
    }

    /** {@code events} under {@code /v1}, for the ingest credential (or the admin one). */
    public Route routes(Access access) {
        return path(
                "events",
                () -> post(() -> access.require(
                        Access.Role.INGEST,
                        () -> JsonBody.of(settings.maxBodyBytes(), body -> completeWithFuture(append(body))))));
    }

    private CompletionStage<HttpResponse> append(byte[] body) {
        List<Event> events = parse(body).events();
        if (inFlight.incrementAndGet() > log.maxInFlight()) {
            inFlight.decrementAndGet();
            return CompletableFuture.completedFuture(JsonResponses.unavailable(
                    "too many event batches in progress (" + log.maxInFlight() + "); nothing of this batch was"
                            + " acknowledged",
                    RETRY));
        }
        // The slot is held until the log answers, not until the client gives up: so the log's mailbox never holds
        // more than maxInFlight appends.
        CompletableFuture<EventLog.Appended> answered = AskPattern.askWithStatus(
                        log.actor(),
                        (ActorRef<StatusReply<EventLog.Appended>> replyTo) -> new EventLog.Append(events, replyTo),
                        HOLD_UNTIL_ANSWERED,
                        scheduler)
                .toCompletableFuture();
        // What the log appended is charged and counted when the log answers, even if the client was answered 503 at
        // eventsTimeout first: its retry is then a duplicate, and would never be charged.
        CompletableFuture<EventLog.Appended> recorded = answered.whenComplete((appended, failure) -> {
            inFlight.decrementAndGet();
            if (appended != null) {
                try {
                    record(appended);
                } catch (RuntimeException e) {
                    // The events are on disk: the answer stays a 200, or the client's retry, a duplicate, would
                    // never be counted. What could not be charged is in the log, and the next start replays it.
                    LoggerFactory.getLogger(EventRoutes.class).error("acknowledged events not fully recorded", e);
                }
            }
        });
        // A copy: the timeout ends the client's wait, not the recording.
        return recorded.copy()
                .orTimeout(settings.eventsTimeout().toMillis(), TimeUnit.MILLISECONDS)
                .handleAsync(
                        (appended, failure) -> {
                            if (failure != null) {
                                return notStored(failure);
                            }
                            return JsonResponses.ok(
                                    new Accepted(events.size(), appended.added().size(), appended.duplicates()));
                        },
                        callbacks);
    }

    /**
     * The log's own reason when it refused the batch (why it cannot write; it names no path), else a plain one (it did
     * not answer in time).
     */
    private static HttpResponse notStored(Throwable failure) {
        Throwable cause = ErrorMapping.unwrap(failure);
        if (cause instanceof StatusReply.ErrorMessage refused) {
            return JsonResponses.unavailable(refused.getMessage() + "; nothing of this batch was acknowledged", RETRY);
        }
        LoggerFactory.getLogger(EventRoutes.class).warn("events not stored: {}", cause.toString());
        return JsonResponses.unavailable("events not stored; nothing of this batch was acknowledged", RETRY);
    }

    /** Charges the new events' costs to their campaigns and counts them, in total, per ad and per model version. */
    private void record(EventLog.Appended appended) {
        int[] byType = new int[Event.Type.values().length];
        for (Event e : appended.added()) {
            byType[e.type().ordinal()]++;
            counters.record(e);
            if (e.cost() > 0) {
                index.get(e.adId())
                        .ifPresent(entry -> budget.charge(entry.campaign().id(), e.cost()));
            }
        }
        for (Event.Type type : Event.Type.values()) {
            metrics.events(type.name().toLowerCase(Locale.ROOT), byType[type.ordinal()]);
        }
        metrics.duplicateEvents(appended.duplicates());
        figures.events(appended.added());
    }

    private EventBatch parse(byte[] body) {
        JsonNode root = JsonResponses.readObject(body);
        JsonResponses.onlyFields(root, "", List.of("events"));
        JsonNode array = root.get("events");
        if (array == null || !array.isArray() || array.isEmpty()) {
            throw new BadRequestException("events: expected a non-empty array");
        }
        if (array.size() > settings.maxEventsPerRequest()) {
            throw new BadRequestException(
                    "events: at most " + settings.maxEventsPerRequest() + " per request, got " + array.size());
        }
        long now = clock.millis();
        long earliest = now - settings.maxEventAge().toMillis();
        long latest = now + MAX_CLOCK_AHEAD.toMillis();
        List<Event> events = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            events.add(event(array.get(i), "events[" + i + "]", earliest, latest));
        }
        return new EventBatch(events);
    }

    private Event event(JsonNode e, String where, long earliestTimestampMs, long latestTimestampMs) {
        if (!e.isObject()) {
            throw new BadRequestException(where + ": expected an object");
        }
        JsonResponses.onlyFields(e, where + ".", EVENT_FIELDS);
        Event.Type type;
        try {
            type = Event.Type.valueOf(text(e, "type", where).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException ex) {
            throw new BadRequestException(where + ".type: expected impression, click or conversion");
        }
        String eventId = text(e, "eventId", where);
        String requestId = text(e, "requestId", where);
        String userId = UserIds.read(e, "userId", where + ".userId");
        JsonNode ad = e.get("adId");
        if (ad == null || !ad.canConvertToInt() || !ad.isIntegralNumber()) {
            throw new BadRequestException(where + ".adId: expected an integer within [0, 2147483647]");
        }
        Optional<AdEntry> entry = index.get(ad.asInt());
        if (entry.isEmpty()) {
            throw new BadRequestException(where + ".adId: no ad " + ad.asInt());
        }
        JsonNode ts = e.get("timestampMs");
        // canConvertToLong first: asLong() of a larger integer wraps, and a wrapped timestamp can pass any range check.
        if (ts == null
                || !ts.isIntegralNumber()
                || !ts.canConvertToLong()
                || ts.asLong() < earliestTimestampMs
                || ts.asLong() > latestTimestampMs) {
            throw new BadRequestException(where + ".timestampMs: expected milliseconds since 1970, at most "
                    + spoken(settings.maxEventAge()) + " before the server's clock (adsml.http.max-event-age) and at"
                    + " most a day after it" + (inSeconds(ts) ? "; " + ts.asLong() + " reads as seconds" : ""));
        }
        JsonNode cost = e.get("cost");
        double amount = 0;
        if (cost != null && !cost.isNull()) {
            if (!cost.isNumber() || !Double.isFinite(cost.asDouble()) || cost.asDouble() < 0 || cost.asDouble() > 1e6) {
                throw new BadRequestException(where + ".cost: expected a number within [0, 1000000]");
            }
            amount = cost.asDouble();
            // One event is one auction's price: never more than the campaign may spend in a whole day.
            float budget = entry.get().campaign().dailyBudget();
            if (amount > budget) {
                throw new BadRequestException(where + ".cost: " + amount + " is more than campaign "
                        + entry.get().campaign().id() + "'s whole daily budget, " + budget);
            }
        }
        return new Event(type, eventId, requestId, userId, ad.asInt(), ts.asLong(), amount);
    }

    /** A time of 2001 to 5138 in seconds, which in milliseconds would be early 1970. */
    private static boolean inSeconds(JsonNode ts) {
        return ts != null
                && ts.isIntegralNumber()
                && ts.canConvertToLong()
                && ts.asLong() >= 1_000_000_000L
                && ts.asLong() < 100_000_000_000L;
    }

    /** "7 days", "12 hours", "90 minutes": max-event-age as a client reads it. */
    private static String spoken(Duration age) {
        long minutes = age.toMinutes();
        if (minutes % (24 * 60) == 0) {
            return minutes / (24 * 60) + " days";
        }
        return minutes % 60 == 0 ? minutes / 60 + " hours" : minutes + " minutes";
    }

    private static String text(JsonNode e, String field, String where) {
        JsonNode v = e.get(field);
        if (v == null || !v.isTextual() || !ID.matcher(v.asText()).matches()) {
            throw new BadRequestException(where + "." + field + ": expected 1 to 64 of A-Z a-z 0-9 _ . : -");
        }
        return v.asText();
    }
}
