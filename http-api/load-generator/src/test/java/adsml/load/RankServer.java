package adsml.load;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A stand-in for {@code /v1/rank} on loopback: answers after a fixed delay, every {@code nth503}-th request (counting
 * from 1) with 503, the rest with 200, and counts what it answered. A serial server handles one request at a time, so
 * requests queue behind it.
 */
public final class RankServer implements AutoCloseable {
    static {
        // The JDK server writes headers and body separately; with Nagle on, delayed ACKs add ~40 ms.
        System.setProperty("sun.net.httpserver.nodelay", "true");
    }

    private final HttpServer server;
    private final ExecutorService pool;
    private final long delayMillis;
    private final int nth503;
    private final AtomicInteger received = new AtomicInteger();
    private final Map<Integer, AtomicLong> answered = new ConcurrentHashMap<>();
    private final ConcurrentLinkedQueue<String> bodies = new ConcurrentLinkedQueue<>();

    private RankServer(Duration delay, int nth503, boolean serial) throws IOException {
        this.delayMillis = delay.toMillis();
        this.nth503 = nth503;
        this.server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 100);
        this.pool = serial ? null : Executors.newCachedThreadPool();
        server.setExecutor(pool);
        server.createContext("/v1/rank", this::handle);
        server.start();
    }

    public static RankServer concurrent(Duration delay, int nth503) throws IOException {
        return new RankServer(delay, nth503, false);
    }

    public static RankServer serial(Duration delay) throws IOException {
        return new RankServer(delay, 0, true);
    }

    /** A loopback URL where nothing listens (a port just bound and released). */
    public static URI nothingListening() throws IOException {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return URI.create("http://127.0.0.1:" + s.getLocalPort());
        }
    }

    public URI url() {
        return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
    }

    public int received() {
        return received.get();
    }

    public long answered(int status) {
        AtomicLong n = answered.get(status);
        return n == null ? 0 : n.get();
    }

    public List<String> bodies() {
        return List.copyOf(bodies);
    }

    private void handle(HttpExchange exchange) throws IOException {
        try (exchange;
                InputStream in = exchange.getRequestBody()) {
            String body = new String(in.readAllBytes(), StandardCharsets.UTF_8);
            int n = received.incrementAndGet();
            if (bodies.size() < 10_000) {
                bodies.add(exchange.getRequestHeaders().getFirst("Content-Type") + " " + body);
            }
            Thread.sleep(delayMillis);
            int status = nth503 > 0 && n % nth503 == 0 ? 503 : 200;
            answered.computeIfAbsent(status, s -> new AtomicLong()).incrementAndGet();
            byte[] reply = "{\"ads\":[]}".getBytes(StandardCharsets.UTF_8);
            exchange.sendResponseHeaders(status, reply.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(reply);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        server.stop(0);
        if (pool != null) {
            pool.shutdownNow();
        }
    }
}
