package adsml.cli;

import adsml.platform.features.DemoFeatures;
import adsml.platform.model.Architecture;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelPreset;
import adsml.platform.offline.train.Trainer;
import adsml.platform.offline.train.TrainingData;
import adsml.platform.world.World;
import adsml.platform.world.WorldFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code adsml train}: trains LR or DCN on a world's training log and writes the next version. */
final class TrainCommand {
    private TrainCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws IOException {
        Args args = Args.parse(
                "train",
                argv,
                Set.of("world", "out", "arch", "epochs", "batch", "lr", "preset", "calibration"),
                Set.of());
        Path worldDir = Path.of(args.required("world"));
        Path modelDir = Path.of(args.required("out"));
        Architecture architecture = architecture(args.string("arch", "dcn"));
        Trainer.Config defaults = Trainer.Config.defaults(architecture);
        ModelPreset preset;
        try {
            preset = ModelPreset.named(args.string("preset", "demo"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("train: " + e.getMessage());
        }
        if (!preset.spec("check", "0").schema().equals(DemoFeatures.SCHEMA)) {
            throw new Args.UsageException("train: preset " + args.string("preset", "demo")
                    + " does not read the demo world's features; use demo, x10 or x100");
        }
        Trainer.Config config = new Trainer.Config(
                architecture,
                preset,
                args.integer("epochs", defaults.epochs()),
                args.integer("batch", defaults.batchSize()),
                args.decimal("lr", defaults.learningRate()),
                defaults.weightDecay(),
                defaults.calibrationFraction(),
                calibration(args.string("calibration", "platt")),
                defaults.seed());
        if (architecture == Architecture.LR && args.flag("preset")) {
            throw new Args.UsageException("train: --preset shapes a DCN; lr has no preset");
        }
        // Fail now on an unwritable --out, not after minutes of training.
        Files.createDirectories(modelDir);
        World world = WorldFiles.read(worldDir);
        Path version = train(world, config, modelDir, err);
        out.println("trained " + architecture.jsonName() + " -> " + version);
        return 0;
    }

    static Path train(World world, Trainer.Config config, Path modelDir, PrintStream err) throws IOException {
        TrainingData data = TrainingData.forTraining(world, world.train());
        err.printf(
                "training %s on %,d impressions (%,d clicks)%n",
                config.architecture().jsonName(), data.size(), world.train().clicks());
        Model model = new Trainer(config, new StepPrinter(err))
                .train(data, modelDir.getFileName().toString());
        return ModelFolder.saveNextVersion(model, modelDir);
    }

    private static Trainer.CalibrationMethod calibration(String name) {
        return switch (name) {
            case "platt" -> Trainer.CalibrationMethod.PLATT;
            case "isotonic" -> Trainer.CalibrationMethod.ISOTONIC;
            default ->
                throw new Args.UsageException("train: --calibration must be platt or isotonic, got '" + name + "'");
        };
    }

    private static Architecture architecture(String name) {
        return switch (name) {
            case "dcn" -> Architecture.DCN;
            case "lr" -> Architecture.LR;
            default -> throw new Args.UsageException("train: --arch must be dcn or lr, got '" + name + "'");
        };
    }

    /** Training progress on standard error: epoch, share done, examples/s and running loss. */
    private record StepPrinter(PrintStream err) implements Trainer.Progress {
        @Override
        public void step(int epoch, int epochs, long done, long total, double perSecond, double loss) {
            err.printf(
                    "\repoch %d/%d %3d%% %,9.0f examples/s loss %.5f",
                    epoch, epochs, 100 * done / total, perSecond, loss);
            err.flush();
        }

        @Override
        public void epochEnd(int epoch, double auc, double logLoss) {
            err.printf("%nepoch %d: calibration-split auc %.4f logloss %.5f%n", epoch, auc, logLoss);
        }
    }
}
