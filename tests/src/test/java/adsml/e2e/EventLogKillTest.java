package adsml.e2e;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.BooleanSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The event log under {@code kill -9}: a server runs as a process of its own while clients post event batches, retrying
 * each batch, with the same event ids, until it is acknowledged; the server is killed with SIGKILL several times in the
 * middle of that and started again on the same data folder. In the end every acknowledged event is in the log, and no
 * event is in it twice: an acknowledgement means the batch was forced to disk, and a batch that was written but not
 * acknowledged before the kill is a duplicate when its retry comes.
 */
class EventLogKillTest {
    private static final int KILLS = 4;
    private static final int SENDERS = 2;
    private static final int EVENTS_PER_BATCH = 20;
    private static final Pattern API = Pattern.compile("API:\\s+http://127\\.0\\.0\\.1:(\\d+)");
    private static final Duration START_LIMIT = Duration.ofSeconds(60);

    @TempDir
    Path data;

    private Process server;

    @AfterEach
    void stopServer() throws InterruptedException {
        if (server != null && server.isAlive()) {
            server.destroyForcibly();
            server.waitFor(10, TimeUnit.SECONDS);
        }
    }

    @Test
    void killedRepeatedlyDuringIngestion_keepsEveryAcknowledgedEventExactlyOnce() throws Exception {
        ServingFixture.writeWorld(data); // no model: events need none, and the server starts in seconds
        AtomicReference<URI> events = new AtomicReference<>(start(0));
        Set<String> acknowledged = ConcurrentHashMap.newKeySet();
        AtomicBoolean sending = new AtomicBoolean(true);
        List<CompletableFuture<Integer>> senders = new ArrayList<>();
        for (int s = 0; s < SENDERS; s++) {
            int sender = s;
            senders.add(CompletableFuture.supplyAsync(() -> send(sender, events, sending, acknowledged)));
        }

        for (int kill = 1; kill <= KILLS; kill++) {
            int before = acknowledged.size();
            waitFor(() -> acknowledged.size() >= before + 5 * EVENTS_PER_BATCH, "acknowledgements before kill " + kill);
            Thread.sleep(50 + 100L * kill); // kills land at different points of a batch's write and force
            server.destroyForcibly(); // SIGKILL: no shutdown hook, no flush
            assertTrue(server.waitFor(10, TimeUnit.SECONDS), "the server did not die");
            events.set(start(kill));
        }
        int beforeEnd = acknowledged.size();
        waitFor(() -> acknowledged.size() >= beforeEnd + 5 * EVENTS_PER_BATCH, "acknowledgements after the last start");
        sending.set(false);
        int retriedBatches = 0;
        for (CompletableFuture<Integer> sender : senders) {
            retriedBatches += sender.get(30, TimeUnit.SECONDS);
        }

        Map<String, Integer> logged = loggedIds();
        List<String> missing = acknowledged.stream()
                .filter(id -> !logged.containsKey(id))
                .sorted()
                .toList();
        List<String> twice = logged.entrySet().stream()
                .filter(e -> e.getValue() > 1)
                .map(Map.Entry::getKey)
                .sorted()
                .toList();
        assertTrue(missing.isEmpty(), () -> missing.size() + " acknowledged events are not in the log: " + missing);
        assertTrue(twice.isEmpty(), () -> twice.size() + " events are in the log more than once: " + twice);
        assertTrue(retriedBatches > 0, "no batch was cut off by a kill and retried: the test proved nothing");
    }

    /**
     * One client: batches of new events, each sent until it is acknowledged (a refused connection, a 503, a reset: the
     * same batch again, to wherever the server now listens). Returns how many batches needed more than one try.
     */
    private static int send(int sender, AtomicReference<URI> events, AtomicBoolean sending, Set<String> acknowledged) {
        HttpClient http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(2))
                .build();
        int retried = 0;
        for (int batch = 0; sending.get(); batch++) {
            List<String> ids = new ArrayList<>(EVENTS_PER_BATCH);
            StringBuilder body = new StringBuilder("{\"events\":[");
            long now = System.currentTimeMillis();
            for (int i = 0; i < EVENTS_PER_BATCH; i++) {
                String id = "s" + sender + "-b" + batch + "-e" + i;
                ids.add(id);
                body.append(i == 0 ? "" : ",")
                        .append("{\"type\":\"impression\",\"eventId\":\"")
                        .append(id)
                        .append("\",\"requestId\":\"r")
                        .append(batch)
                        .append("\",\"userId\":\"u1\",\"adId\":")
                        .append(1 + (batch + i) % 100)
                        .append(",\"timestampMs\":")
                        .append(now)
                        .append(",\"cost\":0.001}");
            }
            body.append("]}");
            for (int attempt = 0; ; attempt++) {
                if (attempt == 1) {
                    retried++;
                }
                try {
                    HttpResponse<String> r = http.send(
                            HttpRequest.newBuilder(events.get())
                                    .timeout(Duration.ofSeconds(10))
                                    .header("Content-Type", "application/json")
                                    .header("Authorization", "Bearer " + ServingFixture.INGEST_TOKEN)
                                    .POST(HttpRequest.BodyPublishers.ofString(body.toString()))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    if (r.statusCode() == 200) {
                        acknowledged.addAll(ids);
                        break;
                    }
                    if (r.statusCode() != 503) {
                        throw new IllegalStateException("POST /v1/events answered " + r.statusCode() + ": " + r.body());
                    }
                } catch (IOException e) {
                    // The server is dead or not up yet: the same batch again once it is.
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return retried;
                }
                if (!sending.get()) {
                    return retried;
                }
                sleep(20);
            }
        }
        return retried;
    }

    /** Starts {@code adsml serve} on the data folder in a JVM of its own; returns its events URI once it listens. */
    private URI start(int run) throws Exception {
        String java = ProcessHandle.current().info().command().orElse("java");
        String classPath = System.getProperty("surefire.test.class.path", System.getProperty("java.class.path"));
        Path log = data.resolve("server-" + run + ".log");
        List<String> command = List.of(
                java,
                "-Xmx512m",
                "-XX:TieredStopAtLevel=1", // a short life: start fast rather than run fast
                "-cp",
                classPath,
                "-Dadsml.http.host=127.0.0.1",
                "-Dadsml.server.warm-up-requests=0",
                "-Dadsml.scheduler.backend=cpu",
                "-Dadsml.scheduler.cpu.engine=reference",
                // Small segments, so kills also land around rotations; retention keeps every segment to check.
                "-Dadsml.actors.event-log.segment-bytes=64k",
                "-Dadsml.actors.event-log.retention-segments=10000",
                "-Dadsml.actors.event-log.retention-bytes=1g",
                "adsml.cli.Main",
                "serve",
                "--data",
                data.toString(),
                "--port",
                "0",
                "--admin-port",
                "0",
                "--ingest-token",
                ServingFixture.INGEST_TOKEN,
                "--admin-token",
                ServingFixture.ADMIN_TOKEN);
        server = new ProcessBuilder(command)
                .redirectError(log.toFile())
                .redirectOutput(ProcessBuilder.Redirect.PIPE)
                .start();
        CompletableFuture<Integer> port = new CompletableFuture<>();
        Process started = server;
        Thread reader = new Thread(
                () -> {
                    try (BufferedReader out = new BufferedReader(
                            new InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
                        for (String line = out.readLine(); line != null; line = out.readLine()) {
                            Matcher m = API.matcher(line);
                            if (m.find()) {
                                port.complete(Integer.parseInt(m.group(1)));
                            }
                        }
                    } catch (IOException e) {
                        // The process died; the wait below says so.
                    }
                    port.completeExceptionally(new IllegalStateException("the server's output ended"));
                },
                "server-" + run + "-stdout");
        reader.setDaemon(true);
        reader.start();
        try {
            return URI.create("http://127.0.0.1:" + port.get(START_LIMIT.toSeconds(), TimeUnit.SECONDS) + "/v1/events");
        } catch (Exception e) {
            throw new AssertionError("server " + run + " did not start: " + Files.readString(log), e);
        }
    }

    /** Every event id in the log's segments, with how many times it is there. */
    private Map<String, Integer> loggedIds() throws IOException {
        Map<String, Integer> ids = new HashMap<>();
        // The active segment and the sealed ones, not the spend snapshot (events.log.spend) beside them.
        try (DirectoryStream<Path> files =
                Files.newDirectoryStream(data, f -> f.getFileName().toString().matches("events\\.log(\\.[0-9]+)?"))) {
            for (Path f : files) {
                for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
                    ids.merge(line.split("\t", -1)[1], 1, Integer::sum);
                }
            }
        }
        return ids;
    }

    private static void waitFor(BooleanSupplier condition, String what) throws InterruptedException {
        long giveUp = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < giveUp, "not within 30 s: " + what);
            Thread.sleep(10);
        }
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
