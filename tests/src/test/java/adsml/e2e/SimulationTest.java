package adsml.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.simulate.Simulation;
import com.fasterxml.jackson.databind.JsonNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adsml simulate} on the tiny test world: three simulated hours through a real server, its auctions capped,
 * diversified and paced on the simulated clock, and the data folder left as it was.
 */
class SimulationTest {
    @TempDir
    static Path data;

    @BeforeAll
    static void world() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
    }

    private static JsonNode simulate(Map<String, Object> settings, int requests) throws Exception {
        Config config = ConfigFactory.parseMap(Map.of("adsml.server.warm-up-requests", 50))
                .withFallback(ConfigFactory.parseMap(settings))
                .withFallback(ConfigFactory.load());
        ByteArrayOutputStream progress = new ByteArrayOutputStream();
        JsonNode day = Simulation.run(
                data,
                config,
                new Simulation.Settings(3, requests, 30, 3, 4, 0.002, true, 2, 5),
                new PrintStream(progress, true, StandardCharsets.UTF_8));
        assertTrue(progress.toString(StandardCharsets.UTF_8).contains("02:00"), "progress names each hour");
        return day;
    }

    @Test
    void aDayThroughTheServingPath_capsDiversityAndBudgetsHold() throws Exception {
        List<Path> before = files();
        JsonNode day = simulate(Map.of("adsml.platform.auction.frequency-cap.campaign-per-day", 2), 450);

        assertEquals(450, day.get("requests").asInt(), 2.0, day::toString);
        assertTrue(
                day.get("answered").asInt() >= 0.98 * day.get("requests").asInt(),
                "answered within the deadline, bar a few on a busy machine: " + day);
        assertTrue(
                day.get("impressions").asInt() >= 0.95 * 3 * day.get("answered").asInt(),
                "three slots filled, bar a few whose campaigns were held or spent: " + day);
        assertEquals(3, day.get("hourly").size());
        assertEquals(0, day.get("frequency_cap_violations").asInt(), day::toString);
        assertEquals(2, day.get("max_user_campaign_impressions").asInt(), "15 requests a user reach the cap of 2");
        assertEquals(0, day.get("same_advertiser_pairs").asInt(), day::toString);
        assertTrue(day.get("max_overspend_pct").asDouble() <= 1.0, day::toString);
        assertTrue(day.get("paced_campaigns").asInt() > 0, "budgets this small are paced: " + day);
        double ctr = day.get("ctr").asDouble();
        assertTrue(ctr > 0 && ctr < 0.2, "a click-through rate, not a click per ad: " + ctr);
        assertTrue(day.get("revenue").asDouble() > 0 && day.get("oracle_rpm").asDouble() > 0, day::toString);
        assertEquals(before, files(), "the data folder is not written");
    }

    @Test
    void withoutCapsAndDiversity_theSameUsersSeeRepeatsAndPairs() throws Exception {
        JsonNode day = simulate(
                Map.of(
                        "adsml.platform.auction.frequency-cap.campaign-per-day", 0,
                        "adsml.platform.auction.frequency-cap.ad-per-day", 0,
                        "adsml.platform.auction.diversity.per", "none"),
                300);
        assertTrue(day.get("max_user_campaign_impressions").asInt() > 2, "uncapped, favourites recur: " + day);
        assertEquals(0, day.get("frequency_cap_violations").asInt(), "no cap, nothing to violate");
    }

    private static List<Path> files() throws Exception {
        try (Stream<Path> all = Files.walk(data)) {
            return all.sorted().toList();
        }
    }
}
