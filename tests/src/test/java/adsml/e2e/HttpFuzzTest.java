package adsml.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.e2e.HostileRequests.Request;
import adsml.e2e.RawHttp.Answer;
import adsml.server.AdsmlServer;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicIntegerArray;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Hostile input gets a 4xx, never a 500: at least ten thousand generated requests ({@link HostileRequests}) over every
 * route of both listeners, every method, content type and credential, with malformed and hostile bodies sent with
 * {@code Content-Length} and chunked, against a real server of its own (its writes pause ads and change knobs). Every
 * answer must be below 500, or a 503 (overload), or a 501 for a method no server knows; no connection may close without
 * an answer unless the body was over the limit; and no body may show internals (an exception, a stack frame, a class
 * name, a file path).
 *
 * <p>Each run takes a new seed, printed with every failure; {@code -Dadsml.fuzz.seed=N} replays a run and
 * {@code -Dadsml.fuzz.requests=N} changes its length.
 */
class HttpFuzzTest {
    private static final int REQUESTS = Integer.getInteger("adsml.fuzz.requests", 10_000);
    private static final long SEED =
            Long.getLong("adsml.fuzz.seed", ThreadLocalRandom.current().nextLong());
    private static final int MAX_BODY_BYTES = 64 * 1024;
    private static final int CLIENTS = 4;
    private static final int MAX_FAILURES_SHOWN = 10;

    /**
     * What no client may see: an exception's name, a stack frame, a package-qualified class name, a source file, a path
     * of the machine.
     */
    private static final Pattern INTERNALS = Pattern.compile("Exception|\\bat (adsml|java|org|scala|com)\\.|\tat "
            + "|\\b(adsml|java|javax|scala|org|com|jdk|sun)(\\.[a-z][a-z0-9_]*)+\\.[A-Z]\\w*"
            + "|\\.(java|scala):\\d|/(tmp|root|home|work|usr|proc)/");

    @TempDir
    static Path data;

    private static AdsmlServer server;
    private static int apiPort;
    private static int adminPort;

    @BeforeAll
    static void startServer() throws Exception {
        ServingFixture.writeWorldAndFirstVersion(data);
        server = ServingFixture.start(data, Map.of("adsml.http.max-body-bytes", MAX_BODY_BYTES));
        apiPort = server.started().api().getPort();
        adminPort = server.started().admin().getPort();
    }

    @AfterAll
    static void stopServer() {
        if (server != null) {
            server.close();
        }
    }

    @Test
    void hostileRequests_getA4xxOrA503_neverA500_aDroppedConnectionOrInternals() throws Exception {
        HostileRequests requests = new HostileRequests(
                SEED, ServingFixture.ADS, MAX_BODY_BYTES, ServingFixture.ADMIN_TOKEN, ServingFixture.INGEST_TOKEN);
        RawHttp http = new RawHttp(30_000);
        AtomicInteger next = new AtomicInteger();
        AtomicIntegerArray byStatus = new AtomicIntegerArray(600);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicInteger failed = new AtomicInteger();
        AtomicLong slowest = new AtomicLong();
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        try {
            List<Future<?>> running = new ArrayList<>();
            for (int c = 0; c < CLIENTS; c++) {
                running.add(clients.submit(() -> {
                    for (int i = next.getAndIncrement(); i < REQUESTS; i = next.getAndIncrement()) {
                        SplittableRandom random = requests.random(i);
                        Request request = requests.request(random);
                        String problem;
                        long sent = System.nanoTime();
                        try {
                            Answer answer = http.send(
                                    request.admin() ? adminPort : apiPort,
                                    request.method(),
                                    request.head(),
                                    request.body(),
                                    request.framing(),
                                    random);
                            byStatus.incrementAndGet(Math.min(answer.status(), 599));
                            problem = problem(request, answer);
                            long ms = (System.nanoTime() - sent) / 1_000_000;
                            slowest.accumulateAndGet(ms << 20 | i, Math::max); // the time, and which request
                        } catch (IOException e) {
                            problem = "could not send: " + e;
                        }
                        if (problem != null && failed.incrementAndGet() <= MAX_FAILURES_SHOWN) {
                            failures.add("request " + i + ": " + problem + "\n" + request.describe());
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : running) {
                f.get();
            }
        } finally {
            clients.shutdownNow();
        }

        Map<Integer, Integer> statuses = new TreeMap<>();
        for (int s = 0; s < byStatus.length(); s++) {
            if (byStatus.get(s) > 0) {
                statuses.put(s, byStatus.get(s));
            }
        }
        System.out.println("HttpFuzzTest: " + REQUESTS + " requests, seed " + SEED + ", answers by status (0: none) "
                + statuses + "; the slowest, request " + (slowest.get() & 0xFFFFF) + ", took " + (slowest.get() >> 20)
                + " ms");
        assertEquals(
                0,
                failed.get(),
                () -> failed.get() + " of " + REQUESTS + " requests went wrong (seed " + SEED
                        + "; replay with -Dadsml.fuzz.seed=" + SEED + "):\n\n" + String.join("\n\n", failures));
        int ok = statuses.getOrDefault(200, 0);
        int refused = statuses.getOrDefault(400, 0);
        assertTrue(
                ok > REQUESTS / 100 && refused > REQUESTS / 20,
                () -> "the mix of answers says the generator lost its way (seed " + SEED + "): " + statuses);
        assertEquals(200, liveness(http), "the server still answers after the run");
    }

    /** What is wrong with {@code answer} to {@code request}, or null. */
    private static String problem(Request request, Answer answer) {
        if (answer.isDropped()) {
            return request.oversized() ? null : answer.toString();
        }
        int status = answer.status();
        boolean unknownMethod = HostileRequests.UNKNOWN_METHODS.contains(request.method());
        if (status >= 500 && status != 503 && !(status == 501 && unknownMethod)) {
            return "answered " + answer;
        }
        Matcher leak = INTERNALS.matcher(answer.bodyText());
        if (leak.find()) {
            return "internals ('" + leak.group() + "') in " + answer;
        }
        return null;
    }

    private static int liveness(RawHttp http) throws IOException {
        return http.send(
                        apiPort,
                        "GET",
                        "GET /health/live HTTP/1.1\r\nHost: 127.0.0.1\r\n",
                        new byte[0],
                        RawHttp.Framing.NONE,
                        new SplittableRandom(0))
                .status();
    }
}
