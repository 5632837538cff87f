package adsml.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;

/** JSON bodies of the API, success and error alike: errors are always {@code {"error": reason}}. */
public final class JsonResponses {
    static final ObjectMapper JSON = new ObjectMapper();

    private JsonResponses() {
    }

    public static HttpResponse ok(Object body) {
        return json(StatusCodes.OK, body);
    }

    public static HttpResponse json(StatusCode status, Object body) {
        try {
            return HttpResponse.create().withStatus(status)
                    .withEntity(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response not serializable", e);
        }
    }

    public static HttpResponse error(StatusCode status, String reason) {
        return json(status, Map.of("error", reason));
    }

    /** A fast 503 that tells the client when to come back. */
    public static HttpResponse unavailable(String reason, Duration retryAfter) {
        return error(StatusCodes.SERVICE_UNAVAILABLE, reason)
                .addHeader(RetryAfter.create(Math.max(1, (retryAfter.toMillis() + 999) / 1000)));
    }
}
