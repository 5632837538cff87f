package adsml.platform.featurelog;

import static adsml.platform.featurelog.LogFixtures.SCHEMA;
import static adsml.platform.featurelog.LogFixtures.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import adsml.platform.testing.FakeClock;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Reads the log's files with a Parquet reader that is neither adsml nor parquet-java: hyparquet, a pure-JavaScript
 * reader from npm, run under node. Without node or npm (or the registry) the test is skipped, unless {@code CI=true}.
 */
class IndependentReaderTest {
    private static final String HYPARQUET = "hyparquet";
    private static final String HYPARQUET_VERSION = "1.33.0";
    private static final Path READER_DIR = Path.of("target", "parquet-reader");
    private static final Path SCRIPT = READER_DIR.resolve("read-parquet.mjs");
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @TempDir
    Path root;

    /** Why the reader cannot run here, or null when it can. */
    private static String unavailable;

    @BeforeAll
    static void installReader() throws IOException, InterruptedException {
        unavailable = install();
        if (unavailable != null && "true".equals(System.getenv("CI"))) {
            fail("the independent Parquet reader cannot run: " + unavailable);
        }
    }

    @BeforeEach
    void requireReader() {
        Assumptions.assumeTrue(
                unavailable == null,
                () -> "the independent Parquet reader cannot run: " + unavailable
                        + "; skipped (CI=true makes this a failure)");
    }

    private static String install() throws IOException, InterruptedException {
        String missing = missingTool("node", "--version");
        if (missing != null) {
            return missing;
        }
        Path installed = READER_DIR.resolve("node_modules").resolve(HYPARQUET).resolve("package.json");
        if (!Files.exists(installed)
                || !Files.readString(installed).contains("\"version\": \"" + HYPARQUET_VERSION + "\"")) {
            missing = missingTool("npm", "--version");
            if (missing != null) {
                return missing;
            }
            Files.createDirectories(READER_DIR);
            Run npm = run(
                    Duration.ofMinutes(3),
                    "npm",
                    "install",
                    "--no-audit",
                    "--no-fund",
                    "--prefix",
                    READER_DIR.toString(),
                    HYPARQUET + "@" + HYPARQUET_VERSION);
            if (npm.exit != 0) {
                return "npm install " + HYPARQUET + "@" + HYPARQUET_VERSION + " failed: " + npm.stderr;
            }
        }
        try (InputStream script = IndependentReaderTest.class.getResourceAsStream("read-parquet.mjs")) {
            Files.copy(script, SCRIPT, StandardCopyOption.REPLACE_EXISTING);
        }
        return null;
    }

    @Test
    void hyparquet_readsTheServedColumnsRowsAndValues() throws Exception {
        ServedRows written = ServedRowsReaderTest.edgeRows();
        try (FeatureLogWriter log = new FeatureLogWriter(
                root, SCHEMA, new FeatureLogSettings(Duration.ofSeconds(15), 64 << 20, 8), new FakeClock(T0))) {
            log.append(written);
        }
        Path file = root.resolve(SCHEMA.name())
                .resolve(names(root.resolve(SCHEMA.name()), "served-").get(0));

        JsonNode read = read(file);

        assertEquals(servedColumns(), strings(read.get("columns")));
        assertEquals(written.rows(), read.get("rowCount").asInt());
        for (JsonNode codec : read.get("codecs")) {
            assertEquals("SNAPPY", codec.asText());
        }
        for (int r = 0; r < written.rows(); r++) {
            JsonNode row = read.get("rows").get(r);
            String at = "row " + r + ": " + row;
            assertEquals(written.requestId(r), row.get(0).asText(), at);
            assertEquals(written.userId(r), row.get(1).asText(), at);
            assertEquals(written.adId(r), row.get(2).asInt(), at);
            assertEquals(written.position(r), row.get(3).asInt(), at);
            assertEquals(written.modelVersion(r), row.get(4).asText(), at);
            assertEquals(Long.toString(written.servedAtMs(r)), row.get(5).asText(), at);
            AuctionFacts facts = written.auction(r);
            assertEquals(facts.wholeRequest(), row.get(8).asBoolean(), at);
            assertEquals(facts.campaign(), row.get(9).asInt(), at);
            assertEquals(facts.propensity(), row.get(19).asDouble(), at);
            int first = ServedColumns.FIRST_SPARSE;
            for (int s = 0; s < SCHEMA.sparseSlots(); s++) {
                assertEquals(written.sparse(r, s), row.get(first + s).asInt(), at);
            }
            for (int d = 0; d < SCHEMA.denseDims(); d++) {
                assertEquals(
                        Integer.toUnsignedLong(Float.floatToRawIntBits(written.dense(r, d))),
                        row.get(first + SCHEMA.sparseSlots() + d).asLong(),
                        at + " dense " + d);
            }
        }
    }

    @Test
    void hyparquet_readsTheExampleLabels() throws Exception {
        FakeClock clock = new FakeClock(T0);
        ServedRows written = new ServedRows(SCHEMA, 4);
        int[] ads = {10, 11, 12, 99};
        for (int r = 0; r < ads.length; r++) {
            int position = ads[r] == 99 ? ServedRows.NOT_SHOWN : r;
            written.add(
                    "req-1",
                    "u1",
                    ads[r],
                    position,
                    "v1",
                    T0.toEpochMilli(),
                    AuctionFacts.UNKNOWN,
                    new int[2],
                    0,
                    new float[3],
                    0);
        }
        try (FeatureLogWriter log = new FeatureLogWriter(
                root, SCHEMA, new FeatureLogSettings(Duration.ofSeconds(15), 64 << 20, 8), clock)) {
            log.append(written);
        }
        clock.advance(Duration.ofMinutes(2));
        new ExampleJoin(root, SCHEMA, Duration.ofMinutes(1), clock)
                .run((from, to) -> List.of(
                        new LabelEvent(LabelEvent.Type.CLICK, "req-1", 11, T0.toEpochMilli() + 1000),
                        new LabelEvent(LabelEvent.Type.CONVERSION, "req-1", 12, T0.toEpochMilli() + 2000)));
        Path file = root.resolve(SCHEMA.name())
                .resolve(names(root.resolve(SCHEMA.name()), "examples-").get(0));

        JsonNode read = read(file);

        List<String> columns = new ArrayList<>(servedColumns());
        columns.addAll(List.of("shown", "click", "conversion"));
        assertEquals(columns, strings(read.get("columns")));
        int shown = columns.indexOf("shown");
        List<String> labels = new ArrayList<>();
        for (JsonNode row : read.get("rows")) {
            labels.add(row.get(2).asInt() + ":" + row.get(shown).asBoolean() + ","
                    + row.get(shown + 1).asBoolean() + "," + row.get(shown + 2).asBoolean());
        }
        assertEquals(
                List.of("10:true,false,false", "11:true,true,false", "12:true,false,true", "99:false,false,false"),
                labels);
    }

    private static List<String> servedColumns() {
        List<String> columns = new ArrayList<>(List.of(
                "request_id",
                "user_key",
                "ad",
                "served_position",
                "model_version",
                "served_at_ms",
                "auction_surface",
                "auction_slots",
                "auction_whole_request",
                "auction_campaign",
                "auction_advertiser",
                "auction_bid",
                "auction_bid_type",
                "auction_sat_out",
                "auction_budget_left",
                "auction_ad_shown_today",
                "auction_campaign_shown_today",
                "auction_score_ctr",
                "auction_score_cvr",
                "auction_propensity",
                "auction_price_bid",
                "auction_price_ecpm"));
        SCHEMA.slots().forEach(slot -> columns.add(slot.name()));
        columns.addAll(SCHEMA.dense());
        return columns;
    }

    private static List<String> strings(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    private static JsonNode read(Path file) throws IOException, InterruptedException {
        Run node = run(Duration.ofMinutes(1), "node", SCRIPT.toString(), file.toString());
        if (node.exit != 0) {
            fail("node " + SCRIPT + " " + file + " exited " + node.exit + ": " + node.stderr);
        }
        return new ObjectMapper().readTree(node.stdout);
    }

    /** Null when {@code tool} runs, else why not. */
    private static String missingTool(String tool, String versionFlag) throws InterruptedException {
        try {
            Run version = run(Duration.ofSeconds(30), tool, versionFlag);
            return version.exit == 0
                    ? null
                    : tool + " " + versionFlag + " exited " + version.exit + ": " + version.stderr;
        } catch (IOException e) {
            return tool + " is not installed (" + e.getMessage() + ")";
        }
    }

    private record Run(int exit, String stdout, String stderr) {}

    private static Run run(Duration timeout, String... command) throws IOException, InterruptedException {
        Path err = Files.createTempFile("independent-reader", ".err");
        try {
            Process process =
                    new ProcessBuilder(command).redirectError(err.toFile()).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.destroyForcibly();
                fail(String.join(" ", command) + " ran past " + timeout);
            }
            return new Run(process.exitValue(), new String(out, StandardCharsets.UTF_8), Files.readString(err));
        } finally {
            Files.deleteIfExists(err);
        }
    }
}
