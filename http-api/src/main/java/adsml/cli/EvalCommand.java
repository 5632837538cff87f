package adsml.cli;

import adsml.platform.counters.EmbeddedCounterStore;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureSets;
import adsml.platform.model.Architecture;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.offline.eval.Evaluator;
import adsml.platform.offline.train.Trainer;
import adsml.platform.offline.train.TrainingData;
import adsml.platform.world.World;
import adsml.platform.world.WorldFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code adsml eval}: the model under test next to the constant model, the oracle and the other architecture, which is
 * trained on the spot.
 */
final class EvalCommand {
    private EvalCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args =
                Args.parse("eval", argv, Set.of("world", "model", "requests", "candidates", "slots"), Set.of("json"));
        Evaluator.PolicySettings defaults = Evaluator.PolicySettings.defaults();
        Evaluator.PolicySettings settings;
        try {
            settings = new Evaluator.PolicySettings(
                    args.integer("requests", defaults.requests()),
                    args.integer("candidates", defaults.candidatesPerRequest()),
                    args.integer("slots", defaults.slots()),
                    defaults.seed());
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("eval: " + e.getMessage());
        }
        Model model = ModelFolder.load(Path.of(args.required("model")));
        World world = WorldFiles.read(Path.of(args.required("world")));
        Evaluator.Report report = evaluate(world, model, settings, err);
        out.print(args.flag("json") ? json(report) : table(report));
        return 0;
    }

    static Evaluator.Report evaluate(World world, Model model, Evaluator.PolicySettings settings, PrintStream err) {
        Map<String, Model> models = new LinkedHashMap<>();
        // An LR version is reported as "lr"; a DCN or a TorchScript export of one as "dcn".
        Architecture other = model.spec().architecture() == Architecture.LR ? Architecture.DCN : Architecture.LR;
        err.printf("training %s on the spot for comparison%n", other.jsonName());
        FeatureAssembly features =
                FeatureSets.builtIn().require(model.spec().schema().name());
        Model baseline = new Trainer(Trainer.Config.defaults(other), Trainer.Progress.NONE)
                .train(
                        TrainingData.forTraining(world, world.train(), features, TrainCommand.replay(features)),
                        "baseline");
        models.put("lr", other == Architecture.LR ? baseline : model);
        models.put("dcn", other == Architecture.DCN ? baseline : model);
        err.println("scoring held-out impressions and ranking policies");
        return Evaluator.evaluate(
                world, models, settings, FeatureSets.builtIn(), () -> new EmbeddedCounterStore(2_000_000));
    }

    static String json(Evaluator.Report report) throws Exception {
        ObjectMapper mapper = new ObjectMapper();
        ObjectNode root = mapper.createObjectNode();
        ObjectNode models = root.putObject("models");
        report.models()
                .forEach((name, m) -> models.putObject(name)
                        .put("auc", m.auc())
                        .put("logloss", m.logLoss())
                        .put("ece", m.ece())
                        .put("pred_over_obs", m.predOverObs()));
        ObjectNode policies = root.putObject("policies");
        report.policies()
                .forEach((name, p) ->
                        policies.putObject(name).put("ctr", p.ctr()).put("rpm", p.rpm()));
        root.putObject("setup")
                .put("heldout_impressions", report.heldoutImpressions())
                .put("requests", report.requests())
                .put("candidates_per_request", report.candidatesPerRequest())
                .put("slots", report.slots());
        return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(root) + "\n";
    }

    static String table(Evaluator.Report report) {
        StringBuilder s = new StringBuilder();
        s.append(String.format("held-out impressions: %,d%n%n", report.heldoutImpressions()));
        s.append(String.format("%-10s %8s %9s %8s %10s%n", "model", "AUC", "logloss", "ECE", "pred/obs"));
        report.models()
                .forEach((name, m) -> s.append(String.format(
                        "%-10s %8.4f %9.5f %8.5f %10.3f%n", name, m.auc(), m.logLoss(), m.ece(), m.predOverObs())));
        s.append(String.format(
                "%npolicies on %,d requests, %d candidates each, %d slot(s); revenue at the bid%n",
                report.requests(), report.candidatesPerRequest(), report.slots()));
        s.append(String.format("%-10s %8s %10s%n", "policy", "CTR", "RPM ($)"));
        report.policies()
                .forEach((name, p) -> s.append(String.format("%-10s %7.3f%% %10.2f%n", name, 100 * p.ctr(), p.rpm())));
        return s.toString();
    }
}
