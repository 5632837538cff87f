package adsml.cli;

import static adsml.cli.CommandRun.run;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The command line as a user meets it: exit codes, and one clear line for every bad input. */
class MainTest {
    @TempDir
    static Path shared;

    @TempDir
    Path dir;

    private static Path world;
    private static Path version;

    @BeforeAll
    static void tinyWorldAndModel() {
        world = shared.resolve("world");
        CommandRun w = run(
                "world",
                "--out",
                world.toString(),
                "--seed",
                "3",
                "--ads",
                "2000",
                "--users",
                "500",
                "--train",
                "20000",
                "--heldout",
                "5000");
        assertEquals(0, w.code(), w.err());
        CommandRun t = run(
                "train",
                "--world",
                world.toString(),
                "--out",
                shared.resolve("models/ctr").toString(),
                "--arch",
                "lr");
        assertEquals(0, t.code(), t.err());
        version = shared.resolve("models/ctr/1");
    }

    @Test
    void world_isDeterministic() throws IOException {
        Path again = dir.resolve("again");
        assertEquals(
                0,
                run(
                                "world",
                                "--out",
                                again.toString(),
                                "--seed",
                                "3",
                                "--ads",
                                "2000",
                                "--users",
                                "500",
                                "--train",
                                "20000",
                                "--heldout",
                                "5000")
                        .code());
        for (String file : List.of("world.json", "ads.csv", "users.csv", "campaigns.csv", "train.csv", "heldout.csv")) {
            assertEquals(Files.readString(world.resolve(file)), Files.readString(again.resolve(file)), file);
        }
    }

    @Test
    void help_afterACommand_printsTheUsage() {
        CommandRun r = run("load", "--help");
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("usage: adsml <command>"), r.out());
    }

    @Test
    void features_printsASetsColumnLayout_forAModelBuiltOutsideAdsml() throws Exception {
        CommandRun table = run("features", "--set", "demo-v2");
        assertEquals(0, table.code(), table.err());
        assertTrue(table.out().contains("ad_clicks_5m_log"), table.out());
        assertTrue(table.out().contains("embedding table:"), table.out());
        CommandRun json = run("features", "--set", "demo-v2", "--json");
        assertEquals(0, json.code(), json.err());
        var layout = new com.fasterxml.jackson.databind.ObjectMapper().readTree(json.out());
        assertEquals("demo-v2", layout.path("id").asText());
        assertEquals(32768, layout.path("sparse").get(1).path("offset").asInt(), "user_country after user_id's rows");
        assertEquals(20, layout.path("sparse").size());
        assertEquals(46, layout.path("dense").size(), "16 static and 30 real-time columns");
        run("features", "--set", "nope-v1").assertCleanFailure(2, "features: --set nope-v1 is neither a built-in set");
    }

    @Test
    void world_refusesToOverwrite() throws IOException {
        String before = Files.readString(world.resolve("ads.csv"));
        run("world", "--out", world.toString(), "--seed", "4", "--ads", "100").assertCleanFailure(1, world.toString());
        assertEquals(before, Files.readString(world.resolve("ads.csv")));
    }

    @Test
    void eval_json_hasEveryModelAndPolicy() {
        CommandRun r =
                run("eval", "--world", world.toString(), "--model", version.toString(), "--json", "--requests", "200");
        assertEquals(0, r.code(), r.err());
        for (String key : List.of(
                "\"constant\"",
                "\"lr\"",
                "\"dcn\"",
                "\"oracle\"",
                "\"random\"",
                "\"bid_only\"",
                "\"auc\"",
                "\"logloss\"",
                "\"ece\"",
                "\"pred_over_obs\"",
                "\"ctr\"",
                "\"rpm\"")) {
            assertTrue(r.out().contains(key), key + " missing from\n" + r.out());
        }
    }

    @Test
    void train_writesANewVersion_neverOverwrites() throws IOException {
        Path models = dir.resolve("models/ctr");
        assertEquals(
                0,
                run("train", "--world", world.toString(), "--out", models.toString(), "--arch", "lr")
                        .code());
        byte[] first = Files.readAllBytes(models.resolve("1/weights.safetensors"));
        assertEquals(
                0,
                run(
                                "train",
                                "--world",
                                world.toString(),
                                "--out",
                                models.toString(),
                                "--arch",
                                "lr",
                                "--lr",
                                "0.02",
                                "--calibration",
                                "isotonic")
                        .code());
        assertTrue(Files.readString(models.resolve("2/model.json")).contains("isotonic"));
        assertTrue(Files.isDirectory(models.resolve("2")));
        assertTrue(java.util.Arrays.equals(first, Files.readAllBytes(models.resolve("1/weights.safetensors"))));
    }

    /** Training is deterministic: a second version of the same data differs only by another --seed. */
    @Test
    void train_seed_givesAnotherVersionOtherWeights() throws IOException {
        Path models = dir.resolve("models/seeded");
        for (String seed : List.of("7", "8")) {
            CommandRun r = run(
                    "train", "--world", world.toString(), "--out", models.toString(), "--arch", "lr", "--seed", seed);
            assertEquals(0, r.code(), r.err());
        }
        assertFalse(java.util.Arrays.equals(
                Files.readAllBytes(models.resolve("1/weights.safetensors")),
                Files.readAllBytes(models.resolve("2/weights.safetensors"))));
        run("train", "--world", world.toString(), "--out", models.toString(), "--seed", "x")
                .assertCleanFailure(2, "--seed");
    }

    @Test
    void export_writesATorchScriptVersion_thatEvalScores() throws IOException {
        Path models = dir.resolve("models/ctr");
        assertEquals(
                0,
                run("train", "--world", world.toString(), "--out", models.toString(), "--epochs", "1")
                        .code());
        CommandRun export = run("export", "--model", models.resolve("1").toString());
        assertEquals(0, export.code(), export.err());
        assertTrue(Files.readString(models.resolve("2/model.json")).contains("\"torchscript\""));
        CommandRun eval = run(
                "eval",
                "--world",
                world.toString(),
                "--model",
                models.resolve("2").toString(),
                "--json",
                "--requests",
                "100");
        assertEquals(0, eval.code(), eval.err());
        assertTrue(eval.out().contains("\"dcn\""), eval.out());
        run("export", "--model", version.toString()).assertCleanFailure(2, "only DCN versions");
    }

    /** A bad option prints its reason and its command's usage, not every command's. */
    @Test
    void aUsageError_showsItsCommandsUsageOnly() {
        String world = Main.usageOf("world");
        assertTrue(world.startsWith("usage:\n  world  --out DIR"), world);
        assertTrue(world.contains("generate the demo world") && !world.contains("train a model"), world);
        String demo = Main.usageOf("demo");
        assertTrue(demo.contains("demo   [--data DIR]") && demo.contains("demo   --loop"), demo);
        assertTrue(!demo.contains("serve DIR"), demo);
        assertEquals(Main.USAGE, Main.usageOf("fly"));
    }

    @Test
    void usageErrors_exitWith2() {
        run().assertCleanFailure(2, "usage");
        run("fly").assertCleanFailure(2, "unknown command 'fly'");
        run("train", "--out", "x").assertCleanFailure(2, "give --world DIR or --from-log DIR");
        run("train", "--from-log", "nowhere", "--features", "nope-v9", "--out", "x")
                .assertCleanFailure(2, "--features nope-v9 is neither a built-in set");
        run("train", "--world", "w", "--out", "x", "--arch", "gbdt").assertCleanFailure(2, "--arch must be dcn or lr");
        run("world", "--out", "x", "--ads", "many").assertCleanFailure(2, "--ads must be an integer");
        run("world", "--out", "x", "--colour", "red").assertCleanFailure(2, "unknown option --colour");
        run("serve", "--data", "x", "--admin-token-file", "/nonexistent/admin.token")
                .assertCleanFailure(2, "--admin-token-file /nonexistent/admin.token is not a readable file");
        run("bench").assertCleanFailure(2, "bench retrieval");
        run("bench", "retrieval", "--dim", "8", "--latent", "9").assertCleanFailure(2, "need 1 <= latent <= dim");
        run("bench", "retrieval", "--compare", "faiss").assertCleanFailure(2, "--compare takes 'lucene'");
        run("bench", "retrieval", "--ads", "0").assertCleanFailure(2, "must be >= 1");
        run("bench", "retrieval", "--search-share", "2").assertCleanFailure(2, "search share must be in [0, 1]");
    }

    @Test
    void benchRetrieval_json_hasTheFiguresTheIssueNames() throws Exception {
        CommandRun r =
                run("bench", "retrieval", "--ads", "20000", "--dim", "32", "--queries", "60", "--k", "100", "--json");
        assertEquals(0, r.code(), r.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(r.out());
        for (String field : List.of(
                "ads",
                "dim",
                "index",
                "recall_at_100",
                "p50_ms",
                "p99_ms",
                "exact_p50_ms",
                "build_s",
                "bytes_per_ad",
                "update_visible_ms")) {
            assertTrue(json.has(field), field + " in " + r.out());
        }
        assertEquals(20000, json.get("ads").asInt());
        assertTrue(json.get("recall_at_100").asDouble() > 0.8, r.out());
    }

    @Test
    void serve_tokenFile_mustHoldOneLine() throws IOException {
        Path twoLines = Files.writeString(dir.resolve("ingest.token"), "first\nsecond\n");
        run("serve", "--data", "x", "--ingest-token-file", twoLines.toString())
                .assertCleanFailure(2, "must hold one line, the token");
    }

    @Test
    void eval_missingModelFolder_namesIt() {
        Path missing = dir.resolve("models/ctr/9");
        run("eval", "--world", world.toString(), "--model", missing.toString())
                .assertCleanFailure(1, missing.toString());
    }

    @Test
    void eval_corruptModelJson_namesFileAndField() throws IOException {
        Path copy = copyVersion();
        Path json = copy.resolve("model.json");
        Files.writeString(
                json, Files.readString(json).replace("\"architecture\" : \"lr\"", "\"architecture\" : \"gbdt\""));
        run("eval", "--world", world.toString(), "--model", copy.toString())
                .assertCleanFailure(1, "model.json", "architecture", "gbdt");
    }

    @Test
    void eval_truncatedWeights_namesFile() throws IOException {
        Path copy = copyVersion();
        Path weights = copy.resolve("weights.safetensors");
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length - 100));
        run("eval", "--world", world.toString(), "--model", copy.toString())
                .assertCleanFailure(1, "weights.safetensors");
    }

    @Test
    void train_truncatedLog_namesFileAndLine() throws IOException {
        Path broken = dir.resolve("broken");
        copyTree(world, broken);
        Path train = broken.resolve("train.csv");
        String text = Files.readString(train);
        Files.writeString(train, text.substring(0, text.length() - 25));
        run("train", "--world", broken.toString(), "--out", dir.resolve("m/ctr").toString())
                .assertCleanFailure(1, "train.csv");
        assertFalse(Files.exists(dir.resolve("m/ctr/1")), "a version was written from a broken log");
    }

    private Path copyVersion() throws IOException {
        Path copy = dir.resolve("models/ctr/1");
        copyTree(version, copy);
        return copy;
    }

    private static void copyTree(Path from, Path to) throws IOException {
        Files.createDirectories(to);
        try (var files = Files.list(from)) {
            for (Path f : files.toList()) {
                Files.copy(f, to.resolve(f.getFileName()));
            }
        }
    }
}
