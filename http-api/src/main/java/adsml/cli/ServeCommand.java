package adsml.cli;

import adsml.platform.index.Partition;
import adsml.server.AdsmlServer;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CountDownLatch;

/**
 * {@code adsml serve}: serves a data folder until stopped. Configuration is HOCON: the built-in {@code reference.conf}
 * files and {@code application.conf} (the server's settings of Pekko), then {@code --config FILE}, then environment
 * variables named {@code CONFIG_FORCE_<path>} (dots as single underscores, e.g.
 * {@code CONFIG_FORCE_adsml_http_port=9090}), then these flags.
 */
final class ServeCommand {
    static final Set<String> OPTIONS = Set.of(
            "data",
            "config",
            "port",
            "admin-port",
            "admin-host",
            "rank-token",
            "rank-token-file",
            "ingest-token",
            "ingest-token-file",
            "admin-token",
            "admin-token-file");
    /** Options of {@code serve --cluster} only. */
    static final Set<String> CLUSTER_OPTIONS =
            Set.of("cluster-host", "cluster-port", "seed-nodes", "management-port", "partition");
    /** {@code --cluster}: this node is one of a cluster (docs/CLUSTER.md). */
    static final Set<String> FLAGS = Set.of("cluster");

    private static final List<String> ROLES = List.of("rank", "ingest", "admin");

    private ServeCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Set<String> options = new HashSet<>(OPTIONS);
        options.addAll(CLUSTER_OPTIONS);
        Args args = Args.parse("serve", argv, options, FLAGS);
        Path data = Path.of(args.string("data", "adsml-data"));
        AdsmlServer server = AdsmlServer.start(data, config(args));
        printBanner(server.started(), out);
        awaitShutdown(server);
        return 0;
    }

    static Config config(Args args) throws IOException {
        return config(args, ConfigFactory.empty());
    }

    /**
     * The server's configuration from {@code args}, with {@code defaults} (the demo's) above the {@code reference.conf}
     * and {@code application.conf} files and below everything a user sets.
     */
    static Config config(Args args, Config defaults) throws IOException {
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
        for (String role : ROLES) {
            token(args, role).ifPresent(token -> overrides.put("adsml.http." + role + "-token", token));
        }
        if (args.flag("cluster")) {
            overrides.putAll(clusterOverrides(args));
        } else {
            for (String option : CLUSTER_OPTIONS) {
                if (args.flag(option)) {
                    throw new Args.UsageException("serve: --" + option + " needs --cluster");
                }
            }
        }
        if (args.flag("cluster")) {
            // A node the split brain resolver downs leaves the JVM, so that its supervisor starts it again and it
            // rejoins; any other stop (a failed start) returns to main, which reports it.
            defaults = ConfigFactory.parseString(
                            "pekko.coordinated-shutdown.reason-overrides {"
                                    + " \"org.apache.pekko.actor.CoordinatedShutdown$ClusterDowningReason$\" { exit-jvm = on } }")
                    .withFallback(defaults);
        }
        Config base = ConfigFactory.defaultOverrides().withFallback(defaults).withFallback(ConfigFactory.load());
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

    /**
     * {@code --cluster}'s settings: this node's remoting address ({@code --cluster-host}, 127.0.0.1, and
     * {@code --cluster-port}, 2552), its seed nodes ({@code --seed-nodes host:port,...}: this node itself when none is
     * given, which starts a cluster of one), pekko-management's port ({@code --management-port}, 7626; 0 for any) and,
     * for the flat layout, this node's partition of the index ({@code --partition i/n}).
     */
    private static Map<String, Object> clusterOverrides(Args args) {
        String host = args.string("cluster-host", "127.0.0.1");
        int port = port(args, "cluster-port", 2552, 1);
        List<String> seeds = new ArrayList<>();
        for (String seed : args.string("seed-nodes", host + ":" + port).split(",")) {
            String[] hostPort = seed.strip().split(":");
            if (hostPort.length != 2
                    || !hostPort[0].matches("[A-Za-z0-9.\\-]+")
                    || !hostPort[1].matches("[0-9]{1,5}")
                    || Integer.parseInt(hostPort[1]) < 1
                    || Integer.parseInt(hostPort[1]) > 65535) {
                throw new Args.UsageException(
                        "serve: --seed-nodes takes host:port,host:port,... (ports 1-65535), got '" + seed + "'");
            }
            seeds.add("pekko://adsml@" + seed.strip());
        }
        Map<String, Object> cluster = new HashMap<>();
        cluster.put("adsml.cluster.enabled", true);
        cluster.put("pekko.remote.artery.canonical.hostname", host);
        cluster.put("pekko.remote.artery.canonical.port", port);
        cluster.put("pekko.cluster.seed-nodes", seeds);
        cluster.put("pekko.management.http.hostname", host);
        cluster.put("pekko.management.http.port", port(args, "management-port", 7626, 0));
        if (args.flag("partition")) {
            String partition = args.string("partition", "0/1");
            try {
                cluster.put(
                        "adsml.cluster.partition", Partition.parse(partition).toString());
            } catch (IllegalArgumentException e) {
                throw new Args.UsageException("serve: --partition: " + e.getMessage());
            }
        }
        return cluster;
    }

    /** A port option within [{@code min}, 65535]. */
    private static int port(Args args, String option, int fallback, int min) {
        int port = args.integer(option, fallback);
        if (port < min || port > 65535) {
            throw new Args.UsageException("serve: --" + option + " must be within [" + min + ", 65535], was " + port);
        }
        return port;
    }

    /**
     * A role's token from {@code --ROLE-token}, else the first line of {@code --ROLE-token-file}, else the
     * environment's {@code ADSML_ROLE_TOKEN}: the last two keep it out of {@code ps}.
     */
    private static Optional<String> token(Args args, String role) throws IOException {
        if (args.flag(role + "-token")) {
            return Optional.of(args.string(role + "-token", ""));
        }
        if (args.flag(role + "-token-file")) {
            Path file = Path.of(args.string(role + "-token-file", ""));
            if (!Files.isReadable(file)) {
                throw new Args.UsageException("serve: --" + role + "-token-file " + file + " is not a readable file");
            }
            String token = Files.readString(file, StandardCharsets.UTF_8).strip();
            if (token.isEmpty() || token.contains("\n")) {
                throw new Args.UsageException(
                        "serve: --" + role + "-token-file " + file + " must hold one line, the token");
            }
            return Optional.of(token);
        }
        return Optional.ofNullable(System.getenv("ADSML_" + role.toUpperCase(Locale.ROOT) + "_TOKEN"))
                .filter(t -> !t.isEmpty());
    }

    static void printBanner(AdsmlServer.Started s, PrintStream out) {
        String api = "http://127.0.0.1:" + s.api().getPort();
        String admin = "http://" + s.admin().getHostString() + ":" + s.admin().getPort();
        out.println("adsml is serving " + s.modelVersion().orElse("no model yet (load one in the admin UI or API)"));
        out.println();
        out.println("  admin UI:    " + admin + "/admin/   <- open this, sign in with the admin token");
        // A token is printed only when the server made it up: a configured one stays out of logs and terminals.
        out.println("  admin token: " + (s.adminTokenGenerated() ? s.adminToken() : "(as configured)"));
        out.println("  ingest token: " + (s.ingestTokenGenerated() ? s.ingestToken() : "(as configured)")
                + "   (events and ad writes: Authorization: Bearer <ingest token>)");
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
