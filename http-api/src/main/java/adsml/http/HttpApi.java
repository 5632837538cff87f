package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;

import org.apache.pekko.http.javadsl.server.Route;

/**
 * The route tree of each listener, in one place, each prefix written once:
 *
 * <pre>
 * public:  /v1/{rank, events, ads/{id}}   /health/{live, ready}   /metrics   /openapi.json
 * admin:   /admin/api/...  (behind the admin credential)   /admin/...  (the web UI)   and every public route
 * </pre>
 *
 * The admin listener answers the public API too, so that the web UI calls it from its own origin. Each listener is
 * wrapped in {@link ApiEdge}, which turns every failure and rejection into a JSON error.
 */
public record HttpApi(Route publicListener, Route adminListener) {

    /** The areas of the API, each a route relative to its prefix. */
    public record Areas(
            RankRoutes rank,
            EventRoutes events,
            AdRoutes ads,
            HealthRoutes health,
            OpenApiRoutes openApi,
            AdminRoutes models,
            LightModelRoutes lightModel,
            DeviceRoutes devices,
            ClusterRoutes cluster,
            ConsoleRoutes console,
            AdminUiRoutes adminUi) {}

    public static HttpApi of(Areas areas, Access access, ServingMetrics metrics, HttpSettings settings) {
        Route publicRoutes = concat(
                pathPrefix(
                        "v1",
                        () -> concat(
                                areas.rank().routes(access),
                                areas.events().routes(access),
                                areas.ads().routes(access))),
                areas.health().routes(),
                areas.openApi().routes());
        Route adminRoutes = concat(
                pathPrefix(
                        "admin",
                        () -> concat(
                                pathPrefix(
                                        "api",
                                        () -> access.require(
                                                Access.Role.ADMIN,
                                                () -> concat(
                                                        areas.models().routes(),
                                                        areas.lightModel().routes(),
                                                        areas.devices().routes(),
                                                        areas.cluster().routes(),
                                                        areas.console().routes()))),
                                areas.adminUi().routes())),
                publicRoutes);
        return new HttpApi(
                ApiEdge.wrap(publicRoutes, metrics, settings.publicListener().bodyTimeout()),
                ApiEdge.wrap(adminRoutes, metrics, settings.adminListener().bodyTimeout()));
    }
}
