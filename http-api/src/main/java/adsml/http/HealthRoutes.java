package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import adsml.actors.models.ActiveModel;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /health/live} (the process answers), {@code GET /health/ready} (a model version is
 * active and warm, so traffic may come) and {@code GET /metrics} (Prometheus text).
 */
public final class HealthRoutes {
    private final ActiveModel model;
    private final ServingMetrics metrics;

    public HealthRoutes(ActiveModel model, ServingMetrics metrics) {
        this.model = model;
        this.metrics = metrics;
    }

    public Route routes() {
        return concat(
                path(PathMatchers.segment("health").slash("live"), () -> get(() -> complete(JsonResponses.ok(Map.of("status", "live"))))),
                path(PathMatchers.segment("health").slash("ready"), () -> get(() -> complete(ready()))),
                path("metrics", () -> get(() -> complete(HttpResponse.create()
                        .withEntity(ContentTypes.TEXT_PLAIN_UTF8, metrics.scrape())))));
    }

    private HttpResponse ready() {
        return model.current()
                .map(v -> JsonResponses.ok(Map.of("status", "ready", "modelVersion", v.id())))
                .orElseGet(() -> JsonResponses.error(StatusCodes.SERVICE_UNAVAILABLE, "no model version is active yet"));
    }
}
