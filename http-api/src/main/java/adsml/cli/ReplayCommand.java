package adsml.cli;

import adsml.platform.auction.AuctionSettings;
import adsml.platform.features.FeatureSchema;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.replay.CandidateScores;
import adsml.platform.replay.FeatureLogReplay;
import adsml.platform.replay.OffPolicyEstimator;
import adsml.platform.replay.ReplayEstimate;
import adsml.platform.scoring.CpuScorers;
import adsml.platform.scoring.Scorer;
import adsml.platform.world.WorldFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code adsml replay}: what a model version would have earned on the requests the feature log holds whole, by the
 * off-policy estimators of {@link OffPolicyEstimator}, beside what the serving policy earned on them.
 */
final class ReplayCommand {
    /** Doubly robust corrects the slots the model agrees on with the serving policy; see OffPolicyEstimator. */
    static final double MAX_WEIGHT = 20;

    private ReplayCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse("replay", argv, Set.of("data", "candidate", "baseline", "config"), Set.of("json"));
        Path data = Path.of(args.string("data", "adsml-data"));
        String candidate = args.required("candidate");
        String baseline = args.string("baseline", "logged");
        Model model = ModelFolder.load(version(data, candidate));
        if (!baseline.equals("logged")) {
            ModelFolder.load(version(data, baseline)); // it must exist; its rows are the log's
        }
        Config config = ServeCommand.config(args);
        AuctionSettings settings = AuctionSettings.from(config);
        FeatureSchema schema = model.spec().schema();
        FeatureLogReplay log = FeatureLogReplay.of(
                data.resolve("feature-log"),
                schema,
                settings.billing(),
                Long.MIN_VALUE,
                Long.MAX_VALUE,
                baseline.equals("logged") ? null : baseline);
        err.printf(
                "replaying %s on the whole requests of %s%n",
                candidate, data.resolve("feature-log").resolve(schema.name()));
        OffPolicyEstimator estimator = OffPolicyEstimator.of(
                settings, WorldFiles.read(data.resolve("world")).campaigns(), MAX_WEIGHT);
        ReplayEstimate estimate;
        try (Scorer scorer = CpuScorers.of(model)) {
            estimate = estimator.estimate(log, CandidateScores.of(scorer));
        } catch (UncheckedIOException e) {
            throw e.getCause();
        }
        out.print(args.flag("json") ? json(candidate, baseline, estimate) : table(candidate, baseline, estimate));
        return 0;
    }

    /** The folder of {@code name/version} under the data folder's models, or a usage error naming it. */
    private static Path version(Path data, String id) {
        String[] parts = id.split("/", -1);
        if (parts.length != 2 || !parts[0].matches("[A-Za-z0-9_.-]+") || !parts[1].matches("[0-9]+")) {
            throw new Args.UsageException("replay: a version is NAME/VERSION, e.g. ctr/2, was '" + id + "'");
        }
        Path dir = data.resolve("models").resolve(parts[0]).resolve(parts[1]);
        if (!Files.isDirectory(dir)) {
            throw new Args.UsageException("replay: no version " + id + " in " + data.resolve("models"));
        }
        return dir;
    }

    static String json(String candidate, String baseline, ReplayEstimate e) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        root.put("candidate", candidate).put("baseline", baseline).put("requests", e.requests());
        ObjectNode estimators = root.putObject("estimators");
        put(estimators, "ips", e.ips());
        put(estimators, "snips", e.snips());
        put(estimators, "dr", e.dr());
        put(estimators, "dm", e.dm());
        root.putObject("baseline_logged").put("rpm", e.loggedRpm()).put("ctr", e.loggedCtr());
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    private static void put(ObjectNode estimators, String name, ReplayEstimate.Estimate e) {
        ObjectNode o = estimators.putObject(name);
        o.put("rpm", e.rpm());
        o.putArray("rpm_ci").add(e.rpmLow()).add(e.rpmHigh());
        o.put("ctr", e.ctr());
        o.putArray("ctr_ci").add(e.ctrLow()).add(e.ctrHigh());
        o.put("ess", e.ess());
    }

    static String table(String candidate, String baseline, ReplayEstimate e) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                "%s on %,d requests logged whole (baseline: %s, which earned RPM %.2f at CTR %.3f%%)%n%n",
                candidate, e.requests(), baseline, e.loggedRpm(), 100 * e.loggedCtr()));
        s.append(String.format(
                "%-6s %9s %22s %8s %20s %10s%n", "", "RPM ($)", "95% interval", "CTR", "95% interval", "ESS"));
        row(s, "dr", e.dr());
        row(s, "snips", e.snips());
        row(s, "ips", e.ips());
        row(s, "dm", e.dm());
        return s.toString();
    }

    private static void row(StringBuilder s, String name, ReplayEstimate.Estimate e) {
        s.append(String.format(
                "%-6s %9.2f %10.2f - %9.2f %7.3f%% %8.3f%% - %7.3f%% %10.0f%n",
                name, e.rpm(), e.rpmLow(), e.rpmHigh(), 100 * e.ctr(), 100 * e.ctrLow(), 100 * e.ctrHigh(), e.ess()));
    }
}
