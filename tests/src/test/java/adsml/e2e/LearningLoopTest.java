package adsml.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.simulate.LearningLoop;
import adsml.simulate.Simulation;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adsml demo --loop} on the tiny test world, four simulated hours: the served log trains a version, warm, off
 * the request path; it serves a canary; replay judges it on the control group's whole requests; the report has what the
 * issue asks of it, and the rounds decided.
 */
class LearningLoopTest {
    @TempDir
    Path data;

    @Test
    void aRound_trainsCanariesReplaysAndDecides() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        Config config = ConfigFactory.parseMap(Map.of("adsml.server.warm-up-requests", 50))
                .withFallback(ConfigFactory.load());
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        // A round every hour on the last hour, judged on 100 requests a side, no bar on the sample: one round at least.
        LearningLoop.Settings loop = new LearningLoop.Settings(true, 1, 1, 0.5, 100, 0.5, 0, 0.2);
        JsonNode report = LearningLoop.run(
                data,
                config,
                new Simulation.Settings(4, 2000, 100, 3, 4, 1.0, false, 2, 9),
                loop,
                new PrintStream(progress, true, StandardCharsets.UTF_8));
        String log = progress.toString(StandardCharsets.UTF_8);

        assertEquals(4, report.path("hourly").size(), report::toString);
        for (JsonNode h : report.path("hourly")) {
            // Revenue may be 0 for an hour here: the tiny world's random-weight version favours CPA campaigns, which
            // pay per conversion, a few a day at this traffic.
            assertTrue(h.path("rpm").asDouble() >= 0 && h.path("oracle_rpm").asDouble() > 0, () -> report + "\n" + log);
            assertFalse(h.path("version").asText().isEmpty(), h::toString);
            // The served ads' predicted click rate over the truth's: a ratio of two positive sums.
            double calibration = h.path("served_calibration").asDouble();
            assertTrue(calibration > 0 && Double.isFinite(calibration), h::toString);
        }
        assertTrue(report.path("rounds").size() >= 1, () -> "no round decided: " + log);
        for (JsonNode r : report.path("rounds")) {
            assertTrue(r.path("version").asText().startsWith("ctr/"), r::toString);
            assertTrue(Double.isFinite(r.path("estimated_rpm").asDouble()), r::toString);
            assertTrue(r.path("canary_requests").asInt() > 0, () -> "the canary served: " + r);
            assertTrue(r.path("realized_rpm").asDouble() >= 0, r::toString);
            assertTrue(r.has("promoted"), r::toString);
        }
        assertTrue(log.contains("on a canary"), log);
        assertTrue(log.contains("(clicks calibrated per ad_category)"), () -> "each version sliced: " + log);
    }
}
