package adsml.http;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;

/**
 * The request bodies' parsers under Jazzer: whatever the bytes, the answer is a request or a
 * {@link BadRequestException} (a 400) whose reason shows no internals; anything else thrown would be a 500. A plain
 * {@code mvn test} runs the seeds under {@code src/test/resources/adsml/http/RequestBodyFuzzTestInputs};
 * {@code JAZZER_FUZZ=1} fuzzes one method for real (see docs/ARCHITECTURE.md).
 */
class RequestBodyFuzzTest {
    private static final RankRequest.Limits LIMITS = new RankRequest.Limits(20, 2000);
    private static final int CAMPAIGNS = 100;
    private static final int MIN_QUEUED_ROWS = 1000;
    private static final int MAX_REASON = 300;

    @FuzzTest(maxDuration = "1m")
    void rankRequest_anyBody_isARequestOrA400(byte[] body) {
        try {
            RankRequest.parse(body, LIMITS);
        } catch (BadRequestException refused) {
            assertClean(refused);
        }
    }

    @FuzzTest(maxDuration = "1m")
    void adUpsert_anyBody_isAnUpsertOrA400(byte[] body) {
        try {
            AdRoutes.AdUpsert.from(JsonResponses.readObject(body), CAMPAIGNS);
        } catch (BadRequestException refused) {
            assertClean(refused);
        }
    }

    @FuzzTest(maxDuration = "1m")
    void schedulerUpdate_anyBody_isAnUpdateOrA400(byte[] body) {
        try {
            AdminRoutes.SchedulerUpdate.from(JsonResponses.readObject(body), MIN_QUEUED_ROWS);
        } catch (BadRequestException refused) {
            assertClean(refused);
        }
    }

    private static void assertClean(BadRequestException refused) {
        String reason = refused.getMessage();
        assertFalse(reason == null || reason.isBlank(), "a 400 without a reason");
        assertTrue(reason.length() <= MAX_REASON, () -> "a reason of " + reason.length() + " characters");
        assertTrue(reason.chars().noneMatch(Character::isISOControl), () -> "a control character in: " + reason);
    }
}
