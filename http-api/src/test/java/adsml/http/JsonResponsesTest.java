package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

class JsonResponsesTest {
    /** A package-qualified class name, or a getter of one: Jackson's messages name both. */
    private static final Pattern INTERNALS =
            Pattern.compile("\\b[a-z][a-z0-9_]*(\\.[a-z][a-z0-9_]*)+\\.[A-Z]\\w*|StreamReadConstraints|Exception");

    private static String reason(String json) {
        return reason(json.getBytes(StandardCharsets.UTF_8));
    }

    private static String reason(byte[] body) {
        String reason = assertThrows(BadRequestException.class, () -> JsonResponses.readObject(body))
                .getMessage();
        assertFalse(INTERNALS.matcher(reason).find(), () -> "internals in: " + reason);
        return reason;
    }

    @Test
    void readObject_aKeyGivenTwice_is400NamingIt() {
        assertEquals("slots: the key appears twice", reason("{\"slots\":1,\"slots\":2}"));
        assertEquals(
                "context.surface: the key appears twice",
                reason("{\"context\":{\"surface\":\"search\",\"surface\":\"video\"}}"));
        assertEquals("a?b: the key appears twice", reason("{\"a\\nb\":1,\"a\\nb\":2}"));
        assertEquals(
                "events[1].adId: the key appears twice", reason("{\"events\":[{\"adId\":1},{\"adId\":1,\"adId\":2}]}"));
    }

    @Test
    void readObject_aLongString_is400NamingTheField() {
        String longString = "x".repeat(JsonResponses.MAX_STRING_LENGTH + 1);
        assertEquals(
                "context.device: a string of more than " + JsonResponses.MAX_STRING_LENGTH + " characters",
                reason("{\"context\":{\"device\":\"" + longString + "\"}}"));
        assertTrue(reason("{\"" + longString + "\":1}").contains("a key of more than"));
    }

    @Test
    void readObject_aLongNumber_is400NamingTheField() {
        assertEquals(
                "slots: a number of more than " + JsonResponses.MAX_NUMBER_LENGTH + " characters",
                reason("{\"slots\":" + "9".repeat(5000) + "}"));
        assertTrue(reason("{\"cost\":0." + "1".repeat(5000) + "}").startsWith("cost: a number"));
    }

    @Test
    void readObject_deepNesting_is400_evenAHundredThousandLevels() {
        String deep = "[".repeat(100_000) + "]".repeat(100_000);
        assertEquals(
                "JSON nested deeper than " + JsonResponses.MAX_DEPTH + " levels", reason("{\"events\":" + deep + "}"));
        assertTrue(
                reason("{\"a\":" + "{\"a\":".repeat(40) + "1" + "}".repeat(41)).startsWith("JSON nested"));
    }

    @Test
    void readObject_malformedOrTrailingContent_is400WithThePosition() {
        assertEquals("malformed JSON at line 1, column 12", reason("{\"userId\": "));
        assertTrue(reason("{\"slots\":1} {\"slots\":2}").startsWith("malformed JSON: more after the object"));
        assertTrue(
                reason(new byte[] {'{', '"', (byte) 0xC3, '"', ':', '1', '}'}).startsWith("malformed JSON"));
        assertTrue(reason("{\"slots\":NaN}").startsWith("malformed JSON"));
        assertTrue(reason("{'slots':1}").startsWith("malformed JSON"));
    }

    @Test
    void readObject_anotherEncodingThanUtf8_is400() {
        String json = "{\"slots\":1}";
        for (Charset charset : new Charset[] {
            StandardCharsets.UTF_16, StandardCharsets.UTF_16BE, StandardCharsets.UTF_16LE, Charset.forName("UTF-32")
        }) {
            assertEquals("the body must be JSON in UTF-8", reason(json.getBytes(charset)), charset.name());
        }
        assertTrue(reason("{\"userId\":\"\u00e9\"}".getBytes(StandardCharsets.ISO_8859_1))
                .startsWith("malformed JSON"));
        byte[] bom = "\ufeff{\"slots\":1}".getBytes(StandardCharsets.UTF_8);
        assertEquals(1, JsonResponses.readObject(bom).path("slots").asInt(), "a UTF-8 byte order mark is allowed");
    }

    @Test
    void readObject_anythingButAnObject_is400() {
        for (String body : new String[] {"", " ", "[1]", "\"text\"", "17", "null", "true"}) {
            assertEquals("the body must be a JSON object", reason(body), body);
        }
    }

    @Test
    void readObject_validBody_keepsEveryValue() {
        var root = JsonResponses.readObject(
                "{\"userId\":\"u\\u0034\\u0032\",\"nested\":{\"list\":[1,2.5,null]}}".getBytes(StandardCharsets.UTF_8));
        assertEquals("u42", root.path("userId").asText());
        assertEquals(2.5, root.path("nested").path("list").get(1).asDouble());
        assertTrue(root.path("nested").path("list").get(2).isNull());
    }
}
