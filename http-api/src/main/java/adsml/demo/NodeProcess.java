package adsml.demo;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * One adsml node of the cluster demo: {@code adsml serve --cluster} in a process of its own, on ports of its own, with
 * its own data folder (its user store and event log) and its log beside it. It can be killed with SIGKILL and started
 * again on the same ports and folder, as a supervisor would.
 */
final class NodeProcess {
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).build();

    final int index;
    final int apiPort;
    final int adminPort;
    final int clusterPort;
    final int managementPort;
    private final Path data;
    private final Path log;
    private final Path config;
    private final List<String> seeds;
    private final String adminToken;
    private final String ingestToken;
    private final int heapMb;
    private final List<String> extraArgs;
    private Process process;

    NodeProcess(
            int index,
            Path data,
            Path config,
            List<String> seeds,
            int clusterPort,
            String adminToken,
            String ingestToken,
            int heapMb,
            List<String> extraArgs)
            throws IOException {
        this.index = index;
        this.data = data;
        this.config = config;
        this.seeds = seeds;
        this.clusterPort = clusterPort;
        this.adminToken = adminToken;
        this.ingestToken = ingestToken;
        this.heapMb = heapMb;
        this.extraArgs = List.copyOf(extraArgs);
        this.log = data.resolveSibling(data.getFileName() + ".log");
        this.apiPort = freePort();
        this.adminPort = freePort();
        this.managementPort = freePort();
    }

    /**
     * A port nothing listens on now, below Linux's ephemeral range (32768 and up): a port the system hands out may be
     * taken by one of the nodes' own outbound connections before the node that was given it binds it.
     */
    static int freePort() throws IOException {
        for (int tries = 0; tries < 1000; tries++) {
            int port = 20_000 + ThreadLocalRandom.current().nextInt(12_000);
            try (ServerSocket socket = new ServerSocket(port, 1, InetAddress.getLoopbackAddress())) {
                return socket.getLocalPort();
            } catch (IOException taken) {
                // the next one
            }
        }
        throw new IOException("no free port in 20000-31999 after 1000 tries");
    }

    /** {@code host:port} of this node in the cluster. */
    String name() {
        return "127.0.0.1:" + clusterPort;
    }

    URI api() {
        return URI.create("http://127.0.0.1:" + apiPort);
    }

    URI admin() {
        return URI.create("http://127.0.0.1:" + adminPort);
    }

    void start() throws IOException {
        start(false);
    }

    /**
     * Starts the node; {@code yielding}: at a lower CPU priority ({@code nice}), for a node started while its peers
     * serve on the same cores: its start (class loading, the JIT, the warm-up) would otherwise take their CPU, which on
     * machines of their own it would not.
     */
    void start(boolean yielding) throws IOException {
        List<String> command = new ArrayList<>();
        if (yielding && Files.isExecutable(Path.of("/usr/bin/nice"))) {
            command.addAll(List.of("/usr/bin/nice", "-n", "10"));
        }
        command.addAll(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx" + heapMb + "m",
                // One GC thread per node: the nodes and the clients share the machine's cores.
                "-XX:+UseSerialGC",
                "-cp",
                System.getProperty("java.class.path"),
                "adsml.cli.Main",
                "serve",
                "--data",
                data.toString(),
                "--config",
                config.toString(),
                "--port",
                Integer.toString(apiPort),
                "--admin-port",
                Integer.toString(adminPort),
                "--cluster",
                "--cluster-port",
                Integer.toString(clusterPort),
                "--management-port",
                Integer.toString(managementPort),
                "--seed-nodes",
                String.join(",", seeds),
                "--admin-token",
                adminToken,
                "--ingest-token",
                ingestToken));
        command.addAll(extraArgs);
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
    }

    /** SIGKILL: no shutdown hook runs, nothing leaves the cluster. */
    void kill() throws InterruptedException {
        process.destroyForcibly();
        process.waitFor();
    }

    /** SIGTERM and wait: the node leaves the cluster and stops. */
    void stop() throws InterruptedException {
        if (process != null && process.isAlive()) {
            process.destroy();
            if (!process.waitFor(20, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                process.waitFor();
            }
        }
    }

    boolean alive() {
        return process != null && process.isAlive();
    }

    /**
     * Waits until {@code /health/ready} answers 200, the process dies or {@code within} passes; whether it is ready.
     */
    boolean awaitReady(Duration within) throws InterruptedException {
        long giveUp = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < giveUp && alive()) {
            if (ready()) {
                return true;
            }
            Thread.sleep(250);
        }
        return false;
    }

    boolean ready() throws InterruptedException {
        try {
            return HTTP.send(
                                    HttpRequest.newBuilder(api().resolve("/health/ready"))
                                            .timeout(Duration.ofSeconds(2))
                                            .build(),
                                    HttpResponse.BodyHandlers.discarding())
                            .statusCode()
                    == 200;
        } catch (IOException e) {
            return false;
        }
    }

    /** The last lines of this node's log: what a failed start says. */
    String logTail() {
        try {
            List<String> lines = Files.readAllLines(log);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 5), lines.size()));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
