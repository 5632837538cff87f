package adsml.cli;

import adsml.platform.features.FeatureSets;
import adsml.platform.funnel.LightRanker;
import adsml.platform.model.InvalidModelException;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.offline.bench.FunnelBench;
import adsml.platform.world.World;
import adsml.platform.world.WorldFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * {@code adsml bench funnel --data DIR}: what each funnel width earns against the oracle on the data folder's world
 * ({@link FunnelBench}), with the newest versions of {@code models/ctr} (heavy) and {@code models/light} unless named.
 */
final class FunnelBenchCommand {
    private FunnelBenchCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws IOException {
        Args args = Args.parse(
                "bench funnel",
                argv,
                Set.of("data", "requests", "slots", "heavy-width", "widths", "heavy", "light", "seed"),
                Set.of("json"));
        Path data = Path.of(args.string("data", "adsml-data"));
        Path models = data.resolve("models");
        FunnelBench.Config config;
        try {
            config = new FunnelBench.Config(
                    args.integer("requests", 2000),
                    args.integer("slots", 3),
                    args.integer("heavy-width", 1000),
                    widths(args.string("widths", "1000,10000,100000")),
                    args.longValue("seed", 7));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("bench funnel: " + e.getMessage());
        }
        Path worldDir = data.resolve("world");
        if (!Files.exists(worldDir.resolve(WorldFiles.WORLD_JSON))) {
            throw new Args.UsageException("bench funnel: no world in " + worldDir + " (run 'adsml demo' first)");
        }
        World world = WorldFiles.read(worldDir);
        FeatureSets sets = FeatureSets.builtInAnd(data.resolve("features"));
        Model heavy;
        LightRanker.Version light;
        try {
            heavy = ModelFolder.load(version(models, args.string("heavy", "ctr")));
            light = LightRanker.load(version(models, args.string("light", "light")), sets);
        } catch (InvalidModelException e) {
            throw new Args.UsageException("bench funnel: " + e.getMessage());
        }
        err.println("bench funnel: " + config.requests() + " requests on "
                + world.ads().size() + " ads, heavy " + heavy.spec().name() + "/"
                + heavy.spec().version() + ", light " + light.id());
        FunnelBench.Report report = FunnelBench.run(world, heavy, light, sets, config);
        out.print(args.flag("json") ? json(report) : table(report));
        return 0;
    }

    /** {@code name} (its newest version) or {@code name/version}, under {@code models}. */
    private static Path version(Path models, String named) throws IOException {
        if (named.contains("/")) {
            return models.resolve(named);
        }
        int newest = ModelFolder.highestVersion(models.resolve(named));
        if (newest == 0) {
            throw new Args.UsageException("bench funnel: no version in " + models.resolve(named) + " (train one: "
                    + "adsml train --world <data>/world --out " + models.resolve(named)
                    + (named.equals("light") ? " --arch lr --features light-v1)" : ")"));
        }
        return models.resolve(named).resolve(Integer.toString(newest));
    }

    private static List<Integer> widths(String list) {
        try {
            return Arrays.stream(list.split(","))
                    .map(String::trim)
                    .map(Integer::valueOf)
                    .toList();
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("--widths: numbers separated by commas, was '" + list + "'");
        }
    }

    static String json(FunnelBench.Report r) throws IOException {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("ads", r.ads())
                .put("requests", r.requests())
                .put("slots", r.slots())
                .put("heavy", r.heavyVersion())
                .put("light", r.lightVersion())
                .put("oracle_rpm", r.oracleRpm())
                .put("oracle_ctr", r.oracleCtr());
        ArrayNode rows = root.putArray("funnels");
        for (FunnelBench.Row row : r.rows()) {
            rows.addObject()
                    .put("retrieved", row.retrieved())
                    .put("scored", row.scored())
                    .put("rpm", row.rpm())
                    .put("of_oracle", row.ofOracle())
                    .put("ctr", row.ctr())
                    .put("retrieval_ms", row.retrievalMs())
                    .put("light_ms", row.lightMs())
                    .put("heavy_ms", row.heavyMs())
                    .put("total_ms", row.totalMs())
                    .put("total_p99_ms", row.totalP99Ms());
        }
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    static String table(FunnelBench.Report r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                "%,d ads, %,d requests, %d slots; heavy %s, light %s%n",
                r.ads(), r.requests(), r.slots(), r.heavyVersion(), r.lightVersion()));
        s.append(String.format(
                "%-22s %9s %9s %7s %11s %9s %9s %9s %9s%n",
                "funnel", "RPM", "of oracle", "CTR", "retrieve ms", "light ms", "heavy ms", "total ms", "p99 ms"));
        for (FunnelBench.Row row : r.rows()) {
            String funnel = row.retrieved() == row.scored()
                    ? String.format("%,d, all scored", row.retrieved())
                    : String.format("%,d -> light -> %,d", row.retrieved(), row.scored());
            s.append(String.format(
                    "%-22s %9.2f %9.3f %6.2f%% %11.2f %9.2f %9.2f %9.2f %9.2f%n",
                    funnel,
                    row.rpm(),
                    row.ofOracle(),
                    100 * row.ctr(),
                    row.retrievalMs(),
                    row.lightMs(),
                    row.heavyMs(),
                    row.totalMs(),
                    row.totalP99Ms()));
        }
        s.append(String.format(
                "%-22s %9.2f %9.3f %6.2f%%%n", "oracle, every ad", r.oracleRpm(), 1.0, 100 * r.oracleCtr()));
        return s.toString();
    }
}
