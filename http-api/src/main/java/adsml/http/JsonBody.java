package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequestEntity;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import java.util.function.Function;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The directive every route that takes a body goes through: the body must say it is JSON (415 otherwise, before a byte
 * of it is read) and arrive within the listener's body timeout (408, see {@link ApiEdge}) and be at most
 * {@code maxBytes} long (413 otherwise); the route gets its bytes and parses them with
 * {@link JsonResponses#readObject}. A charset parameter changes nothing: JSON is UTF-8 (RFC 8259), and the parser
 * refuses other bytes with a 400.
 */
final class JsonBody {
    private JsonBody() {}

    static Route of(long maxBytes, Function<byte[], Route> inner) {
        return extractRequestEntity(requestEntity -> {
            if (!requestEntity.getContentType().mediaType().equals(MediaTypes.APPLICATION_JSON)) {
                return complete(JsonResponses.error(
                        StatusCodes.UNSUPPORTED_MEDIA_TYPE,
                        "expected Content-Type: application/json, got "
                                + requestEntity.getContentType().mediaType()));
            }
            return withSizeLimit(maxBytes, () -> entity(Unmarshaller.entityToByteArray(), inner));
        });
    }
}
