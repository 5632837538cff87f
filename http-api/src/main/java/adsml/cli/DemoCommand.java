package adsml.cli;

import adsml.platform.eval.Evaluator;
import adsml.platform.model.Architecture;
import adsml.platform.model.ModelFolder;
import adsml.platform.train.Trainer;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import adsml.platform.world.WorldFiles;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code adsml demo}: the whole loop on the default world under one data folder: generate the
 * world, train the first DCN version, and print how it compares with the baselines and the
 * oracle. What already exists is reused, so a second run goes straight to the report.
 */
final class DemoCommand {
    private DemoCommand() {
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse("demo", argv, Set.of("data", "seed"), Set.of());
        Path data = Path.of(args.string("data", "adsml-data"));
        Path worldDir = data.resolve("world");
        Path modelDir = data.resolve("models").resolve("ctr");
        World world;
        if (Files.exists(worldDir.resolve(WorldFiles.WORLD_JSON))) {
            err.println("using the world in " + worldDir);
            world = WorldFiles.read(worldDir);
        } else {
            err.println("generating the demo world in " + worldDir);
            world = WorldCommand.generate(WorldConfig.defaults(args.longValue("seed", 1)), worldDir, err);
        }
        int latest = ModelFolder.highestVersion(modelDir);
        Path version = latest > 0 ? modelDir.resolve(Integer.toString(latest))
                : TrainCommand.train(world, Trainer.Config.defaults(Architecture.DCN), modelDir, err);
        err.println("model version " + version);
        Evaluator.Report report = EvalCommand.evaluate(world, ModelFolder.load(version), Evaluator.PolicySettings.defaults(), err);
        out.print(EvalCommand.table(report));
        return 0;
    }
}
