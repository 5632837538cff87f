package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import adsml.actors.events.EventLogHealth;
import adsml.actors.models.ActiveModel;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.LoadedVersion;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.BooleanSupplier;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /health/live} (the process answers), {@code GET /health/ready} (the event log can write, and a model
 * version is active and warm and a healthy device can score it, so traffic may come; the body names each device's
 * health, so a GPU that failed over to the CPU shows) and {@code GET /metrics} (Prometheus text).
 */
public final class HealthRoutes {
    /** {@code GET /health/live}: {@code {"status": "live"}}. */
    public record Live(String status) {
        static final Live LIVE = new Live("live");
    }

    /**
     * {@code GET /health/ready} when ready: {@code {"status": "ready", "modelVersion": "ctr/1", "devices": {...}}}.
     *
     * @param devices each device's name (in name order) and {@code "healthy"} or {@code "unhealthy"}
     */
    public record Ready(String status, String modelVersion, Map<String, String> devices) {}

    /**
     * The 503 of {@code GET /health/ready} when no device of the active version is healthy: the error body with each
     * device's health ({@link Ready#devices()}). The other 503s are the plain error body.
     */
    public record NoHealthyDevice(String error, Map<String, String> devices) {}

    private final ActiveModel model;
    private final BatchingScheduler scheduler;
    private final ServingMetrics metrics;
    private final BooleanSupplier warm;
    private final EventLogHealth eventLog;

    /**
     * {@code warm}: whether start-up has warmed the request path; ready waits for it. {@code eventLog}: whether the
     * event log can write (and has rebuilt today's spend); ready waits for that too, since events would get 503s and
     * budgets would be wrong.
     */
    public HealthRoutes(
            ActiveModel model,
            BatchingScheduler scheduler,
            ServingMetrics metrics,
            BooleanSupplier warm,
            EventLogHealth eventLog) {
        this.model = model;
        this.scheduler = scheduler;
        this.metrics = metrics;
        this.warm = warm;
        this.eventLog = eventLog;
    }

    public Route routes() {
        return concat(
                pathPrefix(
                        "health",
                        () -> concat(
                                path("live", () -> get(() -> complete(JsonResponses.ok(Live.LIVE)))),
                                path("ready", () -> get(() -> complete(ready()))))),
                path(
                        "metrics",
                        () -> get(() -> complete(
                                HttpResponse.create().withEntity(ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape())))));
    }

    private HttpResponse ready() {
        if (!warm.getAsBoolean()) {
            return JsonResponses.error(
                    StatusCodes.SERVICE_UNAVAILABLE, "starting: loading the model and warming the request path");
        }
        return ready(eventLog.problem(), model.current(), scheduler.stats().deviceHealth());
    }

    /**
     * The readiness answer for why the event log cannot write (if it cannot), the version serving now and each device's
     * health as the scheduler sees it.
     */
    static HttpResponse ready(
            Optional<String> eventLogProblem, Optional<LoadedVersion> active, Map<String, Boolean> health) {
        if (eventLogProblem.isPresent()) {
            return JsonResponses.error(StatusCodes.SERVICE_UNAVAILABLE, eventLogProblem.get());
        }
        if (active.isEmpty()) {
            return JsonResponses.error(StatusCodes.SERVICE_UNAVAILABLE, "no model version is active yet");
        }
        Map<String, String> devices = new TreeMap<>();
        health.forEach((name, healthy) -> devices.put(name, healthy ? "healthy" : "unhealthy"));
        if (active.get().devices().stream().noneMatch(d -> Boolean.TRUE.equals(health.get(d.name())))) {
            return JsonResponses.json(
                    StatusCodes.SERVICE_UNAVAILABLE,
                    new NoHealthyDevice(
                            "no healthy device can score " + active.get().id(), devices));
        }
        return JsonResponses.ok(new Ready("ready", active.get().id(), devices));
    }
}
