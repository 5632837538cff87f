package adsml.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.headers.RetryAfter;

/** JSON bodies of the API, success and error alike: errors are always {@code {"error": reason}}. */
public final class JsonResponses {
    /** Instants as ISO-8601 text ("2026-11-26T06:15:13Z"), without pulling in the JSR-310 module for one type. */
    static final ObjectMapper JSON = new ObjectMapper()
            .registerModule(new SimpleModule().addSerializer(Instant.class, ToStringSerializer.instance));

    private JsonResponses() {}

    /** The body of every error the API answers, whatever the status: {@code {"error": reason}}. */
    public record ErrorBody(String error) {}

    /** A request body that must be a JSON object; anything else is a {@link BadRequestException}. */
    static JsonNode readObject(byte[] body) {
        JsonNode root;
        try {
            root = JSON.readTree(body);
        } catch (IOException e) {
            throw new BadRequestException("malformed JSON");
        }
        if (root == null || !root.isObject()) {
            throw new BadRequestException("the body must be a JSON object");
        }
        return root;
    }

    public static HttpResponse ok(Object body) {
        return json(StatusCodes.OK, body);
    }

    /** A 200 whose body is already JSON. */
    static HttpResponse okJson(byte[] json) {
        return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, json);
    }

    public static HttpResponse json(StatusCode status, Object body) {
        try {
            return HttpResponse.create()
                    .withStatus(status)
                    .withEntity(ContentTypes.APPLICATION_JSON, JSON.writeValueAsBytes(body));
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("response not serializable", e);
        }
    }

    public static HttpResponse error(StatusCode status, String reason) {
        return json(status, new ErrorBody(reason));
    }

    /** A fast 503 that tells the client when to come back. */
    public static HttpResponse unavailable(String reason, Duration retryAfter) {
        return error(StatusCodes.SERVICE_UNAVAILABLE, reason)
                .addHeader(RetryAfter.create(Math.max(1, (retryAfter.toMillis() + 999) / 1000)));
    }
}
