package adsml.cli;

import adsml.server.AdsmlServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code adsml serve}: serves a data folder until stopped. Configuration is HOCON: the built-in {@code reference.conf}
 * files and {@code application.conf} (the server's settings of Pekko), then {@code --config FILE}, then environment
 * variables named {@code CONFIG_FORCE_<path>} (dots as single underscores, e.g.
 * {@code CONFIG_FORCE_adsml_http_port=9090}), then these flags.
 */
final class ServeCommand {
    static final Set<String> OPTIONS = Set.of("data", "config", "port", "admin-port", "admin-host", "admin-token");

    private ServeCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse("serve", argv, OPTIONS, Set.of());
        Path data = Path.of(args.string("data", "adsml-data"));
        AdsmlServer server = AdsmlServer.start(data, config(args));
        printBanner(server.started(), out);
        awaitShutdown(server);
        return 0;
    }

    static Config config(Args args) {
        Map<String, Object> overrides = new HashMap<>();
        if (args.flag("port")) {
            overrides.put("adsml.http.port", args.integer("port", 8080));
        }
        if (args.flag("admin-port")) {
            overrides.put("adsml.http.admin-port", args.integer("admin-port", 8081));
        }
        if (args.flag("admin-host")) {
            overrides.put("adsml.http.admin-host", args.string("admin-host", "127.0.0.1"));
        }
        if (args.flag("admin-token")) {
            overrides.put("adsml.http.admin-token", args.string("admin-token", ""));
        }
        Config base = ConfigFactory.load();
        if (args.flag("config")) {
            Path file = Path.of(args.string("config", ""));
            if (!Files.isRegularFile(file)) {
                throw new Args.UsageException("serve: --config " + file + " is not a file");
            }
            base = ConfigFactory.parseFile(file.toFile()).withFallback(base).resolve();
        }
        return ConfigFactory.parseMap(overrides)
                .withFallback(ConfigFactory.systemEnvironmentOverrides())
                .withFallback(base);
    }

    static void printBanner(AdsmlServer.Started s, PrintStream out) {
        String api = "http://127.0.0.1:" + s.api().getPort();
        String admin = "http://" + s.admin().getHostString() + ":" + s.admin().getPort();
        out.println("adsml is serving " + s.modelVersion().orElse("no model yet (load one in the admin UI or API)"));
        out.println();
        out.println("  admin UI:    " + admin + "/admin/   <- open this, sign in with the admin token");
        out.println("  admin token: " + s.adminToken());
        out.println();
        out.println("  API:         " + api + "   (health: " + api + "/health/ready, metrics: " + api + "/metrics)");
        out.println("  admin API:   " + admin + "/admin/api/models   (Authorization: Bearer <admin token>)");
        out.println("  try:         curl -s -H 'Content-Type: application/json' -d '{\"userId\":\"u1\",\"context\":"
                + "{\"surface\":\"home_feed\",\"device\":\"ios\",\"country\":\"US\",\"hour\":13},\"slots\":5,\"deadlineMs\":200}' "
                + api + "/v1/rank");
        out.flush();
    }

    /**
     * Serves until the JVM is asked to stop (Ctrl-C, SIGTERM), then closes {@code clientsFirst} (whatever sends to the
     * server, such as the demo's traffic) and the server, in that order.
     */
    static void awaitShutdown(AdsmlServer server, AutoCloseable... clientsFirst) throws InterruptedException {
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            for (AutoCloseable client : clientsFirst) {
                                try {
                                    client.close();
                                } catch (Exception e) {
                                    System.err.println("adsml: closing " + client + " failed: " + e.getMessage());
                                }
                            }
                            server.close();
                            stopped.countDown();
                        },
                        "adsml-shutdown"));
        stopped.await();
    }
}
