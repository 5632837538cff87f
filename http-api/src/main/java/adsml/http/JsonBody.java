package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequest;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import java.util.Optional;
import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The directive every route that takes a body goes through: the body must say it is JSON, uncompressed (415 otherwise,
 * before a byte of it is read) and arrive within the listener's body timeout (408, see {@link ApiEdge}) and be at most
 * {@code maxBytes} long (413 otherwise); the route gets its bytes and parses them with
 * {@link JsonResponses#readObject}. A charset parameter changes nothing: JSON is UTF-8 (RFC 8259), and the parser
 * refuses other bytes with a 400.
 */
final class JsonBody {
    private JsonBody() {}

    static Route of(long maxBytes, Function<byte[], Route> inner) {
        return extractRequest(request -> {
            RequestEntity requestEntity = request.entity();
            if (!requestEntity.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
                return complete(JsonResponses.error(
                        StatusCodes.UNSUPPORTED_MEDIA_TYPE,
                        "expected Content-Type: application/json, got "
                                + requestEntity.getContentType().mediaType()));
            }
            Optional<HttpHeader> encoding = request.getHeader("Content-Encoding");
            if (encoding.isPresent() && !encoding.get().value().trim().equalsIgnoreCase("identity")) {
                // Not decoded: a compressed body's size says nothing of what it inflates to.
                return complete(JsonResponses.error(
                        StatusCodes.UNSUPPORTED_MEDIA_TYPE,
                        "Content-Encoding "
                                + JsonResponses.abbreviated(encoding.get().value())
                                + " is not supported: send the JSON uncompressed"));
            }
            return withSizeLimit(maxBytes, () -> entity(Unmarshaller.entityToByteArray(), inner));
        });
    }
}
