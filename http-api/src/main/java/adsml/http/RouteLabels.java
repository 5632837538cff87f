package adsml.http;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.HashSet;
import java.util.Iterator;
import java.util.Set;

/**
 * The route a request is counted under in {@code /metrics}: a documented path's first two segments ({@code /v1/ads} for
 * {@code /v1/ads/17}), three under {@code /admin/api/} ({@code /admin/api/models} for a model's calls); the admin UI's
 * pages and files are {@code /admin}; anything else (an unknown path's 404) is {@code other}. The OpenAPI document
 * bounds the labels, so no client can grow the series by the paths it sends.
 */
final class RouteLabels {
    private static final String OTHER = "other";
    private static final String ADMIN_API = "/admin/api/";

    private final Set<String> documented;

    private RouteLabels(Set<String> documented) {
        this.documented = documented;
    }

    /** The labels of the paths {@link OpenApiRoutes#RESOURCE} documents. */
    static RouteLabels fromOpenApi() {
        Set<String> documented = new HashSet<>();
        try {
            for (Iterator<String> paths = JsonResponses.JSON
                            .readTree(OpenApiRoutes.document())
                            .path("paths")
                            .fieldNames();
                    paths.hasNext(); ) {
                documented.add(prefix(paths.next()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + OpenApiRoutes.RESOURCE, e);
        }
        return new RouteLabels(documented);
    }

    String of(String path) {
        if (path.startsWith("/admin/") && !path.startsWith(ADMIN_API)) {
            return "/admin";
        }
        String prefix = prefix(path);
        return documented.contains(prefix) ? prefix : OTHER;
    }

    private static String prefix(String path) {
        String[] segments = path.split("/", 5);
        int keep = Math.min(segments.length, path.startsWith(ADMIN_API) ? 4 : 3);
        return String.join("/", Arrays.copyOf(segments, keep));
    }
}
