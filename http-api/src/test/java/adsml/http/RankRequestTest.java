package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class RankRequestTest {
    private static final RankRequest.Limits LIMITS = new RankRequest.Limits(20, 2000);

    private static RankRequest parse(String json) {
        return RankRequest.parse(json.getBytes(StandardCharsets.UTF_8), LIMITS);
    }

    private static String reason(String json) {
        return assertThrows(BadRequestException.class, () -> parse(json)).getMessage();
    }

    @Test
    void parse_validRequest_resolvesContextToIndexes() {
        RankRequest r = parse("""
                {"userId":"u42","context":{"surface":"search","device":"android","country":"GB","hour":13},
                 "slots":3,"deadlineMs":150,"debug":true}""");
        assertEquals(42, r.userId());
        assertEquals(1, r.surface());
        assertEquals(1, r.device());
        assertEquals(1, r.country());
        assertEquals(13, r.hour());
        assertEquals(3, r.slots());
        assertEquals(150, r.deadlineMs());
        assertTrue(r.debug());
    }

    @Test
    void parse_defaultsSlotsDeadlineAndDebug() {
        RankRequest r = parse(
                "{\"userId\":\"u1\",\"context\":{\"surface\":\"home_feed\",\"device\":\"ios\",\"country\":\"US\",\"hour\":0}}");
        assertEquals(5, r.slots());
        assertEquals(200, r.deadlineMs());
        assertFalse(r.debug());
    }

    @Test
    void parse_unknownUserFormat_isColdStartNotError() {
        RankRequest r = parse(
                "{\"userId\":\"visitor-7\",\"context\":{\"surface\":\"video\",\"device\":\"desktop\",\"country\":\"JP\",\"hour\":23}}");
        assertEquals(-1, r.userId());
    }

    @Test
    void parse_badInput_namesTheField() {
        assertTrue(reason("{\"userId\": ").startsWith("malformed JSON"));
        assertEquals("the body must be a JSON object", reason("[1,2]"));
        assertEquals("userId: required", reason("{\"context\":{}}"));
        assertTrue(reason("{\"userId\":7,\"context\":{}}").startsWith("userId: expected a string"));
        // A user whose events the event log could not keep is refused here too (UserIds).
        assertTrue(reason("{\"userId\":\"a\\tb\",\"context\":{}}").startsWith("userId: expected a string"));
        assertTrue(reason("{\"userId\":\"u1\"}").startsWith("context: required"));
        assertTrue(reason(
                        "{\"userId\":\"u1\",\"context\":{\"surface\":\"tv\",\"device\":\"ios\",\"country\":\"US\",\"hour\":1}}")
                .startsWith("context.surface: unknown value \"tv\" (known: home_feed, search"));
        assertEquals(
                "context.hour: must be within [0, 23], was 24",
                reason(
                        "{\"userId\":\"u1\",\"context\":{\"surface\":\"search\",\"device\":\"ios\",\"country\":\"US\",\"hour\":24}}"));
        assertEquals(
                "context.hour: expected an integer, got 1.5",
                reason(
                        "{\"userId\":\"u1\",\"context\":{\"surface\":\"search\",\"device\":\"ios\",\"country\":\"US\",\"hour\":1.5}}"));
        assertEquals(
                "slots: must be within [1, 20], was 0",
                reason(
                        "{\"userId\":\"u1\",\"context\":{\"surface\":\"search\",\"device\":\"ios\",\"country\":\"US\",\"hour\":1},\"slots\":0}"));
        assertTrue(reason(
                        "{\"userId\":\"u1\",\"context\":{\"surface\":\"search\",\"device\":\"ios\",\"country\":\"US\",\"hour\":1},\"deadlineMs\":9223372036854775807}")
                .matches("deadlineMs: must be within \\[\\d+, \\d+\\], was 9223372036854775807"));
        assertEquals(
                "deadlineMs: expected an integer, got \"soon\"",
                reason(
                        "{\"userId\":\"u1\",\"context\":{\"surface\":\"search\",\"device\":\"ios\",\"country\":\"US\",\"hour\":1},\"deadlineMs\":\"soon\"}"));
        assertTrue(reason(
                        "{\"userId\":\"u1\",\"context\":{\"surface\":\"search\",\"device\":\"ios\",\"country\":\"US\",\"hour\":1},\"debug\":1}")
                .startsWith("debug: expected true or false"));
    }

    @Test
    void parse_hostileJson_isA400NamingTheField_notAServerError() {
        assertEquals(
                "JSON nested deeper than " + JsonResponses.MAX_DEPTH + " levels",
                reason("[".repeat(100_000) + "]".repeat(100_000)));
        assertEquals(
                "slots: a number of more than " + JsonResponses.MAX_NUMBER_LENGTH + " characters",
                reason("{\"userId\":\"u1\",\"slots\":1" + "0".repeat(5000) + "}"));
        assertEquals(
                "userId: a string of more than " + JsonResponses.MAX_STRING_LENGTH + " characters",
                reason("{\"userId\":\"u" + "1".repeat(100_000) + "\"}"));
        assertEquals("slots: the key appears twice", reason("{\"userId\":\"u1\",\"slots\":1,\"slots\":20}"));
        assertTrue(reason("{\"userId\":\"u1\",\"context\":{\"surface\":\"a\\u007f\\u0085b\"}}")
                .startsWith("context.surface: unknown value \"a??b\""));
    }
}
