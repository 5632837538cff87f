package adsml.cli;

import adsml.demo.DemoTraffic;
import adsml.platform.features.FeatureSets;
import adsml.platform.model.Architecture;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelJson;
import adsml.platform.offline.train.Trainer;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import adsml.platform.world.WorldFiles;
import adsml.server.AdsmlServer;
import adsml.simulate.LearningLoop;
import adsml.simulate.Simulation;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * {@code adsml demo}: the whole loop in one command. Generates the demo world and trains the first DCN version under
 * the data folder if they are missing, serves them, and runs simulated users whose clicks and conversions follow the
 * world's ground truth and come back as events.
 */
final class DemoCommand {
    /** The demo serves the set with real-time signals: the counters its own traffic moves. */
    static final String DEMO_FEATURES = "demo-v3";

    /**
     * The loop's day serves the set without counts: counts learned from the world's log mislead on a day of another
     * traffic and policy (see demo-v4.conf), where the smoothed rates carry over.
     */
    static final String LOOP_FEATURES = "demo-v4";

    /**
     * The demo's feature log completes a file every 15 s and joins clicks within two minutes, so that its loop (serve,
     * log, join, train) turns in minutes; a server's defaults are an hour's window and a minute's files.
     */
    private static final Config DEMO_DEFAULTS = ConfigFactory.parseString(
            "adsml.server.feature-log { max-file-age = 15s, attribution-window = 2m, join-interval = 15s }");

    private DemoCommand() {}

    /**
     * {@code demo --loop}: the learning loop on the drifting world, a simulated day in accelerated time (see
     * {@link LearningLoop}); {@code --frozen} runs the same day on the hour-0 model alone, for comparison.
     */
    private static int loop(Args args, Path data, PrintStream out, PrintStream err) throws Exception {
        Simulation.Settings day;
        try {
            day = new Simulation.Settings(
                    args.integer("hours", 24),
                    args.integer("requests", 150_000),
                    20_000,
                    3,
                    6,
                    1.0,
                    false,
                    4,
                    args.longValue("seed", 1));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("demo: " + e.getMessage());
        }
        LearningLoop.Settings defaults = LearningLoop.Settings.defaults(!args.flag("frozen"));
        long judge = args.longValue("judge-requests", defaults.judgeRequests());
        if (judge < 1) {
            throw new Args.UsageException("demo: --judge-requests must be >= 1, was " + judge);
        }
        LearningLoop.Settings loop = defaults.withJudgeRequests(judge);
        ObjectNode report = LearningLoop.run(data, ServeCommand.config(args), day, loop, err);
        ObjectMapper json = new ObjectMapper();
        if (args.flag("report")) {
            Path file = Path.of(args.string("report", ""));
            Files.write(file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
            err.println("the loop's report is in " + file);
        }
        out.print(LearningLoop.table(report));
        return 0;
    }

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Set<String> options = new HashSet<>(ServeCommand.OPTIONS);
        options.add("seed");
        options.add("traffic-qps");
        options.add("hours");
        options.add("requests");
        options.add("report");
        options.add("judge-requests");
        Args args = Args.parse("demo", argv, options, Set.of("loop", "frozen"));
        double trafficQps = args.decimal("traffic-qps", 20);
        if (trafficQps < 0) {
            throw new Args.UsageException("demo: --traffic-qps must be >= 0");
        }
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
        if (ModelFolder.highestVersion(modelDir) == 0) {
            TrainCommand.train(
                    world,
                    world.train(),
                    Trainer.Config.defaults(Architecture.DCN),
                    FeatureSets.builtIn(args.flag("loop") ? LOOP_FEATURES : DEMO_FEATURES),
                    modelDir,
                    err);
            // Training left gigabytes of rows and a replay's counters in the old generation; collected now, before
            // traffic, rather than by mixed collections during the first minutes of serving.
            System.gc();
        }
        if (args.flag("loop")) {
            Path latest = modelDir.resolve(Integer.toString(ModelFolder.highestVersion(modelDir)));
            String set = ModelJson.read(latest.resolve(ModelFolder.MODEL_JSON))
                    .schema()
                    .name();
            if (!set.equals(LOOP_FEATURES)) {
                // A folder the plain demo made: its model reads the counts that mislead on the loop's day.
                err.println("note: the models in " + modelDir + " read " + set + ", the loop's own set is "
                        + LOOP_FEATURES + "; give a fresh --data folder to start from a " + LOOP_FEATURES + " model");
            }
            return loop(args, data, out, err);
        }
        AdsmlServer server = AdsmlServer.start(data, ServeCommand.config(args, DEMO_DEFAULTS));
        ServeCommand.printBanner(server.started(), out);
        AutoCloseable traffic = () -> {};
        if (trafficQps > 0) {
            traffic = DemoTraffic.start(
                    world,
                    URI.create("http://127.0.0.1:" + server.started().api().getPort()),
                    server.started().ingestToken(),
                    trafficQps,
                    7);
            out.printf(
                    "  demo traffic: %.0f rank requests/s from simulated users, clicks and conversions from the ground truth%n",
                    trafficQps);
        }
        out.println("  quality:     java -jar http-api/target/adsml.jar eval --world " + worldDir + " --model "
                + modelDir.resolve(Integer.toString(ModelFolder.highestVersion(modelDir))));
        out.flush();
        ServeCommand.awaitShutdown(server, traffic);
        return 0;
    }
}
