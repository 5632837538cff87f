package adsml.load;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.atomic.AtomicInteger;

/** {@link Transport} over the JDK's HTTP/1.1 client, on a fixed pool of daemon threads. */
final class HttpTransport implements Transport {
    private final URI target;
    private final Duration timeout;
    private final ExecutorService pool;
    private final HttpClient client;

    HttpTransport(URI target, Duration timeout, int threads) {
        this.target = target;
        this.timeout = timeout;
        this.pool = Executors.newFixedThreadPool(threads, daemonThreads("adsml-load-http-"));
        this.client = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .executor(pool)
                .connectTimeout(timeout)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
    }

    @Override
    public CompletableFuture<Integer> send(String body) {
        HttpRequest request = HttpRequest.newBuilder(target)
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return client.sendAsync(request, HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode);
    }

    @Override
    public void close() {
        // Java 17's HttpClient has no close(): stopping its executor ends our threads, and the
        // client's own selector thread ends once the client is unreachable.
        pool.shutdownNow();
    }

    static ThreadFactory daemonThreads(String prefix) {
        AtomicInteger n = new AtomicInteger();
        return r -> {
            Thread t = new Thread(r, prefix + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        };
    }
}
