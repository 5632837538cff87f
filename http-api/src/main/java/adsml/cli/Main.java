package adsml.cli;

import adsml.platform.model.InvalidModelException;
import adsml.platform.world.InvalidWorldException;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.util.Arrays;
import java.util.List;

/**
 * The {@code adsml} command line: one subcommand per job. Bad input ends with one line that names the file and the
 * field and a non-zero exit code; never a stack trace (set {@code ADSML_DEBUG=1} to see one).
 */
public final class Main {
    static final String USAGE = """
            usage: adsml <command> [options]

            commands:
              world  --out DIR [--seed N] [--ads N] [--users N] [--train N] [--heldout N]
                     generate the demo world: advertisers, campaigns, ads, users, logged impressions
              train  (--world DIR [--impressions N] | --from-log DIR) --out MODELS/NAME [--features SET|FILE.conf] [--arch dcn|lr]
                     [--epochs N] [--batch N] [--lr X] [--preset demo|x10|x100|wide] [--calibration platt|isotonic]
                     [--seed N]
                     train a model on a feature set (default demo-v1), from the world's logs or from the served
                     feature log's joined examples (DIR: <data>/feature-log); writes the next version under --out
              features [--set SET|FILE.conf] [--json]
                     the feature sets, or one set's column layout: what a model trained outside adsml reads
              eval   --world DIR --model VERSION_DIR [--json] [--requests N] [--candidates N] [--slots N]
                     held-out quality and policy revenue against the ground truth
              export --model VERSION_DIR
                     write a DCN version as TorchScript, as the next version beside it
              serve  [--data DIR] [--config FILE] [--port N] [--admin-port N] [--admin-host H]
                     [--rank-token T] [--ingest-token T] [--admin-token T] (or --ROLE-token-file F, or ADSML_ROLE_TOKEN)
                     serve DIR (default ./adsml-data): the public API on :8080, the admin API on 127.0.0.1:8081
                     [--cluster [--cluster-host H] [--cluster-port N] [--seed-nodes H:P,...] [--management-port N]
                      [--partition I/N]]
                     as one node of a Pekko cluster (docs/CLUSTER.md)
              cluster-demo [--nodes 3] [--duration 60s] [--kill-one] [--qps 60] [--clients 8] [--budget 5] [--dir DIR] [--json]
                     [--layout grouped|flat] [--ads 10000]
                     several nodes as processes on loopback under load: a SIGKILL, a rollout, an ad change and
                     a restart midway; failures on the survivors, swap consistency, overspend, rejoin
              demo   [--data DIR] [--seed N] [--traffic-qps Q] and serve's options
                     world and first model if missing, then serve them with simulated users (default 20 requests/s)
              demo   --loop [--data DIR] [--hours 24] [--requests N] [--judge-requests N] [--report FILE] [--frozen]
                     [--config FILE]
                     the learning loop on the drifting world, a simulated day in minutes: explore, log, retrain,
                     canary until --judge-requests a side (15000), replay, promote; per hour RPM against the oracle's
                     (--frozen: no retraining)
              load   --url URL [--clients N] [--qps Q] [--duration 20s] [--warmup 2s] [--users N] [--slots N]
                     [--deadline-ms N] [--seed N] [--max-in-flight N] [--json]
                     POST /v1/rank at a running server: open loop at --qps, else --clients closed-loop clients
              simulate --data DIR [--hours 24] [--requests N] [--users N] [--slots N] [--budget-scale X]
                     [--concurrency N] [--seed N] [--config FILE] [--json]
                     a day of traffic in minutes through the real serving path on a copy of DIR: CTR, revenue,
                     pacing, frequency caps, diversity; the figures are kept under DIR/simulations/
              bench  retrieval [--ads 1000000] [--dim 64] [--queries 1000] [--k 1000] [--seed 1] [--search-share 0.2] [--latent 16]
                     [--lists N] [--min-lists N] [--tolerance X] [--max-candidates N] [--data DIR] [--compare lucene] [--json]
                     retrieval at scale: a generated inventory, the IVF index (and Lucene HNSW) against the exact
                     answer: recall, latency, build time, memory, update visibility; DIR keeps the built index
              replay --data DIR --candidate NAME/VERSION [--baseline NAME/VERSION] [--config FILE] [--json]
                     what a version would have earned on the requests the feature log holds whole: IPS, SNIPS,
                     doubly robust and direct-method RPM and CTR with 95% intervals, beside the logged policy's
            """;

    private Main() {}

    public static void main(String[] argv) {
        System.exit(run(argv, System.out, System.err));
    }

    static int run(String[] argv, PrintStream out, PrintStream err) {
        // DJL must never try the network: the PyTorch native library ships inside the jar.
        System.setProperty("ai.djl.offline", "true");
        if (argv.length == 0 || Arrays.asList(argv).contains("--help") || argv[0].equals("help")) {
            (argv.length == 0 ? err : out).print(USAGE);
            return argv.length == 0 ? 2 : 0;
        }
        List<String> rest = Arrays.asList(argv).subList(1, argv.length);
        try {
            return switch (argv[0]) {
                case "world" -> WorldCommand.run(rest, out, err);
                case "train" -> TrainCommand.run(rest, out, err);
                case "features" -> FeaturesCommand.run(rest, out, err);
                case "eval" -> EvalCommand.run(rest, out, err);
                case "export" -> ExportCommand.run(rest, out, err);
                case "serve" -> ServeCommand.run(rest, out, err);
                case "demo" -> DemoCommand.run(rest, out, err);
                case "load" -> LoadCommand.run(rest, out, err);
                case "simulate" -> SimulateCommand.run(rest, out, err);
                case "replay" -> ReplayCommand.run(rest, out, err);
                case "bench" -> BenchCommand.run(rest, out, err);
                case "cluster-demo" -> ClusterDemoCommand.run(rest, out, err);
                default -> throw new Args.UsageException("unknown command '" + argv[0] + "'");
            };
        } catch (Args.UsageException e) {
            err.println("adsml " + e.getMessage());
            err.print(usageOf(argv[0]));
            return 2;
        } catch (InvalidWorldException | InvalidModelException e) {
            err.println("adsml: " + e.getMessage());
            debug(e, err);
            return 1;
        } catch (IOException | UncheckedIOException e) {
            err.println("adsml: " + e.getMessage());
            debug(e, err);
            return 1;
        } catch (Exception | OutOfMemoryError | LinkageError e) {
            // LinkageError: the native PyTorch library failed to load; OutOfMemoryError: give the JVM more heap.
            String reason = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage();
            err.println("adsml: " + argv[0] + " failed: " + reason
                    + (e instanceof OutOfMemoryError ? " (run java with a larger -Xmx)" : ""));
            debug(e, err);
            return 1;
        }
    }

    /**
     * The usage lines of {@code command} (its entries and their continuation lines), and where the rest is; the whole
     * usage for a command it does not know.
     */
    static String usageOf(String command) {
        StringBuilder lines = new StringBuilder();
        boolean inside = false;
        for (String line : USAGE.lines().toList()) {
            boolean entry = line.startsWith("  ") && !line.startsWith("   ");
            if (entry) {
                inside = line.startsWith("  " + command + " ");
            } else if (!line.startsWith("   ")) {
                inside = false;
            }
            if (inside) {
                lines.append(line).append('\n');
            }
        }
        return lines.isEmpty() ? USAGE : "usage:\n" + lines + "(adsml --help lists every command)\n";
    }

    private static void debug(Throwable e, PrintStream err) {
        if (System.getenv("ADSML_DEBUG") != null) {
            e.printStackTrace(err);
        }
    }
}
