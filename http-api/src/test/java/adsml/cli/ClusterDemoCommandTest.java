package adsml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code adsml cluster-demo} as the acceptance bar runs it, shorter and at 40 rank requests/s (CI's 2 cores also run
 * this JVM's build): three nodes as processes on loopback, one killed with SIGKILL under load, a rollout and an ad
 * change while it is down, its restart; no failed request on the survivors, one version switched everywhere, the ad on
 * every live node within a second, no campaign charged past its budget by more than 1%, the node back with the
 * cluster's version and the write it missed.
 */
class ClusterDemoCommandTest {
    @TempDir
    Path dir;

    @Test
    void threeNodes_surviveAKillARolloutAndARestart() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = ClusterDemoCommand.run(
                List.of(
                        "--nodes",
                        "3",
                        "--qps",
                        "40",
                        "--duration",
                        "30s",
                        "--kill-one",
                        "--json",
                        "--dir",
                        dir.resolve("demo").toString()),
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        String report = out.toString(StandardCharsets.UTF_8);
        JsonNode r = new ObjectMapper().readTree(report);
        String why = report + "\n" + err.toString(StandardCharsets.UTF_8);
        assertEquals(3, r.path("nodes").asInt(), why);
        assertTrue(r.path("requests").asLong() > 400, why);
        assertEquals(0, r.path("non2xx_on_survivors").asLong(), why);
        assertTrue(r.path("swap_consistent").asBoolean(), why);
        long visible = r.path("ad_update_visible_ms").asLong();
        assertTrue(visible >= 0 && visible <= 1000, why);
        assertTrue(r.path("max_overspend_pct").asDouble() <= 1.0, why);
        assertTrue(r.path("rejoined").asBoolean(), why);
        assertTrue(
                r.path("detail").path("exhaustedCampaigns").asInt() > 0
                        || r.path("detail").path("maxSpentShare").asDouble() > 0.5,
                "budgets were not put to the test: " + why);
        assertEquals(0, code, why);
    }

    @Test
    void badArguments_areRefusedByName() throws Exception {
        PrintStream quiet = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);
        Args.UsageException one = assertThrows(
                Args.UsageException.class, () -> ClusterDemoCommand.run(List.of("--nodes", "1"), quiet, quiet));
        assertTrue(one.getMessage().contains("nodes must be >= 2"), one.getMessage());
        Args.UsageException brief = assertThrows(
                Args.UsageException.class, () -> ClusterDemoCommand.run(List.of("--duration", "5s"), quiet, quiet));
        assertTrue(brief.getMessage().contains("duration"), brief.getMessage());
        Files.writeString(dir.resolve("kept"), "x");
        Args.UsageException pair = assertThrows(
                Args.UsageException.class,
                () -> ClusterDemoCommand.run(List.of("--nodes", "2", "--kill-one"), quiet, quiet));
        assertTrue(pair.getMessage().contains("at least 3 nodes"), pair.getMessage());
        Args.UsageException layout = assertThrows(
                Args.UsageException.class, () -> ClusterDemoCommand.run(List.of("--layout", "sharded"), quiet, quiet));
        assertTrue(layout.getMessage().contains("--layout must be grouped or flat"), layout.getMessage());
        Args.UsageException ads = assertThrows(
                Args.UsageException.class, () -> ClusterDemoCommand.run(List.of("--ads", "50"), quiet, quiet));
        assertTrue(ads.getMessage().contains("--ads must be within [1000, 1000000]"), ads.getMessage());
        Args.UsageException full = assertThrows(
                Args.UsageException.class,
                () -> ClusterDemoCommand.run(List.of("--dir", dir.toString()), quiet, quiet));
        assertTrue(full.getMessage().contains("must be empty"), full.getMessage());
    }
}
