package adsml.cli;

import static adsml.cli.CommandRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.load.RankServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code adsml load} as a user meets it: its output formats and exit codes. */
class LoadCommandTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void json_parsesAndHasEveryKey() throws Exception {
        try (RankServer server = RankServer.concurrent(Duration.ofMillis(2), 5)) {
            CommandRun r = run(
                    "load",
                    "--url",
                    server.url().toString(),
                    "--clients",
                    "2",
                    "--duration",
                    "1s",
                    "--warmup",
                    "0s",
                    "--json");
            assertEquals(0, r.code(), r.err());

            JsonNode report = JSON.readTree(r.out());
            for (String key : List.of(
                    "requests",
                    "qps",
                    "p50_ms",
                    "p90_ms",
                    "p99_ms",
                    "max_ms",
                    "status",
                    "errors",
                    "p999_ms",
                    "dropped",
                    "duration_s")) {
                assertTrue(report.has(key), key + " missing from " + r.out());
            }
            long answered = report.get("status").get("200").asLong()
                    + report.get("status").get("503").asLong();
            assertEquals(
                    report.get("requests").asLong(),
                    answered + report.get("errors").asLong(),
                    r.out());
            assertTrue(report.get("requests").asLong() > 50, r.out());
            assertTrue(report.get("p99_ms").asDouble() >= report.get("p50_ms").asDouble(), r.out());
        }
    }

    @Test
    void table_showsRatePercentilesAndStatuses() throws Exception {
        try (RankServer server = RankServer.concurrent(Duration.ofMillis(2), 0)) {
            CommandRun r =
                    run("load", "--url", server.url().toString(), "--qps", "50", "--duration", "1s", "--warmup", "0ms");
            assertEquals(0, r.code(), r.err());
            for (String label : List.of(
                    "requests",
                    "qps",
                    "p50 ms",
                    "p90 ms",
                    "p99 ms",
                    "p99.9 ms",
                    "max ms",
                    "status 200",
                    "errors",
                    "dropped",
                    "open loop at 50 qps")) {
                assertTrue(r.out().contains(label), label + " missing from\n" + r.out());
            }
        }
    }

    @Test
    void nothingListening_exits1WithOneLineNamingTheUrl() throws Exception {
        URI url = RankServer.nothingListening();
        CommandRun r = run("load", "--url", url.toString(), "--duration", "1s");
        assertEquals(1, r.code(), r.err());
        assertTrue(
                r.err().contains("adsml: load: nothing answers at " + url + "/v1/rank (connection refused)\n"),
                r.err());
        assertTrue(!r.err().contains("\tat "), r.err());
        assertEquals("", r.out());
    }

    @Test
    void badOptions_exit2NamingTheOption() {
        String[][] cases = {
            {"--duration", "1s"},
            {"--url", "http://127.0.0.1:1", "--clients", "0"},
            {"--url", "http://127.0.0.1:1", "--qps", "-5"},
            {"--url", "http://127.0.0.1:1", "--qps", "lots"},
            {"--url", "http://127.0.0.1:1", "--duration", "5x"},
            {"--url", "http://127.0.0.1:1", "--warmup", "-1s"},
            {"--url", "ftp://127.0.0.1:1"},
            {"--url", "http://127.0.0.1:1", "--bogus", "1"},
        };
        String[] named = {"--url", "--clients", "--qps", "--qps", "--duration", "--warmup", "--url", "--bogus"};
        for (int i = 0; i < cases.length; i++) {
            String[] args = new String[cases[i].length + 1];
            args[0] = "load";
            System.arraycopy(cases[i], 0, args, 1, cases[i].length);
            CommandRun r = run(args);
            assertEquals(2, r.code(), String.join(" ", args) + "\n" + r.err());
            assertTrue(
                    r.err().startsWith("adsml load: ") && r.err().contains(named[i]),
                    String.join(" ", args) + "\n" + r.err());
            assertTrue(!r.err().contains("\tat "), r.err());
        }
    }
}
