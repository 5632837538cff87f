package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractUri;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;
import static org.apache.pekko.http.javadsl.server.Directives.mapRequest;
import static org.apache.pekko.http.javadsl.server.Directives.mapResponse;

import java.time.Duration;
import java.util.OptionalLong;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * The outermost layer of each listener: every failure and rejection becomes a JSON error with the right status (via
 * {@link ErrorMapping}), unknown routes a 404, a wrong method a 405, a body slower than the listener's body timeout a
 * 408 (its connection closed).
 */
final class ApiEdge {
    private ApiEdge() {}

    /** @param bodyTimeout how long the listener waits for a request's whole body before answering 408 */
    static Route wrap(Route inner, ServingMetrics metrics, Duration bodyTimeout) {
        ExceptionHandler exceptions = ExceptionHandler.newBuilder()
                .matchAny(e -> complete(ErrorMapping.toResponse(e)))
                .build();
        RejectionHandler rejections = RejectionHandler.newBuilder()
                .handle(MalformedRequestContentRejection.class, r -> complete(malformedBody(r.getCause(), bodyTimeout)))
                .handleAll(
                        MethodRejection.class,
                        rs -> complete(JsonResponses.error(StatusCodes.METHOD_NOT_ALLOWED, "method not allowed here")))
                .handleNotFound(complete(JsonResponses.error(StatusCodes.NOT_FOUND, "no such route")))
                .build()
                .withFallback(RejectionHandler.defaultHandler());
        // Every answer counts, whether a route completed it, threw it or a rejection made it.
        return extractUri(uri -> mapResponse(
                response -> {
                    metrics.answered(uri.path(), response.status().intValue());
                    return response;
                },
                () -> handleExceptions(
                        exceptions, () -> handleRejections(rejections, () -> bodyTimeout(bodyTimeout, inner)))));
    }

    /** A body that could not be read: too large (413), too slow (408, connection closed) or cut off (400). */
    private static HttpResponse malformedBody(Throwable cause, Duration bodyTimeout) {
        if (cause instanceof EntityStreamSizeException) {
            return ErrorMapping.toResponse(cause);
        }
        if (cause instanceof TimeoutException) {
            return JsonResponses.error(
                            StatusCodes.REQUEST_TIMEOUT,
                            "the request body did not arrive within " + bodyTimeout.toMillis() + " ms")
                    .addHeader(Connection.create("close"));
        }
        return JsonResponses.error(StatusCodes.BAD_REQUEST, "malformed request body");
    }

    /**
     * Bounds how long a body may take to arrive, counted from when a route starts reading it: a client that sends its
     * headers and then trickles or withholds the body is answered 408 and its connection closed, instead of holding a
     * connection and a request slot for as long as it likes (Pekko's request timeout does not cover a body that never
     * finishes arriving). Lazy: a request answered before its body is read (401, 415) costs no wait and no buffer, and
     * a body that came whole with its headers is left as it is.
     */
    private static Route bodyTimeout(Duration timeout, Route inner) {
        return mapRequest(request -> request.withEntity(timed(request.entity(), timeout)), () -> inner);
    }

    private static RequestEntity timed(RequestEntity entity, Duration timeout) {
        if (entity.isStrict()) {
            return entity;
        }
        Source<ByteString, ?> bytes = entity.getDataBytes().completionTimeout(timeout);
        OptionalLong length = entity.getContentLengthOption();
        return length.isPresent()
                ? HttpEntities.create(entity.getContentType(), length.getAsLong(), bytes)
                : HttpEntities.createChunked(entity.getContentType(), bytes);
    }
}
