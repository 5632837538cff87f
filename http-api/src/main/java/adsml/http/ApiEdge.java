package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.extractMaterializer;
import static org.apache.pekko.http.javadsl.server.Directives.extractRequestEntity;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;
import static org.apache.pekko.http.javadsl.server.Directives.mapRequest;
import static org.apache.pekko.http.javadsl.server.Directives.onComplete;

import java.time.Duration;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.Connection;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamException;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;

/**
 * The outermost layer of each listener: every failure and rejection becomes a JSON error with the right status (via
 * {@link ErrorMapping}), unknown routes a 404, a wrong method a 405, a body slower than the listener's body timeout a
 * 408, a request that outlives the listener's request timeout a JSON 503.
 */
final class ApiEdge {
    private ApiEdge() {}

    /** @param bodyTimeout how long the listener waits for a request's whole body before answering 408 */
    static Route wrap(Route inner, ServingMetrics metrics, Duration bodyTimeout) {
        ExceptionHandler exceptions = ExceptionHandler.newBuilder()
                .matchAny(e -> {
                    if (ErrorMapping.unwrap(e) instanceof BadRequestException) {
                        metrics.badRequest();
                    }
                    return complete(ErrorMapping.toResponse(e));
                })
                .build();
        RejectionHandler rejections = RejectionHandler.newBuilder()
                .handle(
                        MalformedRequestContentRejection.class,
                        r -> complete(
                                r.getCause() instanceof EntityStreamSizeException
                                        ? ErrorMapping.toResponse(r.getCause())
                                        : JsonResponses.error(StatusCodes.BAD_REQUEST, "malformed request body")))
                .handleAll(
                        MethodRejection.class,
                        rs -> complete(JsonResponses.error(StatusCodes.METHOD_NOT_ALLOWED, "method not allowed here")))
                .handleNotFound(complete(JsonResponses.error(StatusCodes.NOT_FOUND, "no such route")))
                .build()
                .withFallback(RejectionHandler.defaultHandler());
        return handleExceptions(exceptions, () -> handleRejections(rejections, () -> strictBody(bodyTimeout, inner)));
    }

    /**
     * Reads the whole body, within {@code timeout}, before any route sees the request: a client that sends its headers
     * and then trickles or withholds the body is answered 408 and its connection closed, instead of holding a
     * connection and a request slot for as long as it likes (Pekko's request timeout does not cover a body that never
     * finishes arriving). The body's size is bounded meanwhile by {@code pekko.http.server.parsing.max-content-length}.
     */
    private static Route strictBody(Duration timeout, Route inner) {
        return extractRequestEntity(entity -> extractMaterializer(materializer ->
                onComplete(entity.toStrict(timeout.toMillis(), materializer), strict -> {
                    if (strict.isSuccess()) {
                        return mapRequest(request -> request.withEntity(strict.get()), () -> inner);
                    }
                    Throwable failure = ErrorMapping.unwrap(strict.failed().get());
                    if (failure instanceof TimeoutException) {
                        return complete(JsonResponses.error(
                                        StatusCodes.REQUEST_TIMEOUT,
                                        "the request body did not arrive within " + timeout.toMillis() + " ms")
                                .addHeader(Connection.create("close")));
                    }
                    if (failure instanceof EntityStreamException) {
                        // The client closed the connection mid-body, or sent a malformed chunk: its fault, no one
                        // reads this answer, and it is no server error to log.
                        return complete(JsonResponses.error(StatusCodes.BAD_REQUEST, "the request body was cut off"));
                    }
                    return complete(ErrorMapping.toResponse(failure));
                })));
    }
}
