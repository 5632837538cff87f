package adsml.http;

import adsml.platform.domain.Vocab;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;

/**
 * A validated {@code POST /v1/rank} body:
 *
 * <pre>{@code {"userId": "u42", "context": {"surface": "home_feed", "device": "ios", "country": "US", "hour": 13},
 *  "slots": 5, "deadlineMs": 200, "debug": false}}</pre>
 *
 * Context values are resolved to vocabulary indexes here, so nothing downstream sees a string. An unknown user is not
 * an error (it is served cold-start features); unknown context values, wrong types, and out-of-range numbers are, with
 * a reason naming the field.
 *
 * @param userId the world's user id, or -1 when the id names no known user format
 * @param userKey the user's id as sent
 */
public record RankRequest(
        int userId,
        String userKey,
        int surface,
        int device,
        int country,
        int hour,
        int slots,
        int deadlineMs,
        boolean debug) {
    private static final List<String> FIELDS = List.of("userId", "context", "slots", "deadlineMs", "debug");
    private static final List<String> CONTEXT_FIELDS = List.of("surface", "device", "country", "hour");

    /** The deadline of a request that names none. */
    public static final int DEFAULT_DEADLINE_MS = 200;

    /** Bounds on what a request may ask for. */
    public record Limits(int maxSlots, int maxDeadlineMs) {}

    /**
     * Parses (with {@link JsonResponses#readObject}'s bounds) and validates; throws {@link BadRequestException} with a
     * reason naming the field.
     */
    public static RankRequest parse(byte[] body, Limits limits) {
        JsonNode root = JsonResponses.readObject(body);
        JsonResponses.onlyFields(root, "", FIELDS);
        String userKey = UserIds.read(root, "userId", "userId");
        JsonNode context = root.get("context");
        if (context == null || !context.isObject()) {
            throw new BadRequestException("context: required object with surface, device, country and hour");
        }
        JsonResponses.onlyFields(context, "context.", CONTEXT_FIELDS);
        int surface = name(context, "surface", Vocab.SURFACES);
        int device = name(context, "device", Vocab.DEVICES);
        int country = name(context, "country", Vocab.COUNTRIES);
        int hour = integer(context, "hour", "context.hour", 0, 23, null);
        int slots = integer(root, "slots", "slots", 1, limits.maxSlots(), 5);
        int deadlineMs = integer(root, "deadlineMs", "deadlineMs", 1, limits.maxDeadlineMs(), DEFAULT_DEADLINE_MS);
        JsonNode debug = root.get("debug");
        if (debug != null && !debug.isNull() && !debug.isBoolean()) {
            throw new BadRequestException("debug: expected true or false, got " + debug);
        }
        return new RankRequest(
                userId(userKey),
                userKey,
                surface,
                device,
                country,
                hour,
                slots,
                deadlineMs,
                debug != null && debug.asBoolean());
    }

    /** "u42" -> 42; anything else names no user of the world: -1, served as a cold start. */
    static int userId(String key) {
        if (key.length() < 2 || key.length() > 11 || key.charAt(0) != 'u') {
            return -1;
        }
        long id = 0;
        for (int i = 1; i < key.length(); i++) {
            char c = key.charAt(i);
            if (c < '0' || c > '9') {
                return -1;
            }
            id = id * 10 + (c - '0');
        }
        return id > Integer.MAX_VALUE ? -1 : (int) id;
    }

    private static String text(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new BadRequestException(where + ": required");
        }
        if (!v.isTextual() || v.asText().isEmpty() || v.asText().length() > 128) {
            throw new BadRequestException(where + ": expected a string of 1 to 128 characters, got " + abbreviate(v));
        }
        return v.asText();
    }

    private static int name(JsonNode context, String field, String[] vocab) {
        String value = text(context, field, "context." + field);
        int index = Vocab.indexOf(vocab, value);
        if (index < 0) {
            throw new BadRequestException("context." + field + ": unknown value " + abbreviate(context.get(field))
                    + " (known: " + String.join(", ", Arrays.asList(vocab)) + ")");
        }
        return index;
    }

    private static int integer(JsonNode node, String field, String where, int min, int max, Integer fallback) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            if (fallback == null) {
                throw new BadRequestException(where + ": required");
            }
            return fallback;
        }
        if (!v.isIntegralNumber()) {
            throw new BadRequestException(where + ": expected an integer, got " + abbreviate(v));
        }
        if (!v.canConvertToInt()) {
            throw new BadRequestException(where + ": must be within [" + min + ", " + max + "], was " + abbreviate(v));
        }
        int value = v.asInt();
        if (value < min || value > max) {
            throw new BadRequestException(where + ": must be within [" + min + ", " + max + "], was " + value);
        }
        return value;
    }

    /** The value as JSON, abbreviated. */
    private static String abbreviate(JsonNode v) {
        return JsonResponses.abbreviated(v.toString());
    }
}
