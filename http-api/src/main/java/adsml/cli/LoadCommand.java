package adsml.cli;

import adsml.load.Durations;
import adsml.load.LoadGenerator;
import adsml.load.LoadReport;
import adsml.load.LoadSettings;
import adsml.load.TargetUnreachableException;
import java.io.PrintStream;
import java.net.URI;
import java.net.URISyntaxException;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code adsml load}: drives a running server's {@code /v1/rank} and prints its latency distribution. Exit 0 once the
 * run completes whatever the statuses, 1 when not one request could be sent, 2 for bad options.
 */
final class LoadCommand {
    private static final Set<String> OPTIONS = Set.of(
            "url", "clients", "qps", "duration", "warmup", "users", "slots", "deadline-ms", "seed", "max-in-flight");

    private LoadCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws InterruptedException {
        Args args = Args.parse("load", argv, OPTIONS, Set.of("json"));
        LoadSettings settings = settings(args);
        err.println(
                settings.openLoop()
                        ? String.format(
                                Locale.ROOT,
                                "load: %s qps open loop for %s after %s warm-up against %s",
                                plain(settings.qps()),
                                Durations.format(settings.duration()),
                                Durations.format(settings.warmup()),
                                settings.rankUri())
                        : String.format(
                                Locale.ROOT,
                                "load: %d closed-loop clients for %s after %s warm-up against %s",
                                settings.clients(),
                                Durations.format(settings.duration()),
                                Durations.format(settings.warmup()),
                                settings.rankUri()));
        LoadReport report;
        try {
            report = LoadGenerator.run(settings);
        } catch (TargetUnreachableException e) {
            err.println("adsml: load: " + e.getMessage());
            return 1;
        }
        out.print(args.flag("json") ? report.toJson() : report.toTable());
        return 0;
    }

    static LoadSettings settings(Args args) {
        URI url;
        try {
            url = new URI(args.required("url"));
        } catch (URISyntaxException e) {
            throw new Args.UsageException("load: --url is not a URL: " + e.getMessage());
        }
        int clients = args.integer("clients", LoadSettings.DEFAULT_CLIENTS);
        double qps = 0;
        String qpsText = args.string("qps", null);
        if (qpsText != null) {
            try {
                qps = Double.parseDouble(qpsText);
            } catch (NumberFormatException e) {
                throw new Args.UsageException("load: --qps must be a number, got '" + qpsText + "'");
            }
            if (!(qps > 0)) {
                throw new Args.UsageException("load: --qps must be positive, got '" + qpsText + "'");
            }
        }
        try {
            return new LoadSettings(
                    url,
                    clients,
                    qps,
                    duration(args, "duration", LoadSettings.DEFAULT_DURATION),
                    duration(args, "warmup", LoadSettings.DEFAULT_WARMUP),
                    args.integer("users", LoadSettings.DEFAULT_USERS),
                    args.integer("slots", LoadSettings.DEFAULT_SLOTS),
                    args.integer("deadline-ms", LoadSettings.DEFAULT_DEADLINE_MS),
                    args.longValue("seed", LoadSettings.DEFAULT_SEED),
                    args.integer("max-in-flight", LoadSettings.IN_FLIGHT_PER_CLIENT * Math.max(1, clients)));
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("load: " + e.getMessage());
        }
    }

    private static String plain(double x) {
        return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }

    private static Duration duration(Args args, String name, Duration fallback) {
        String text = args.string(name, null);
        if (text == null) {
            return fallback;
        }
        try {
            return Durations.parse(text);
        } catch (IllegalArgumentException e) {
            throw new Args.UsageException("load: --" + name + " " + e.getMessage());
        }
    }
}
