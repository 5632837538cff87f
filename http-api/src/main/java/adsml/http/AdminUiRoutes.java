package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractUnmatchedPath;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.redirect;
import static org.apache.pekko.http.javadsl.server.Directives.reject;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The admin web UI's files at {@code /admin/}, from the class path folder {@code adsml/admin-ui} that the
 * {@code admin-ui} module's build fills. Mounted on the admin listener, without the token: the page is public on that
 * listener and asks for the token itself; every {@code /admin/api} call it makes still needs it.
 *
 * <ul>
 *   <li>{@code /admin} redirects to {@code /admin/}, which is {@code index.html}
 *   <li>a path whose last segment has a dot is a file: served with its content type, or 404
 *   <li>any other path (or one ending in a slash) is one of the UI's own pages ({@code /admin/models}):
 *       {@code index.html}, whose script picks the page from the address
 *   <li>{@code /admin/api/...} is never a file or a page: left to the API routes
 * </ul>
 *
 * Paths are plain: segments of letters, digits, {@code _ . -}, never starting with a dot, so no request reaches outside
 * the folder (or a hidden file in it) whatever its encoding.
 */
public final class AdminUiRoutes {
    static final String RESOURCE_ROOT = "adsml/admin-ui/";
    private static final Pattern SEGMENT = Pattern.compile("[A-Za-z0-9_-][A-Za-z0-9_.-]{0,127}");
    private static final Map<String, ContentType> TYPES = Map.of(
            "html", ContentTypes.TEXT_HTML_UTF8,
            "js", ContentTypes.parse("text/javascript; charset=UTF-8"),
            "css", ContentTypes.parse("text/css; charset=UTF-8"),
            "json", ContentTypes.APPLICATION_JSON,
            "svg", ContentTypes.parse("image/svg+xml"),
            "png", ContentTypes.parse("image/png"),
            "ico", ContentTypes.parse("image/x-icon"),
            "woff2", ContentTypes.parse("font/woff2"),
            "map", ContentTypes.APPLICATION_JSON,
            "txt", ContentTypes.TEXT_PLAIN_UTF8);
    /** Vite puts a content hash in every name under assets/: they never change, so browsers may keep them. */
    private static final HttpHeader IMMUTABLE =
            RawHeader.create("Cache-Control", "public, max-age=31536000, immutable");

    private static final HttpHeader REVALIDATE = RawHeader.create("Cache-Control", "no-cache");
    private static final List<HttpHeader> SAFETY = List.of(
            RawHeader.create("X-Content-Type-Options", "nosniff"),
            RawHeader.create("X-Frame-Options", "DENY"),
            RawHeader.create("Referrer-Policy", "no-referrer"));

    private final ClassLoader loader;
    /** Files read once; only files that exist are kept, so its size is bounded by the bundle's. */
    private final Map<String, byte[]> files = new ConcurrentHashMap<>();

    public AdminUiRoutes() {
        this(AdminUiRoutes.class.getClassLoader());
    }

    AdminUiRoutes(ClassLoader loader) {
        this.loader = loader;
    }

    /** The UI's files and pages, relative to {@code /admin} ({@link HttpApi} puts them there). */
    public Route routes() {
        // The path first: /admin/api/... is never the UI's, whatever the method, so a POST there is a 404
        // from the API routes, not the UI's 405.
        return extractUnmatchedPath(path -> isApi(path) ? reject() : get(() -> route(path)));
    }

    private static boolean isApi(String path) {
        return path.equals("/api") || path.startsWith("/api/");
    }

    private Route route(String path) {
        if (path.isEmpty()) {
            return redirect(Uri.create("/admin/"), StatusCodes.MOVED_PERMANENTLY);
        }
        if (!path.startsWith("/")) {
            return reject();
        }
        String rest = path.substring(1);
        if (rest.isEmpty() || rest.equals("index.html")) {
            return complete(index());
        }
        // A trailing slash names a page, never a file.
        boolean page = rest.endsWith("/");
        String[] segments = (page ? rest.substring(0, rest.length() - 1) : rest).split("/", -1);
        for (String segment : segments) {
            if (!SEGMENT.matcher(segment).matches()) {
                return complete(JsonResponses.error(StatusCodes.NOT_FOUND, "no such file"));
            }
        }
        String last = segments[segments.length - 1];
        int dot = last.lastIndexOf('.');
        if (page || dot < 0) {
            return complete(index());
        }
        Optional<byte[]> file = read(rest);
        if (file.isEmpty()) {
            return complete(JsonResponses.error(StatusCodes.NOT_FOUND, "no such file"));
        }
        ContentType type = TYPES.getOrDefault(last.substring(dot + 1), ContentTypes.APPLICATION_OCTET_STREAM);
        return complete(HttpResponse.create()
                .withEntity(type, file.get())
                .addHeaders(SAFETY)
                .addHeader(rest.startsWith("assets/") ? IMMUTABLE : REVALIDATE));
    }

    private HttpResponse index() {
        return read("index.html")
                .map(html -> HttpResponse.create()
                        .withEntity(ContentTypes.TEXT_HTML_UTF8, html)
                        .addHeaders(SAFETY)
                        .addHeader(REVALIDATE))
                .orElseGet(() -> JsonResponses.error(
                        StatusCodes.NOT_FOUND,
                        "the admin UI is not in this build: build the admin-ui module (mvn package runs npm)"));
    }

    private Optional<byte[]> read(String relative) {
        byte[] cached = files.get(relative);
        if (cached != null) {
            return Optional.of(cached);
        }
        try (InputStream in = loader.getResourceAsStream(RESOURCE_ROOT + relative)) {
            if (in == null) {
                return Optional.empty();
            }
            byte[] bytes = in.readAllBytes();
            files.put(relative, bytes);
            return Optional.of(bytes);
        } catch (IOException e) {
            throw new UncheckedIOException("reading the admin UI's " + relative, e);
        }
    }
}
