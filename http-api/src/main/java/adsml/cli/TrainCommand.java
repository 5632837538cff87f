package adsml.cli;

import adsml.platform.counters.EmbeddedCounterStore;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureSetFile;
import adsml.platform.features.FeatureSets;
import adsml.platform.features.InvalidFeatureSetException;
import adsml.platform.model.Architecture;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelPreset;
import adsml.platform.offline.train.CounterReplay;
import adsml.platform.offline.train.Trainer;
import adsml.platform.offline.train.TrainingData;
import adsml.platform.world.ImpressionLog;
import adsml.platform.world.World;
import adsml.platform.world.WorldFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/**
 * {@code adsml train}: trains LR or DCN on a feature set, from a world's training log or from the served feature log's
 * joined examples ({@code --from-log}), and writes the next version.
 */
final class TrainCommand {
    private TrainCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws IOException {
        Args args = Args.parse(
                "train",
                argv,
                Set.of(
                        "world",
                        "impressions",
                        "from-log",
                        "features",
                        "out",
                        "arch",
                        "epochs",
                        "batch",
                        "lr",
                        "preset",
                        "calibration",
                        "seed"),
                Set.of());
        if (args.flag("world") == args.flag("from-log")) {
            throw new Args.UsageException("train: give --world DIR or --from-log DIR, one of them");
        }
        Path modelDir = Path.of(args.required("out"));
        Architecture architecture = architecture(args.string("arch", "dcn"));
        Trainer.Config defaults = Trainer.Config.defaults(architecture);
        ModelPreset preset;
        try {
            preset = ModelPreset.named(args.string("preset", "demo"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("train: " + e.getMessage());
        }
        FeatureAssembly features = features("train: --features", args.string("features", FeatureSets.DEFAULT));
        if (args.flag("from-log") && args.flag("impressions")) {
            throw new Args.UsageException(
                    "train: --impressions counts the world's log; --from-log trains on all of it");
        }
        Trainer.Config config = new Trainer.Config(
                architecture,
                preset,
                args.integer("epochs", defaults.epochs()),
                args.integer("batch", defaults.batchSize()),
                (float) args.decimal("lr", defaults.learningRate()),
                defaults.weightDecay(),
                defaults.calibrationFraction(),
                calibration(args.string("calibration", "platt")),
                args.longValue("seed", defaults.seed()));
        if (architecture == Architecture.LR && args.flag("preset")) {
            throw new Args.UsageException("train: --preset shapes a DCN; lr has no preset");
        }
        // Fail now on an unwritable --out, not after minutes of training.
        Files.createDirectories(modelDir);
        Path version;
        if (args.flag("from-log")) {
            Path log = Path.of(args.string("from-log", ""));
            TrainingData data;
            try {
                data = TrainingData.fromLog(log, features);
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException("train: --from-log " + e.getMessage());
            }
            err.printf(
                    "training %s on %,d logged rows of %s (%,d clicks) from %s%n",
                    architecture.jsonName(), data.size(), features.set().id(), clicks(data), log);
            version = save(config, data, modelDir, err);
        } else {
            World world = WorldFiles.read(Path.of(args.string("world", "")));
            ImpressionLog log = world.train();
            if (args.flag("impressions")) {
                int n = args.integer("impressions", 0);
                if (n < 1 || n > log.size()) {
                    throw new Args.UsageException(
                            "train: --impressions must be within [1, " + log.size() + "], was " + n);
                }
                log = log.firstRows(n); // as much traffic as a served log holds, to compare the two
            }
            version = train(world, log, config, features, modelDir, err);
        }
        out.println(
                "trained " + architecture.jsonName() + " on " + features.set().id() + " -> " + version);
        return 0;
    }

    /**
     * Trains on {@code log}, of {@code world}, with {@code features}; a set that reads real-time counters gets them
     * from a replay of the log ({@link CounterReplay}).
     */
    static Path train(
            World world,
            ImpressionLog log,
            Trainer.Config config,
            FeatureAssembly features,
            Path modelDir,
            PrintStream err)
            throws IOException {
        TrainingData data = TrainingData.forTraining(world, log, features, replay(features));
        err.printf(
                "training %s on %s: %,d impressions (%,d clicks)%n",
                config.architecture().jsonName(), features.set().id(), data.size(), log.clicks());
        return save(config, data, modelDir, err);
    }

    /** A replay into an embedded store for a set that reads counters; null for one that does not. */
    static CounterReplay replay(FeatureAssembly features) {
        return features.set().readsCounters() ? new CounterReplay(new EmbeddedCounterStore(REPLAY_KEYS)) : null;
    }

    /** 160 MB of keys: the demo world's user pairs overflow it, and the coldest give way as they would when serving. */
    private static final int REPLAY_KEYS = 2_000_000;

    private static Path save(Trainer.Config config, TrainingData data, Path modelDir, PrintStream err)
            throws IOException {
        Model model = new Trainer(config, new StepPrinter(err))
                .train(data, modelDir.getFileName().toString());
        return ModelFolder.saveNextVersion(model, modelDir);
    }

    private static long clicks(TrainingData data) {
        long n = 0;
        for (boolean c : data.click()) {
            n += c ? 1 : 0;
        }
        return n;
    }

    /** A built-in feature set by id, or a declaration file; {@code option} names the flag in errors. */
    static FeatureAssembly features(String option, String name) {
        if (name.endsWith(".conf")) {
            try {
                return FeatureSetFile.read(Path.of(name)).assembly();
            } catch (InvalidFeatureSetException e) {
                throw new Args.UsageException(option + " " + e.getMessage());
            }
        }
        return FeatureSets.builtIn()
                .get(name)
                .orElseThrow(() -> new Args.UsageException(option + " " + name + " is neither a built-in set ("
                        + String.join(", ", FeatureSets.BUILT_IN) + ") nor a .conf file"));
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
