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
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.regex.Pattern;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;
import org.slf4j.LoggerFactory;

/**
 * {@code POST /v1/events}: impressions, clicks and conversions in batches:
 *
 * <pre>
 * {@code {"events": [{"type": "click", "requestId": "r1a", "userId": "u42", "adId": 17, "timestampMs": 1764000000000, "cost": 0.42}]}}
 * </pre>
 *
 * The whole batch is validated first (one bad event refuses the batch, naming it), then appended durably to the event
 * log; only then the 200. A positive {@code cost} is charged to the ad's campaign budget, and every acknowledged event
 * counts in the {@link EventCounters}.
 */
public final class EventRoutes {
    /** The request body, validated: 1 to {@code maxEventsPerRequest} events, each naming an ad of the index. */
    public record EventBatch(List<Event> events) {
        public EventBatch {
            events = List.copyOf(events);
        }
    }

    /** The 200's body: {@code {"accepted": n}}, the events appended durably to the event log. */
    public record Accepted(int accepted) {}

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9_.:-]{1,64}");

    private final ActorRef<EventLog.Command> log;
    private final AdIndex index;
    private final BudgetTracker budget;
    private final Scheduler scheduler;
    private final HttpSettings settings;
    private final ServingMetrics metrics;
    private final EventCounters counters;
    private final Executor callbacks;

    /**
     * @param callbacks where an answer becomes a response. Not left to the stage: a Pekko ask's stage (Scala's future
     *     converter) runs every callback on CompletableFuture's default executor, which on fewer than 3 cores starts a
     *     thread per callback.
     */
    public EventRoutes(
            ActorRef<EventLog.Command> log,
            AdIndex index,
            BudgetTracker budget,
            Scheduler scheduler,
            HttpSettings settings,
            ServingMetrics metrics,
            EventCounters counters,
            Executor callbacks) {
        this.counters = counters;
        this.callbacks = callbacks;
        this.log = log;
        this.index = index;
        this.budget = budget;
        this.scheduler = scheduler;
        this.settings = settings;
        this.metrics = metrics;
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
        CompletionStage<Integer> written = AskPattern.askWithStatus(
                log, replyTo -> new EventLog.Append(events, replyTo), settings.eventsTimeout(), scheduler);
        return written.handleAsync(
                (count, failure) -> {
                    if (failure != null) {
                        LoggerFactory.getLogger(EventRoutes.class).warn("events not stored", failure);
                        return JsonResponses.unavailable(
                                "events not stored; nothing of this batch was acknowledged", Duration.ofSeconds(1));
                    }
                    int[] byType = new int[Event.Type.values().length];
                    for (Event e : events) {
                        byType[e.type().ordinal()]++;
                        counters.record(e);
                        if (e.cost() > 0) {
                            index.get(e.adId())
                                    .ifPresent(entry ->
                                            budget.charge(entry.campaign().id(), e.cost()));
                        }
                    }
                    for (Event.Type type : Event.Type.values()) {
                        metrics.events(type.name().toLowerCase(Locale.ROOT), byType[type.ordinal()]);
                    }
                    return JsonResponses.ok(new Accepted(count));
                },
                callbacks);
    }

    private EventBatch parse(byte[] body) {
        JsonNode array = JsonResponses.readObject(body).get("events");
        if (array == null || !array.isArray() || array.isEmpty()) {
            throw new BadRequestException("events: expected a non-empty array");
        }
        if (array.size() > settings.maxEventsPerRequest()) {
            throw new BadRequestException(
                    "events: at most " + settings.maxEventsPerRequest() + " per request, got " + array.size());
        }
        List<Event> events = new ArrayList<>(array.size());
        for (int i = 0; i < array.size(); i++) {
            events.add(event(array.get(i), "events[" + i + "]"));
        }
        return new EventBatch(events);
    }

    private Event event(JsonNode e, String where) {
        if (!e.isObject()) {
            throw new BadRequestException(where + ": expected an object");
        }
        Event.Type type;
        try {
            type = Event.Type.valueOf(text(e, "type", where).toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException ex) {
            throw new BadRequestException(where + ".type: expected impression, click or conversion");
        }
        String requestId = text(e, "requestId", where);
        String userId = text(e, "userId", where);
        JsonNode ad = e.get("adId");
        if (ad == null || !ad.canConvertToInt() || !ad.isIntegralNumber()) {
            throw new BadRequestException(where + ".adId: expected an integer");
        }
        Optional<AdEntry> entry = index.get(ad.asInt());
        if (entry.isEmpty()) {
            throw new BadRequestException(where + ".adId: no ad " + ad.asInt());
        }
        JsonNode ts = e.get("timestampMs");
        if (ts == null || !ts.isIntegralNumber() || ts.asLong() < 0) {
            throw new BadRequestException(where + ".timestampMs: expected a non-negative integer");
        }
        JsonNode cost = e.get("cost");
        double amount = 0;
        if (cost != null && !cost.isNull()) {
            if (!cost.isNumber() || !Double.isFinite(cost.asDouble()) || cost.asDouble() < 0 || cost.asDouble() > 1e6) {
                throw new BadRequestException(where + ".cost: expected a number within [0, 1000000]");
            }
            amount = cost.asDouble();
        }
        return new Event(type, requestId, userId, ad.asInt(), ts.asLong(), amount);
    }

    private static String text(JsonNode e, String field, String where) {
        JsonNode v = e.get(field);
        if (v == null || !v.isTextual() || !ID.matcher(v.asText()).matches()) {
            throw new BadRequestException(where + "." + field + ": expected 1 to 64 of A-Z a-z 0-9 _ . : -");
        }
        return v.asText();
    }
}
