package adsml.demo;

import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.offline.generator.GroundTruth;
import adsml.platform.world.World;
import adsml.simulate.SimulatedUsers;
import java.net.URI;
import java.net.http.HttpClient;
import java.time.Clock;
import java.time.Duration;
import java.util.SplittableRandom;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Simulated users of the demo: at a steady rate, a random user at a random surface and hour visits the server
 * ({@link SimulatedUsers#visit}: rank, clicks and conversions drawn from the world's truth, events back with what the
 * advertiser pays per impression, click or conversion by bid type). So the events, the budgets and the metrics the
 * admin UI shows move as they would under real traffic.
 */
public final class DemoTraffic implements AutoCloseable {
    private final World world;
    private final SimulatedUsers users;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "adsml-demo-traffic");
        t.setDaemon(true);
        return t;
    });
    /** Used on the timer's one thread only. */
    private final SplittableRandom random;

    private DemoTraffic(World world, URI api, String ingestToken, long seed) {
        this.world = world;
        // The ingest credential: events need it, and it may rank too, should the ranking API be closed.
        this.users = new SimulatedUsers(
                world,
                GroundTruth.create(world.config().seed(), world.advertisers().size()),
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build(),
                api,
                "Bearer " + ingestToken,
                3,
                Clock.systemUTC(),
                SimulatedUsers.Billing.ACTION,
                // The demo's world drifts from the moment its traffic starts.
                System.currentTimeMillis());
        this.random = new SplittableRandom(seed);
    }

    /** Starts sending about {@code requestsPerSecond} rank requests to {@code api}, with the ingest credential. */
    public static DemoTraffic start(World world, URI api, String ingestToken, double requestsPerSecond, long seed) {
        DemoTraffic traffic = new DemoTraffic(world, api, ingestToken, seed);
        long periodMicros = Math.max(1, (long) (1e6 / requestsPerSecond));
        traffic.timer.scheduleAtFixedRate(traffic::oneVisit, 0, periodMicros, TimeUnit.MICROSECONDS);
        return traffic;
    }

    /** One visit; a failed one is skipped (the visit never throws), and the next one goes on. */
    private void oneVisit() {
        User user = world.user(random.nextInt(world.users().size()));
        Context context = new Context(random.nextInt(Vocab.SURFACES.length), random.nextInt(Vocab.HOURS), 0);
        users.visit(user, context, random);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
