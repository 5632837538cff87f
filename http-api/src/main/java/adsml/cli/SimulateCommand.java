package adsml.cli;

import adsml.server.AdsmlServer;
import adsml.simulate.Simulation;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code adsml simulate}: a day of the marketplace in accelerated time through the real serving path (see
 * {@link Simulation}). Prints the day's figures and keeps them under {@code DIR/simulations/}, where the admin UI of a
 * server of {@code DIR} finds the latest.
 */
final class SimulateCommand {
    private SimulateCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse(
                "simulate",
                argv,
                Set.of(
                        "data",
                        "hours",
                        "requests",
                        "users",
                        "slots",
                        "concurrency",
                        "budget-scale",
                        "billing",
                        "seed",
                        "config"),
                Set.of("json"));
        Path data = Path.of(args.required("data"));
        String billing = args.string("billing", "impression");
        if (!billing.equals("impression") && !billing.equals("action")) {
            throw new Args.UsageException("simulate: --billing must be impression or action, was '" + billing + "'");
        }
        Simulation.Settings settings;
        try {
            settings = new Simulation.Settings(
                    args.integer("hours", 24),
                    args.integer("requests", 40_000),
                    args.integer("users", 10_000),
                    args.integer("slots", 3),
                    args.integer("concurrency", 6),
                    budgetScale(args),
                    billing.equals("impression"),
                    4,
                    args.longValue("seed", 1));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("simulate: " + e.getMessage());
        }
        Config config = ServeCommand.config(args);
        ObjectNode report;
        try {
            report = Simulation.run(data, config, settings, err);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("simulate: " + e.getMessage());
        }
        ObjectMapper json = new ObjectMapper();
        Path folder = data.resolve(AdsmlServer.SIMULATIONS);
        Files.createDirectories(folder);
        Path file = folder.resolve(
                LocalDateTime.now(ZoneOffset.UTC).format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss")) + ".json");
        Files.write(file, json.writerWithDefaultPrettyPrinter().writeValueAsBytes(report));
        err.println("the day's figures are in " + file);
        if (args.flag("json")) {
            out.println(json.writeValueAsString(report));
        } else {
            out.print(table(report));
        }
        return 0;
    }

    /** A double, not a float: 0.1 is printed back as 0.1. */
    private static double budgetScale(Args args) {
        String v = args.string("budget-scale", "0.1");
        try {
            return Double.parseDouble(v);
        } catch (NumberFormatException e) {
            throw new Args.UsageException("simulate: --budget-scale expects a number, got '" + v + "'");
        }
    }

    private static String table(ObjectNode r) {
        return String.format(
                Locale.ROOT,
                """
                requests %,d (answered %,d), impressions %,d
                CTR %.2f%%, post-click CVR %.2f%%
                revenue $%,.2f, RPM $%.2f (oracle $%.2f)
                paced campaigns %d: budget utilization %.1f%%, pacing RMSE %.4f, exhausted before 18:00 %d
                max overspend %.2f%%, frequency-cap violations %d, same-advertiser pairs %d
                """,
                r.get("requests").asLong(),
                r.get("answered").asLong(),
                r.get("impressions").asLong(),
                100 * r.get("ctr").asDouble(),
                100 * r.get("cvr").asDouble(),
                r.get("revenue").asDouble(),
                r.get("rpm").asDouble(),
                r.get("oracle_rpm").asDouble(),
                r.get("paced_campaigns").asInt(),
                100 * r.get("budget_utilization").asDouble(),
                r.get("pacing_rmse").asDouble(),
                r.get("campaigns_exhausted_before_18h").asInt(),
                r.get("max_overspend_pct").asDouble(),
                r.get("frequency_cap_violations").asInt(),
                r.get("same_advertiser_pairs").asLong());
    }
}
