package adsml.load;

import java.net.URI;
import java.time.Duration;
import java.util.Locale;
import java.util.Objects;

/**
 * One load run, validated on construction.
 *
 * @param url the server's base URL, e.g. {@code http://127.0.0.1:8080}; requests go to {@link #rankUri()}
 * @param clients closed loop: concurrent clients; open loop: with {@link #IN_FLIGHT_PER_CLIENT}, the default
 *     {@code maxInFlight}
 * @param qps open-loop target rate in requests per second, or 0 for a closed loop
 * @param duration how long requests are recorded, after the warm-up
 * @param warmup how long requests are sent but not recorded, first
 * @param users user ids are drawn from {@code u0 .. u<users-1>}
 * @param slots the {@code slots} of every request
 * @param deadlineMs the {@code deadlineMs} of every request; the client gives up 1 s after it
 * @param seed request bodies are a function of the seed and the request's index
 * @param maxInFlight open loop: requests due while this many are unanswered are dropped, not sent
 * @throws IllegalArgumentException naming the command-line option when a value is out of range
 */
public record LoadSettings(
        URI url,
        int clients,
        double qps,
        Duration duration,
        Duration warmup,
        int users,
        int slots,
        int deadlineMs,
        long seed,
        int maxInFlight) {
    public static final int DEFAULT_CLIENTS = 8;
    public static final Duration DEFAULT_DURATION = Duration.ofSeconds(20);
    public static final Duration DEFAULT_WARMUP = Duration.ofSeconds(2);
    /** The demo world's default user count, so that most requests name a known user. */
    public static final int DEFAULT_USERS = 50_000;

    public static final int DEFAULT_SLOTS = 5;
    public static final int DEFAULT_DEADLINE_MS = 200;
    public static final long DEFAULT_SEED = 1;
    /** Open loop: at most this many requests in flight per client before due requests are dropped. */
    public static final int IN_FLIGHT_PER_CLIENT = 4;

    public LoadSettings {
        Objects.requireNonNull(url, "url");
        Objects.requireNonNull(duration, "duration");
        Objects.requireNonNull(warmup, "warmup");
        String scheme = url.getScheme() == null ? "" : url.getScheme().toLowerCase(Locale.ROOT);
        // Plain HTTP only: adsml serves no TLS, and the generator's transport speaks none.
        require(
                scheme.equals("http") && url.getHost() != null,
                "--url must be an http:// URL with a host, got '%s'",
                url);
        require(clients >= 1 && clients <= 10_000, "--clients must be between 1 and 10000, got %s", clients);
        require(
                Double.isFinite(qps) && qps >= 0 && qps <= 1_000_000,
                "--qps must be between 0 and 1000000, got %s",
                qps);
        require(!duration.isNegative() && !duration.isZero(), "--duration must be positive, got %s", duration);
        require(!warmup.isNegative(), "--warmup must not be negative, got %s", warmup);
        require(users >= 1, "--users must be at least 1, got %s", users);
        require(slots >= 1 && slots <= 1000, "--slots must be between 1 and 1000, got %s", slots);
        require(
                deadlineMs >= 1 && deadlineMs <= 600_000,
                "--deadline-ms must be between 1 and 600000, got %s",
                deadlineMs);
        require(maxInFlight >= 1, "--max-in-flight must be at least 1, got %s", maxInFlight);
    }

    /** True when a scheduler sends at {@link #qps()} regardless of answers. */
    public boolean openLoop() {
        return qps > 0;
    }

    /** The endpoint every request goes to: the base URL with {@code /v1/rank} appended once. */
    public URI rankUri() {
        String base = url.toString();
        while (base.endsWith("/")) {
            base = base.substring(0, base.length() - 1);
        }
        return URI.create(base.endsWith("/v1/rank") ? base : base + "/v1/rank");
    }

    /** The client-side limit of one request: its deadline plus a second for the network and queues. */
    public Duration requestTimeout() {
        return Duration.ofMillis(deadlineMs + 1000L);
    }

    private static void require(boolean ok, String message, Object value) {
        if (!ok) {
            throw new IllegalArgumentException(String.format(Locale.ROOT, message, value));
        }
    }
}
