package adsml.http;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.settings.ServerSettings;

/**
 * The two listeners: the public API, and the admin API on an address of its own (loopback by default) so that it can be
 * firewalled apart. What each answers is {@link HttpApi}'s. Each has its own request timeout, idle timeout and
 * connection limit ({@link HttpSettings.ListenerLimits}): slow senders on the public one cannot hold a connection for
 * the admin one's model-load timeout.
 */
public final class Listeners {
    private static final Duration BIND_TIMEOUT = Duration.ofSeconds(30);

    private final ServerBinding api;
    private final ServerBinding admin;

    private Listeners(ServerBinding api, ServerBinding admin) {
        this.api = api;
        this.admin = admin;
    }

    /**
     * Binds both listeners.
     *
     * @throws IOException naming the port and its setting when one is taken (checked first: Pekko's own failure comes
     *     as a logged stack trace)
     */
    public static Listeners bind(ActorSystem<?> system, HttpSettings settings, HttpApi routes) throws Exception {
        requireFree(settings.host(), settings.port(), "the public listener (--port, adsml.http.port)");
        requireFree(
                settings.adminHost(), settings.adminPort(), "the admin listener (--admin-port, adsml.http.admin-port)");
        Http http = Http.get(system);
        ServerBinding api = http.newServerAt(settings.host(), settings.port())
                .withSettings(serverSettings(system, settings.publicListener()))
                .bind(routes.publicListener())
                .toCompletableFuture()
                .get(BIND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
        try {
            ServerBinding admin = http.newServerAt(settings.adminHost(), settings.adminPort())
                    .withSettings(serverSettings(system, settings.adminListener()))
                    .bind(routes.adminListener())
                    .toCompletableFuture()
                    .get(BIND_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
            return new Listeners(api, admin);
        } catch (Exception e) {
            api.unbind();
            throw e;
        }
    }

    static void requireFree(String host, int port, String which) throws IOException {
        if (port == 0) {
            return; // any free port
        }
        try (ServerSocket probe = new ServerSocket()) {
            probe.setReuseAddress(true); // as the listener binds: a port in TIME_WAIT is free
            probe.bind(new InetSocketAddress(host, port));
        } catch (BindException e) {
            throw new IOException("port " + port + " on " + host + ", for " + which + ", is in use by another process ("
                    + e.getMessage() + ")");
        }
    }

    /** Pekko's server settings with one listener's limits: each listener has its own, not the process's. */
    static ServerSettings serverSettings(ActorSystem<?> system, HttpSettings.ListenerLimits limits) {
        Config config = ConfigFactory.parseMap(Map.of(
                        "pekko.http.server.request-timeout",
                                limits.requestTimeout().toMillis() + "ms",
                        "pekko.http.server.idle-timeout", limits.idleTimeout().toMillis() + "ms",
                        "pekko.http.server.max-connections", limits.maxConnections()))
                .withFallback(system.settings().config());
        return ServerSettings.create(config);
    }

    public InetSocketAddress api() {
        return api.localAddress();
    }

    public InetSocketAddress admin() {
        return admin.localAddress();
    }

    /** Stops accepting, lets requests in flight finish for up to {@code grace}, then closes the connections. */
    public void unbind(Duration grace) {
        try {
            api.terminate(grace).toCompletableFuture().get(grace.toMillis() + 1000, TimeUnit.MILLISECONDS);
            admin.terminate(grace).toCompletableFuture().get(grace.toMillis() + 1000, TimeUnit.MILLISECONDS);
        } catch (Exception e) {
            api.unbind();
            admin.unbind();
        }
    }
}
