package adsml.demo;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Vocab;
import adsml.platform.index.BudgetTracker;
import adsml.platform.index.IndexSettings;
import adsml.platform.index.IvfAdIndex;
import adsml.platform.index.Partition;
import adsml.platform.index.RetrievalTower;
import adsml.platform.offline.generator.GroundTruth;
import adsml.platform.world.World;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.PrintStream;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code adsml cluster-demo}: several adsml nodes as separate processes on loopback, serving one world as one cluster
 * under the load of {@link ClusterTraffic}. Midway it kills one node with SIGKILL, rolls a new model version out
 * through one node's admin API, changes an ad through another, and starts the killed node again; then it reports what
 * the clients saw.
 *
 * <p>The timeline, as shares of the duration: kill at 0.25, rollout at 0.45, ad change at 0.55, restart at 0.6. The
 * world's budgets are small, so that campaigns run out while the nodes share them.
 */
public final class ClusterDemo {
    private static final ObjectMapper JSON = new ObjectMapper();
    /** The demo's own calls: the rollout, the ad write and the reads that check them. */
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

    private static final String ADMIN = "cluster-demo-admin";
    private static final String INGEST = "cluster-demo-ingest";
    private static final Duration START_LIMIT = Duration.ofMinutes(4);
    private static final Duration VISIBLE_LIMIT = Duration.ofSeconds(5);
    /**
     * Traffic before the measured run: fresh JVMs missed deadlines in their first seconds of load (the JIT), on 2 cores
     * shared by three nodes and the clients; after 15 s a request still missed its deadline at 16 s in two runs of
     * three, the three JVMs, started together, compiling the rank path together.
     */
    private static final Duration WARM_UP = Duration.ofSeconds(30);

    /**
     * @param clients closed-loop clients, spread over the nodes
     * @param flat the index partitioned by ad across the nodes (node i holds partition i), not whole on each
     */
    public record Settings(
            int nodes, Duration duration, boolean killOne, int clients, double qps, long seed, boolean flat) {
        public Settings {
            if (nodes < 2) {
                throw new IllegalArgumentException("nodes must be >= 2, was " + nodes);
            }
            if (duration.toSeconds() < 10) {
                throw new IllegalArgumentException("duration must be >= 10 s, was " + duration.toSeconds() + " s");
            }
            if (killOne && nodes < 3) {
                throw new IllegalArgumentException(
                        "--kill-one needs at least 3 nodes: of 2, the one left is no majority and stops");
            }
            if (clients < 1) {
                throw new IllegalArgumentException("clients must be >= 1, was " + clients);
            }
            if (!(qps > 0)) {
                throw new IllegalArgumentException("qps must be > 0, was " + qps);
            }
        }
    }

    /**
     * What the clients saw.
     *
     * @param requests rank requests sent
     * @param non2xxOnSurvivors rank and event requests that failed on a node not killed on purpose (the killed node's,
     *     in flight at the kill, and its own after its restart are counted apart)
     * @param swapConsistent every node switched from the old version to the new one and never back, no answer to a
     *     request sent after the rollout answered carried the old one, and every node serves the new one at the end
     * @param adUpdateVisibleMs from the ad write's request to the change being read on every other live node
     * @param maxOverspendPct the largest charge past a daily budget, in percent of it, over every campaign
     * @param rejoined the killed node came back: Up in the cluster, ready, on the new version, with the ad change
     * @param exhaustedCampaigns campaigns charged at least 99% of their budget
     * @param maxSpentShare the most any campaign was charged, as a share of its budget
     * @param mostCharged the five campaigns charged the most, with their budgets
     * @param layout grouped (each node's index holds every ad) or flat (partitioned by ad across the nodes)
     * @param rankP50Ms the median round trip of the counted rank answers, at the client
     * @param rankP99Ms their 99th percentile
     * @param ivfMbPerNode what one node's IVF takes (codes, lists, filters), per node
     * @param partialRetrievals per node, its retrievals while measured that went without some partition's answer (flat
     *     only; a node restarted meanwhile counts from its restart, a node down at the end is -1)
     * @param partialShare those as a share of the nodes' retrievals while measured
     */
    public record Result(
            int nodes,
            long requests,
            long non2xxOnSurvivors,
            boolean swapConsistent,
            long adUpdateVisibleMs,
            double maxOverspendPct,
            boolean rejoined,
            long answered,
            long failedOnKilledNode,
            long failedOnRestartedNode,
            List<Long> answeredPerNode,
            Map<Integer, List<String>> versionsPerNode,
            long rolloutMs,
            int exhaustedCampaigns,
            double maxSpentShare,
            List<String> mostCharged,
            List<String> survivorFailures,
            List<String> events,
            String layout,
            double rankP50Ms,
            double rankP99Ms,
            List<Double> ivfMbPerNode,
            List<Long> partialRetrievals,
            double partialShare) {}

    private ClusterDemo() {}

    /**
     * Runs the demo in {@code dir}, which holds {@code base/world}, {@code base/models/<model>/1} and the version to
     * roll out, {@code staged} (a version folder named 2). Every node retrieves with the IVF, whose lists are built
     * here once, in {@code base/index}, for the nodes to read.
     */
    public static Result run(Path dir, World world, String model, Path staged, Settings s, PrintStream err)
            throws Exception {
        Path config = dir.resolve("node.conf");
        // The reference scorer: the nodes share two cores, and DJL's native engine per process buys nothing for an
        // LR model. Pacing off: the small budgets are spent as fast as the traffic goes, which is the test. Billed by
        // the impression, as the clients bill: the auction then caps a bid by what is left per impression, not per
        // click.
        Files.writeString(
                config,
                "adsml.scheduler.cpu.engine = reference\n"
                        + "adsml.platform.pacing.enabled = false\n"
                        + "adsml.platform.auction.billing = impression\n"
                        // A short warm-up: a restarted node would take half a minute for the default 1000 requests on
                        // cores its peers are busy on; the balancer's slow start finishes its warming.
                        + "adsml.server.warm-up-requests = 300\n"
                        // The IVF in both layouts, so that they differ only in where the lists are.
                        + "adsml.platform.index.kind = ivf\n"
                        // Flat only. The nodes share the machine's cores with each other and the clients: a message
                        // between two of them took 5-25 ms under this load (docs/perf-log.md), where a partition's
                        // search takes 0.2 ms; the clients' requests allow 200 ms.
                        + "adsml.cluster.scatter-timeout = 80ms\n");
        List<Double> ivfMb = buildIndexes(world, dir.resolve("base/index"), s);
        List<Integer> clusterPorts = new ArrayList<>();
        for (int i = 0; i < s.nodes(); i++) {
            clusterPorts.add(NodeProcess.freePort());
        }
        List<String> seeds = List.of("127.0.0.1:" + clusterPorts.get(0), "127.0.0.1:" + clusterPorts.get(1));
        List<NodeProcess> nodes = new ArrayList<>();
        for (int i = 0; i < s.nodes(); i++) {
            Path data = dir.resolve("node-" + (i + 1));
            Files.createDirectories(data);
            link(data.resolve("world"), dir.resolve("base/world"));
            link(data.resolve("models"), dir.resolve("base/models"));
            link(data.resolve("index"), dir.resolve("base/index"));
            nodes.add(new NodeProcess(
                    i,
                    data,
                    config,
                    seeds,
                    clusterPorts.get(i),
                    ADMIN,
                    INGEST,
                    heapMb(world),
                    s.flat() ? List.of("--partition", i + "/" + s.nodes()) : List.of()));
        }
        List<String> events = new ArrayList<>();
        long t0 = System.nanoTime();
        try {
            for (NodeProcess node : nodes) {
                node.start();
            }
            for (NodeProcess node : nodes) {
                if (!node.awaitReady(START_LIMIT)) {
                    throw new IllegalStateException(
                            "node " + (node.index + 1) + " did not become ready: " + node.logTail());
                }
            }
            note(events, err, t0, s.nodes() + " nodes ready: " + names(nodes));
            ClusterTraffic traffic = new ClusterTraffic(
                    world,
                    GroundTruth.create(
                            world.config().seed(), world.advertisers().size()),
                    nodes,
                    INGEST);
            traffic.start(s.clients(), s.qps(), s.seed());
            note(
                    events,
                    err,
                    t0,
                    "traffic: " + s.clients() + " clients, " + s.qps() + " rank requests/s; warming up for "
                            + WARM_UP.toSeconds() + " s");
            Thread.sleep(WARM_UP.toMillis());
            traffic.measure();
            note(events, err, t0, "measuring");
            List<long[]> layoutAtStart = new ArrayList<>();
            for (NodeProcess node : nodes) {
                layoutAtStart.add(s.flat() ? retrievals(node) : null);
            }
            long start = System.nanoTime();
            NodeProcess victim = nodes.get(nodes.size() - 1);
            NodeProcess first = nodes.get(0);
            if (s.killOne()) {
                sleepUntil(start, s.duration(), 0.25);
                traffic.killing(victim.index);
                victim.kill();
                note(events, err, t0, "killed node " + (victim.index + 1) + " (" + victim.name() + ") with SIGKILL");
            }
            sleepUntil(start, s.duration(), 0.45);
            Path next = dir.resolve("base/models").resolve(model).resolve("2");
            Files.move(staged, next, StandardCopyOption.ATOMIC_MOVE);
            long rolloutStart = System.nanoTime();
            HttpResponse<String> rollout =
                    send(HttpRequest.newBuilder(first.admin().resolve("/admin/api/models/" + model + "/2/activate"))
                            .header("Authorization", "Bearer " + ADMIN)
                            .POST(HttpRequest.BodyPublishers.noBody())
                            .timeout(Duration.ofMinutes(2))
                            .build());
            long rolloutMs = (System.nanoTime() - rolloutStart) / 1_000_000;
            if (rollout.statusCode() == 200) {
                traffic.expect(model + "/2");
            }
            note(
                    events,
                    err,
                    t0,
                    "rollout of " + model + "/2 through node 1: " + rollout.statusCode() + " in " + rolloutMs + " ms");
            sleepUntil(start, s.duration(), 0.55);
            int adId = 0;
            int category = (world.ad(adId).category() + 1) % Vocab.NUM_CATEGORIES;
            long visibleMs = changeAd(first, nodes, victim, s.killOne(), world, adId, category);
            note(
                    events,
                    err,
                    t0,
                    "ad " + adId + " changed through node 1: on every live node after " + visibleMs + " ms");
            boolean[] back = {false};
            Thread restart = null;
            if (s.killOne()) {
                sleepUntil(start, s.duration(), 0.6);
                victim.start(true);
                note(
                        events,
                        err,
                        t0,
                        "restarted node " + (victim.index + 1) + " (at nice 10: it shares the survivors' cores)");
                restart = new Thread(() -> {
                    try {
                        if (victim.awaitReady(START_LIMIT)) {
                            traffic.back(victim.index);
                            back[0] = true;
                            note(events, err, t0, "node " + (victim.index + 1) + " ready again: traffic resumes");
                        }
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                    }
                });
                restart.start();
            }
            sleepUntil(start, s.duration(), 1.0);
            if (restart != null) {
                restart.join(START_LIMIT.toMillis());
            }
            traffic.stop();
            note(events, err, t0, "traffic stopped");
            List<Long> partial = new ArrayList<>();
            long retrievals = 0;
            long missed = 0;
            for (int i = 0; s.flat() && i < nodes.size(); i++) {
                long[] end = retrievals(nodes.get(i));
                long[] before = layoutAtStart.get(i);
                boolean restarted = end[0] < before[0];
                long[] since = end[0] < 0 || restarted ? end : new long[] {end[0] - before[0], end[1] - before[1]};
                partial.add(since[1]);
                if (since[0] > 0) {
                    retrievals += since[0];
                    missed += since[1];
                }
            }
            Thread.sleep(500); // the last events' charges land
            boolean rejoined = !s.killOne() || (back[0] && rejoined(first, victim, model + "/2", adId, category));
            boolean allNew = true;
            for (NodeProcess node : nodes) {
                allNew &= (model + "/2").equals(activeVersion(node));
            }
            Map<Integer, List<String>> versions = traffic.versions();
            boolean neverBack = !traffic.wentBack();
            double spentShare = 0;
            int exhausted = 0;
            for (Campaign c : world.campaigns()) {
                double share = traffic.charged(c.id()) / c.dailyBudget();
                if (share >= 0.99) {
                    exhausted++;
                }
                spentShare = Math.max(spentShare, share);
            }
            double overspend = (spentShare - 1) * 100;
            List<String> mostCharged = world.campaigns().stream()
                    .sorted((a, b) -> Double.compare(traffic.charged(b.id()), traffic.charged(a.id())))
                    .limit(5)
                    .map(c -> String.format(
                            "campaign %d (%s): %.2f of %.2f",
                            c.id(), c.bidType(), traffic.charged(c.id()), c.dailyBudget()))
                    .toList();
            List<Long> perNode = new ArrayList<>();
            for (AtomicLong a : traffic.answeredBy) {
                perNode.add(a.get());
            }
            return new Result(
                    s.nodes(),
                    traffic.requests.get(),
                    traffic.failedOnSurvivors.get(),
                    rollout.statusCode() == 200 && allNew && neverBack && traffic.staleAfterRollout.get() == 0,
                    visibleMs,
                    Math.max(0, overspend),
                    rejoined,
                    traffic.answered.get(),
                    traffic.failedOnKilled.get(),
                    traffic.failedOnRestarted.get(),
                    perNode,
                    versions,
                    rolloutMs,
                    exhausted,
                    spentShare,
                    mostCharged,
                    List.copyOf(traffic.survivorFailures),
                    events,
                    s.flat() ? "flat" : "grouped",
                    traffic.roundTripMs(0.5),
                    traffic.roundTripMs(0.99),
                    ivfMb,
                    partial,
                    retrievals == 0 ? 0 : (double) missed / retrievals);
        } finally {
            for (NodeProcess node : nodes) {
                node.stop();
            }
        }
    }

    /**
     * Moves ad {@code adId} to {@code category} through {@code writer} and waits until every other live node reads it
     * so: the milliseconds from the request to the last node; -1 when one does not within {@link #VISIBLE_LIMIT}.
     */
    private static long changeAd(
            NodeProcess writer,
            List<NodeProcess> nodes,
            NodeProcess victim,
            boolean victimDown,
            World world,
            int adId,
            int category)
            throws Exception {
        Ad ad = world.ad(adId);
        StringBuilder embedding = new StringBuilder();
        for (float v : ad.embedding()) {
            embedding.append(embedding.length() == 0 ? "" : ",").append(v);
        }
        String body = "{\"campaignId\":" + ad.campaignId() + ",\"category\":" + category + ",\"creativeType\":\""
                + Vocab.CREATIVE_TYPES[ad.creativeType()] + "\",\"embedding\":[" + embedding + "]}";
        long sent = System.nanoTime();
        HttpResponse<String> put = send(HttpRequest.newBuilder(writer.api().resolve("/v1/ads/" + adId))
                .header("Authorization", "Bearer " + INGEST)
                .header("Content-Type", "application/json")
                .PUT(HttpRequest.BodyPublishers.ofString(body))
                .build());
        if (put.statusCode() != 200) {
            throw new IllegalStateException("PUT /v1/ads/" + adId + ": " + put.statusCode() + " " + put.body());
        }
        long last = 0;
        for (NodeProcess node : nodes) {
            if (node == writer || (victimDown && node == victim)) {
                continue;
            }
            while (category(node, adId) != category) {
                if (System.nanoTime() - sent > VISIBLE_LIMIT.toNanos()) {
                    return -1;
                }
                Thread.sleep(2);
            }
            last = Math.max(last, System.nanoTime() - sent);
        }
        return last / 1_000_000;
    }

    /** Whether {@code node} is an Up member as {@code asked} sees it, serves {@code version} and has the ad change. */
    private static boolean rejoined(NodeProcess asked, NodeProcess node, String version, int adId, int category)
            throws Exception {
        JsonNode cluster =
                JSON.readTree(send(HttpRequest.newBuilder(asked.admin().resolve("/admin/api/cluster"))
                                .header("Authorization", "Bearer " + ADMIN)
                                .build())
                        .body());
        boolean up = false;
        for (JsonNode m : cluster.path("members")) {
            up |= m.path("node").asText().equals(node.name())
                    && m.path("status").asText().equals("Up")
                    && m.path("reachable").asBoolean();
        }
        return up && version.equals(activeVersion(node)) && category(node, adId) == category;
    }

    private static String activeVersion(NodeProcess node) throws Exception {
        if (!node.alive()) {
            return null;
        }
        JsonNode models = JSON.readTree(send(HttpRequest.newBuilder(node.admin().resolve("/admin/api/models"))
                        .header("Authorization", "Bearer " + ADMIN)
                        .build())
                .body());
        return models.path("active").asText(null);
    }

    private static int category(NodeProcess node, int adId) throws Exception {
        HttpResponse<String> read = send(HttpRequest.newBuilder(node.api().resolve("/v1/ads/" + adId))
                .header("Authorization", "Bearer " + INGEST)
                .build());
        return read.statusCode() == 200
                ? JSON.readTree(read.body()).path("category").asInt(-1)
                : -1;
    }

    private static HttpResponse<String> send(HttpRequest request) throws IOException, InterruptedException {
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    /**
     * Builds the IVF files the nodes will read: the whole index, or each node's partition; returns each node's IVF size
     * in MB.
     */
    private static List<Double> buildIndexes(World world, Path dir, Settings s) throws IOException {
        RetrievalTower tower = new RetrievalTower(
                IndexSettings.from(ConfigFactory.load()).retrievalDim(),
                world.config().seed());
        BudgetTracker budget = new BudgetTracker(Clock.systemUTC());
        List<Double> mb = new ArrayList<>();
        for (int i = 0; i < s.nodes(); i++) {
            Partition partition = s.flat() ? new Partition(i, s.nodes()) : Partition.WHOLE;
            if (i == 0 || s.flat()) {
                IvfAdIndex index =
                        IvfAdIndex.openPartition(world, budget, tower, IvfAdIndex.fileIn(dir, partition), partition);
                mb.add(Math.round(index.bytesPerAd() * index.searchable() / 1e5) / 10.0);
            } else {
                mb.add(mb.get(0));
            }
        }
        return mb;
    }

    /** Room for the world and the index: 768 MB for the demo's 10,000 ads, and 3 KB per ad beyond. */
    private static int heapMb(World world) {
        return 768 + (int) ((long) Math.max(0, world.ads().size() - 10_000) * 3072 / (1 << 20));
    }

    /**
     * The node's retrievals since its start and those that missed some partition, as its cluster page says; -1, -1 when
     * it cannot be read.
     */
    private static long[] retrievals(NodeProcess node) {
        try {
            HttpResponse<String> status =
                    send(HttpRequest.newBuilder(node.admin().resolve("/admin/api/cluster"))
                            .header("Authorization", "Bearer " + ADMIN)
                            .timeout(Duration.ofSeconds(5))
                            .build());
            JsonNode layout = JSON.readTree(status.body()).path("layout");
            return new long[] {
                layout.path("retrievals").asLong(-1), layout.path("partial").asLong(-1)
            };
        } catch (IOException e) {
            return new long[] {-1, -1};
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new long[] {-1, -1};
        }
    }

    private static void link(Path link, Path target) throws IOException {
        if (!Files.exists(link, LinkOption.NOFOLLOW_LINKS)) {
            Files.createSymbolicLink(link, target.toAbsolutePath());
        }
    }

    private static String names(List<NodeProcess> nodes) {
        List<String> names = new ArrayList<>();
        for (NodeProcess n : nodes) {
            names.add((n.index + 1) + "=" + n.name() + " api " + n.api() + " admin " + n.admin());
        }
        return String.join(", ", names);
    }

    private static void sleepUntil(long startNanos, Duration duration, double share) throws InterruptedException {
        long at = startNanos + (long) (duration.toNanos() * share);
        long left = at - System.nanoTime();
        if (left > 0) {
            Thread.sleep(left / 1_000_000, (int) (left % 1_000_000));
        }
    }

    private static void note(List<String> events, PrintStream err, long t0, String what) {
        String line = String.format("%6.1f s  %s", (System.nanoTime() - t0) / 1e9, what);
        synchronized (events) {
            events.add(line);
        }
        err.println(line);
    }
}
