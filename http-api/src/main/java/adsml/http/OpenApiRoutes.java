package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * {@code GET /openapi.json}: the OpenAPI 3.1 document of both listeners' routes, shipped as a resource beside this
 * class. A test holds it and the routes to each other: every route the server answers is in it, and every path in it is
 * answered.
 */
public final class OpenApiRoutes {
    static final String RESOURCE = "adsml/http/openapi.json";

    private final byte[] document;

    public OpenApiRoutes() {
        document = document();
    }

    /** The document's bytes, read from the class path. */
    static byte[] document() {
        try (InputStream in = OpenApiRoutes.class.getClassLoader().getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException(RESOURCE + " is missing from the class path");
            }
            return in.readAllBytes();
        } catch (IOException e) {
            throw new UncheckedIOException("reading " + RESOURCE, e);
        }
    }

    public Route routes() {
        return path(
                "openapi.json",
                () -> get(() -> complete(HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, document))));
    }
}
