package adsml.http;

import adsml.actors.models.RegistryRefusal;
import adsml.scheduler.UnavailableException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a failure becomes a status:
 *
 * <ul>
 *   <li>bad input ({@link BadRequestException}): 400 with the reason; a body over the limit: 413
 *   <li>a refusal of the model registry: a bad name 400, no such version 404, a state that forbids it 409
 *   <li>every kind of "cannot serve now" ({@link UnavailableException}: overload, a deadline that passed, no active
 *       model, no healthy device), and a wait that timed out or an executor that refused work while the server stops:
 *       503 with {@code Retry-After}
 *   <li>anything else: 500 with a generic body, logged; no class names or paths reach the client
 * </ul>
 */
public final class ErrorMapping {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapping.class);
    private static final Duration RETRY_SOON = Duration.ofSeconds(1);

    private ErrorMapping() {}

    public static HttpResponse toResponse(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof BadRequestException) {
            return JsonResponses.error(StatusCodes.BAD_REQUEST, cause.getMessage());
        }
        if (cause instanceof EntityStreamSizeException size) {
            return JsonResponses.error(StatusCodes.CONTENT_TOO_LARGE, "body larger than " + size.limit() + " bytes");
        }
        if (cause instanceof RegistryRefusal refusal) {
            return JsonResponses.error(
                    switch (refusal.kind()) {
                        case BAD_NAME, BAD_REQUEST -> StatusCodes.BAD_REQUEST;
                        case NOT_FOUND -> StatusCodes.NOT_FOUND;
                        case CONFLICT -> StatusCodes.CONFLICT;
                    },
                    cause.getMessage());
        }
        if (cause instanceof UnavailableException unavailable) {
            return JsonResponses.unavailable(unavailable.getMessage(), unavailable.retryAfter());
        }
        if (cause instanceof TimeoutException || cause instanceof RejectedExecutionException) {
            return JsonResponses.unavailable("the server could not answer in time", RETRY_SOON);
        }
        LOG.error("request failed", cause);
        return JsonResponses.error(StatusCodes.INTERNAL_SERVER_ERROR, "internal error");
    }

    /** The failure inside the wrappers that futures put around it. */
    static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException)
                && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
