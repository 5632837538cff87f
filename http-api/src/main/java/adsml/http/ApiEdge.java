package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.handleExceptions;
import static org.apache.pekko.http.javadsl.server.Directives.handleRejections;

import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.ExceptionHandler;
import org.apache.pekko.http.javadsl.server.MalformedRequestContentRejection;
import org.apache.pekko.http.javadsl.server.MethodRejection;
import org.apache.pekko.http.javadsl.server.RejectionHandler;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;

/**
 * The outermost layer of each listener: every failure and rejection becomes a JSON error with the right status (via
 * {@link ErrorMapping}), unknown routes a 404, a wrong method a 405.
 */
final class ApiEdge {
    private ApiEdge() {}

    static Route wrap(Route inner, ServingMetrics metrics) {
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
        return handleExceptions(exceptions, () -> handleRejections(rejections, () -> inner));
    }
}
