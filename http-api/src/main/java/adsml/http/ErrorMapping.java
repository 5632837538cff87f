package adsml.http;

import adsml.actors.ranking.NoActiveModelException;
import adsml.scheduler.DeadlineExceededException;
import adsml.scheduler.OverloadException;
import adsml.scheduler.VersionRetiredException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeoutException;
import java.time.Duration;
import java.util.concurrent.CompletionException;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.scaladsl.model.EntityStreamSizeException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where a failure becomes a status: bad input 400, too large 413, every kind of
 * overload (and a request whose deadline passed, or no active model) 503 with Retry-After,
 * anything else 500 with a generic body: no class names or paths leak to clients.
 */
public final class ErrorMapping {
    private static final Logger LOG = LoggerFactory.getLogger(ErrorMapping.class);
    private static final Duration RETRY_SOON = Duration.ofSeconds(1);

    private ErrorMapping() {
    }

    public static HttpResponse toResponse(Throwable failure) {
        Throwable cause = unwrap(failure);
        if (cause instanceof BadRequestException) {
            return JsonResponses.error(StatusCodes.BAD_REQUEST, cause.getMessage());
        }
        if (cause instanceof EntityStreamSizeException size) {
            return JsonResponses.error(StatusCodes.PAYLOAD_TOO_LARGE, "body larger than " + size.limit() + " bytes");
        }
        if (cause instanceof OverloadException overload) {
            return JsonResponses.unavailable("overloaded: " + overload.getMessage(), overload.retryAfter());
        }
        if (cause instanceof DeadlineExceededException) {
            return JsonResponses.unavailable("deadline exceeded before the request was ranked", RETRY_SOON);
        }
        if (cause instanceof NoActiveModelException || cause instanceof VersionRetiredException) {
            return JsonResponses.unavailable("no model version could score the request", RETRY_SOON);
        }
        if (cause instanceof TimeoutException || cause instanceof RejectedExecutionException) {
            return JsonResponses.unavailable("the server could not answer in time", RETRY_SOON);
        }
        LOG.error("request failed", cause);
        return JsonResponses.error(StatusCodes.INTERNAL_SERVER_ERROR, "internal error");
    }

    static Throwable unwrap(Throwable t) {
        Throwable cause = t;
        while (cause instanceof CompletionException && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }
}
