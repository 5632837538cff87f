package adsml.cli;

import adsml.demo.ClusterDemo;
import adsml.load.Durations;
import adsml.platform.domain.Campaign;
import adsml.platform.features.FeatureSets;
import adsml.platform.model.Architecture;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.offline.train.Trainer;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import adsml.platform.world.WorldFiles;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;

/**
 * {@code adsml cluster-demo}: makes a small world whose budgets run out in a minute of traffic and two LR versions of
 * its CTR model, then runs {@link ClusterDemo} on them: several nodes as processes on loopback, a kill, a rollout, an
 * ad change and a restart under load. With {@code --json}, one object: {@code nodes, requests, non2xx_on_survivors,
 * swap_consistent, ad_update_visible_ms, max_overspend_pct, rejoined} and the figures behind them.
 */
final class ClusterDemoCommand {
    private static final String MODEL = "ctr";
    private static final String FEATURES = "demo-v3";
    /**
     * Each node is given 3 KB of heap per ad and this process holds the world too: three nodes of 1,000,000 ads ask
     * about 12 GB of the machine (300,000 is the most run here).
     */
    private static final int MAX_ADS = 1_000_000;

    private ClusterDemoCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(
                "cluster-demo",
                argv,
                Set.of("nodes", "duration", "clients", "qps", "seed", "budget", "dir", "layout", "ads"),
                Set.of("kill-one", "json"));
        ClusterDemo.Settings settings;
        double budget = args.decimal("budget", 5);
        String layout = args.string("layout", "grouped");
        if (!layout.equals("grouped") && !layout.equals("flat")) {
            throw new Args.UsageException("cluster-demo: --layout must be grouped or flat, was " + layout);
        }
        int ads = args.integer("ads", 10_000);
        if (ads < 1_000 || ads > MAX_ADS) {
            throw new Args.UsageException("cluster-demo: --ads must be within [1000, " + MAX_ADS
                    + "] (each node holds the world), was " + ads);
        }
        try {
            settings = new ClusterDemo.Settings(
                    args.integer("nodes", 3),
                    duration(args),
                    args.flag("kill-one"),
                    args.integer("clients", 8),
                    args.decimal("qps", 60),
                    args.longValue("seed", 1),
                    layout.equals("flat"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("cluster-demo: " + e.getMessage());
        }
        if (!(budget > 0)) {
            throw new Args.UsageException("cluster-demo: --budget must be > 0 dollars, was " + budget);
        }
        Path dir = args.flag("dir") ? Path.of(args.string("dir", "")) : Files.createTempDirectory("adsml-cluster-demo");
        if (Files.exists(dir)) {
            try (Stream<Path> entries = Files.list(dir)) {
                if (entries.findAny().isPresent()) {
                    throw new Args.UsageException("cluster-demo: --dir " + dir + " must be empty or not exist");
                }
            }
        }
        err.println("cluster demo in " + dir + " (each node's log: node-N.log)");
        World world = world(settings.seed(), budget, ads);
        WorldFiles.write(world, dir.resolve("base/world"));
        Path staging = dir.resolve("staging").resolve(MODEL);
        for (float learningRate : new float[] {0.005f, 0.01f}) {
            Trainer.Config defaults = Trainer.Config.defaults(Architecture.LR);
            TrainCommand.train(
                    world,
                    world.train(),
                    new Trainer.Config(
                            defaults.architecture(),
                            defaults.preset(),
                            defaults.epochs(),
                            defaults.batchSize(),
                            learningRate,
                            defaults.weightDecay(),
                            defaults.calibrationFraction(),
                            defaults.calibration(),
                            defaults.seed()),
                    FeatureSets.builtIn(FEATURES),
                    staging,
                    err);
        }
        Files.createDirectories(dir.resolve("base/models").resolve(MODEL));
        Files.move(
                staging.resolve("1"), dir.resolve("base/models").resolve(MODEL).resolve("1"));
        ClusterDemo.Result r = ClusterDemo.run(dir, world, MODEL, staging.resolve("2"), settings, err);
        if (args.flag("json")) {
            ObjectMapper json = new ObjectMapper();
            ObjectNode o = json.createObjectNode();
            o.put("nodes", r.nodes());
            o.put("requests", r.requests());
            o.put("non2xx_on_survivors", r.non2xxOnSurvivors());
            o.put("swap_consistent", r.swapConsistent());
            o.put("ad_update_visible_ms", r.adUpdateVisibleMs());
            o.put("max_overspend_pct", r.maxOverspendPct());
            o.put("rejoined", r.rejoined());
            o.set("detail", json.valueToTree(r));
            out.println(json.writeValueAsString(o));
        } else {
            out.print(table(r));
        }
        boolean ok = r.non2xxOnSurvivors() == 0
                && r.swapConsistent()
                && r.adUpdateVisibleMs() >= 0
                && r.adUpdateVisibleMs() <= 1000
                && r.maxOverspendPct() <= 1.0
                && r.rejoined();
        return ok ? 0 : 1;
    }

    /**
     * The demo's world: {@code ads} ads (10,000 of 2,000 campaigns by default) and 5,000 users, every campaign with a
     * daily budget of {@code budget} dollars, so that the campaigns the traffic favours run out within the minute.
     */
    private static World world(long seed, double budget, int ads) {
        World generated =
                WorldGenerator.generate(new WorldConfig(seed, ads, 5_000, 300_000, 10_000), ProgressListener.NONE);
        List<Campaign> campaigns = new ArrayList<>();
        for (Campaign c : generated.campaigns()) {
            campaigns.add(new Campaign(
                    c.id(), c.advertiserId(), c.bidType(), c.bid(), (float) budget, c.category(), c.targeting()));
        }
        return new World(
                generated.config(),
                generated.advertisers(),
                campaigns,
                generated.ads(),
                generated.users(),
                generated.train(),
                generated.heldout());
    }

    private static Duration duration(Args args) {
        try {
            return Durations.parse(args.string("duration", "60s"));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("cluster-demo: --duration " + e.getMessage());
        }
    }

    static String table(ClusterDemo.Result r) {
        StringBuilder t = new StringBuilder();
        t.append(String.format("nodes                 %d%n", r.nodes()));
        t.append(String.format(
                "rank requests         %,d (%,d answered; per node %s)%n",
                r.requests(), r.answered(), r.answeredPerNode()));
        t.append(String.format(
                "failed on survivors   %d%s%n",
                r.non2xxOnSurvivors(), r.survivorFailures().isEmpty() ? "" : "  " + r.survivorFailures()));
        t.append(String.format(
                "failed on killed node %d (in flight at the kill, or sent before the balancer saw it)%n",
                r.failedOnKilledNode()));
        t.append(String.format(
                "failed on the restarted node %d (after its restart, at nice 10)%n", r.failedOnRestartedNode()));
        t.append(String.format(
                "swap consistent       %s (rollout %d ms; versions per node %s)%n",
                r.swapConsistent(), r.rolloutMs(), r.versionsPerNode()));
        t.append(String.format("ad update visible     %d ms on every live node%n", r.adUpdateVisibleMs()));
        t.append(String.format(
                "max overspend         %.3f%% of a daily budget (%d campaigns spent theirs; the most spent: %.1f%%)%n",
                r.maxOverspendPct(), r.exhaustedCampaigns(), r.maxSpentShare() * 100));
        t.append(String.format("charged the most      %s%n", r.mostCharged()));
        t.append(String.format("rejoined              %s%n", r.rejoined()));
        t.append(String.format(
                "layout                %s: IVF MB per node %s; rank round trip p50 %.1f ms, p99 %.1f ms%s%n",
                r.layout(),
                r.ivfMbPerNode(),
                r.rankP50Ms(),
                r.rankP99Ms(),
                r.layout().equals("flat")
                        ? String.format(
                                "; retrievals missing a partition per node %s (%.1f%%)",
                                r.partialRetrievals(), r.partialShare() * 100)
                        : ""));
        return t.toString();
    }
}
