package adsml.http;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.exc.StreamConstraintsException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.databind.ser.std.ToStringSerializer;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.Iterator;
import java.util.List;
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

    /**
     * Bounds of every request body, far above what any valid body needs (three levels, numbers of a few digits, strings
     * and keys of at most 128 characters) and far below what would make parsing cost more than reading the bytes.
     */
    static final int MAX_DEPTH = 32;

    static final int MAX_NUMBER_LENGTH = 64;
    static final int MAX_STRING_LENGTH = 16 * 1024;
    static final int MAX_KEY_LENGTH = 1024;

    /**
     * The one reader of request bodies: a key given twice is an error (which of the two would count is a guess the
     * client should not have to make), and the bounds above hold.
     */
    private static final ObjectMapper REQUEST_READER = JsonMapper.builder(JsonFactory.builder()
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .streamReadConstraints(StreamReadConstraints.builder()
                            .maxNestingDepth(MAX_DEPTH)
                            .maxNumberLength(MAX_NUMBER_LENGTH)
                            .maxStringLength(MAX_STRING_LENGTH)
                            .maxNameLength(MAX_KEY_LENGTH)
                            .build())
                    .build())
            .build();

    /** How much of a field's path an error names: a path 32 levels deep helps nobody. */
    private static final int MAX_PATH_IN_REASON = 80;

    private JsonResponses() {}

    /** The body of every error the API answers, whatever the status: {@code {"error": reason}}. */
    public record ErrorBody(String error) {}

    /**
     * Refuses a field of {@code object} that is not one of {@code fields}: a misspelt field ("slot", "deadlineMS",
     * "Cost") would otherwise be ignored and its default served in silence. {@code where} prefixes the field's name (""
     * at the top level, else e.g. "context." or "events[3].").
     */
    static void onlyFields(JsonNode object, String where, List<String> fields) {
        for (Iterator<String> names = object.fieldNames(); names.hasNext(); ) {
            String name = names.next();
            if (!fields.contains(name)) {
                throw new BadRequestException(
                        where + abbreviated(name) + ": unknown field (known: " + String.join(", ", fields) + ")");
            }
        }
    }

    /**
     * A request body that must be a JSON object, read under the bounds above; anything else is a
     * {@link BadRequestException} whose reason names the field at fault (never Jackson's own message, which names its
     * classes).
     */
    static JsonNode readObject(byte[] body) {
        if (notUtf8(body)) {
            throw new BadRequestException("the body must be JSON in UTF-8");
        }
        JsonNode root;
        try (JsonParser parser = REQUEST_READER.createParser(body)) {
            root = read(parser);
        } catch (IOException e) {
            throw new BadRequestException("unreadable body");
        }
        if (root == null || !root.isObject()) {
            throw new BadRequestException("the body must be a JSON object");
        }
        return root;
    }

    /**
     * UTF-16 or UTF-32, which Jackson would detect and read: by their byte order mark, or the zero bytes that ASCII
     * takes in them (JSON text has no zero byte in UTF-8). RFC 8259 allows only UTF-8 between systems, and the charset
     * parameter of {@code application/json} means nothing, so the bytes are the only evidence.
     */
    private static boolean notUtf8(byte[] body) {
        if (body.length >= 2
                && ((body[0] == (byte) 0xFE && body[1] == (byte) 0xFF)
                        || (body[0] == (byte) 0xFF && body[1] == (byte) 0xFE))) {
            return true;
        }
        for (int i = 0; i < Math.min(4, body.length); i++) {
            if (body[i] == 0) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode read(JsonParser parser) throws IOException {
        try {
            JsonNode root = REQUEST_READER.readTree(parser);
            if (root != null && parser.nextToken() != null) {
                throw new BadRequestException("malformed JSON: more after the object, at " + at(parser, null));
            }
            return root;
        } catch (StreamConstraintsException e) {
            throw new BadRequestException(exceeded(e, parser));
        } catch (JsonProcessingException e) {
            if (String.valueOf(e.getOriginalMessage()).startsWith("Duplicate field")) {
                throw new BadRequestException(path(parser.getParsingContext()) + ": the key appears twice");
            }
            throw new BadRequestException("malformed JSON at " + at(parser, e.getLocation()));
        }
    }

    /** Which bound {@code e} reports; Jackson tells them apart only by the getter its message names. */
    private static String exceeded(StreamConstraintsException e, JsonParser parser) {
        String message = String.valueOf(e.getMessage());
        String where = path(parser.getParsingContext());
        if (message.contains("getMaxNestingDepth")) {
            return "JSON nested deeper than " + MAX_DEPTH + " levels";
        }
        if (message.contains("getMaxNumberLength")) {
            return where + ": a number of more than " + MAX_NUMBER_LENGTH + " characters";
        }
        if (message.contains("getMaxStringLength")) {
            return where + ": a string of more than " + MAX_STRING_LENGTH + " characters";
        }
        if (message.contains("getMaxNameLength")) {
            return where + ": a key of more than " + MAX_KEY_LENGTH + " characters";
        }
        return "JSON beyond the bounds of a request body";
    }

    /** "line 3, column 7": where the parser stopped. */
    private static String at(JsonParser parser, JsonLocation reported) {
        JsonLocation at = reported != null ? reported : parser.currentLocation();
        return "line " + at.getLineNr() + ", column " + at.getColumnNr();
    }

    /**
     * A client's text as it may appear in a reason: control characters (a line feed, a C1 next-line) would start lines
     * of their own in logs, and are shown as '?'.
     */
    static String printable(String text) {
        char[] chars = text.toCharArray();
        for (int i = 0; i < chars.length; i++) {
            if (Character.isISOControl(chars[i])) {
                chars[i] = '?';
            }
        }
        return new String(chars);
    }

    /**
     * {@link #printable} and at most 40 characters: echoing a value helps a client find its mistake, megabytes do not.
     */
    static String abbreviated(String text) {
        return printable(text.length() <= 40 ? text : text.substring(0, 40) + "...");
    }

    /** The field the parser is in, as the API's reasons name fields: {@code events[3].type}; "body" at the top. */
    private static String path(JsonStreamContext context) {
        StringBuilder path = new StringBuilder();
        for (JsonStreamContext c = context; c != null && !c.inRoot(); c = c.getParent()) {
            if (c.inArray()) {
                path.insert(0, "[" + Math.max(0, c.getCurrentIndex()) + "]");
            } else if (c.getCurrentName() != null) {
                path.insert(
                        0,
                        (c.getParent() != null && c.getParent().inRoot() ? "" : ".") + printable(c.getCurrentName()));
            }
        }
        if (path.isEmpty()) {
            return "body";
        }
        return path.length() <= MAX_PATH_IN_REASON ? path.toString() : path.substring(0, MAX_PATH_IN_REASON) + "...";
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
