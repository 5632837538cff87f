package adsml.demo;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.offline.generator.GroundTruth;
import adsml.platform.world.World;
import adsml.simulate.SimulatedUsers;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SplittableRandom;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * The cluster demo's users, behind a client-side balancer: closed-loop clients that rank at the nodes in turn, send the
 * shown ads' impressions (each billed its second price) and the clicks the world's truth draws to the node that ranked,
 * and move to the next node when one cannot be reached, as a load balancer's health check would. It keeps the ledger
 * the demo is judged by: every answer per node, every failure on a node that was not killed on purpose, the versions
 * each node answered with, and what each campaign was charged in acknowledged events.
 */
final class ClusterTraffic {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int SLOTS = 3;
    private static final int DEADLINE_MS = 200;
    private static final int FAILURES_KEPT = 10;
    private static final Duration SLOW_START = Duration.ofSeconds(10);

    private final World world;
    private final GroundTruth truth;
    private final List<NodeProcess> nodes;
    private final String ingest;
    private final HttpClient http = HttpClient.newBuilder()
            .connectTimeout(Duration.ofSeconds(1))
            .version(HttpClient.Version.HTTP_1_1)
            .build();
    /** Nodes the balancer skips: killed, or not ready again after a restart. */
    private final Set<Integer> out = ConcurrentHashMap.newKeySet();
    /** Nodes the demo killed on purpose: their failures are expected and counted apart. */
    private final Set<Integer> killed = ConcurrentHashMap.newKeySet();
    /** Nodes back from a restart, and when: their share ramps up. */
    private final Map<Integer, Long> rampFrom = new ConcurrentHashMap<>();

    private final AtomicInteger turn = new AtomicInteger();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong answered = new AtomicLong();
    final AtomicLong failedOnKilled = new AtomicLong();
    final AtomicLong failedOnSurvivors = new AtomicLong();
    final ConcurrentLinkedQueue<String> survivorFailures = new ConcurrentLinkedQueue<>();
    final AtomicLong[] answeredBy;
    private final DoubleAdder[] charged;
    /** Per node, every answer's version with when its request was sent and when it came back. */
    private final Map<Integer, List<Answer>> answers = new ConcurrentHashMap<>();
    /** Answers with a version other than {@link #expected} to requests sent after it was set. */
    final AtomicLong staleAfterRollout = new AtomicLong();
    /** Failures on a node after its restart: its own, apart from the survivors'. */
    final AtomicLong failedOnRestarted = new AtomicLong();

    private final Set<Integer> restarted = ConcurrentHashMap.newKeySet();

    private record Answer(long sentNanos, long receivedNanos, String version) {}

    /** Every counted rank answer's round trip, in nanoseconds. */
    private final List<Long> roundTrips = new ArrayList<>();

    private volatile String expected;
    private volatile long expectedFromNanos = Long.MAX_VALUE;
    private volatile boolean running = true;
    /** Off while the nodes warm up: their JIT's first seconds are not what a cluster serves like. */
    private volatile boolean measuring;

    private final long startedAt = System.nanoTime();
    private final List<Thread> clients = new ArrayList<>();

    ClusterTraffic(World world, GroundTruth truth, List<NodeProcess> nodes, String ingestToken) {
        this.world = world;
        this.truth = truth;
        this.nodes = nodes;
        this.ingest = "Bearer " + ingestToken;
        this.answeredBy = new AtomicLong[nodes.size()];
        for (int i = 0; i < answeredBy.length; i++) {
            answeredBy[i] = new AtomicLong();
        }
        this.charged = new DoubleAdder[world.campaigns().size()];
        for (int i = 0; i < charged.length; i++) {
            charged[i] = new DoubleAdder();
        }
    }

    /** Starts {@code clientCount} clients that together send about {@code qps} rank requests a second. */
    void start(int clientCount, double qps, long seed) {
        long periodNanos = (long) (clientCount / qps * 1e9);
        for (int i = 0; i < clientCount; i++) {
            SplittableRandom random = new SplittableRandom(seed + i);
            long firstAt = System.nanoTime() + periodNanos * i / clientCount;
            Thread t = new Thread(() -> run(random, firstAt, periodNanos), "cluster-demo-client-" + i);
            t.setDaemon(true);
            clients.add(t);
            t.start();
        }
    }

    void stop() throws InterruptedException {
        running = false;
        for (Thread t : clients) {
            t.join(5_000);
        }
    }

    /** From now on requests, answers and failures count; charges count from the start (money is money). */
    void measure() {
        measuring = true;
    }

    /** Marks a node killed before it dies, so that the requests in flight to it count as the kill's. */
    void killing(int node) {
        killed.add(node);
        out.add(node);
    }

    /**
     * A restarted node, ready again: the balancer sends to it, and its failures count. Its share grows from nothing to
     * a full one over {@link #SLOW_START}, as a load balancer's slow start does: a JVM just started is slower than its
     * warm peers until the JIT has compiled the request path under real traffic.
     */
    void back(int node) {
        restarted.add(node);
        rampFrom.put(node, System.nanoTime());
        killed.remove(node);
        out.remove(node);
    }

    /** From now on every answer should carry {@code version}. */
    void expect(String version) {
        expected = version;
        expectedFromNanos = System.nanoTime();
    }

    /** The {@code quantile} of the counted rank answers' round trips, in milliseconds; 0 when there were none. */
    double roundTripMs(double quantile) {
        long[] all;
        synchronized (roundTrips) {
            all = roundTrips.stream().mapToLong(Long::longValue).sorted().toArray();
        }
        if (all.length == 0) {
            return 0;
        }
        return all[(int) Math.min(all.length - 1, Math.ceil(quantile * all.length) - 1)] / 1e6;
    }

    /** Per node, the versions it answered with, in the order their requests were sent. */
    Map<Integer, List<String>> versions() {
        Map<Integer, List<String>> seen = new HashMap<>();
        answers.forEach((node, list) -> {
            List<Answer> sorted;
            synchronized (list) {
                sorted = new ArrayList<>(list);
            }
            sorted.sort((a, b) -> Long.compare(a.sentNanos(), b.sentNanos()));
            List<String> order = new ArrayList<>();
            for (Answer a : sorted) {
                if (order.isEmpty() || !order.get(order.size() - 1).equals(a.version())) {
                    order.add(a.version());
                }
            }
            seen.put(node, order);
        });
        return seen;
    }

    /**
     * Whether some node answered a request with another version than one it had already answered with before that
     * request was sent: a node that went back. (By arrival alone, a request scored on the old version just before a
     * switch may come back after one scored on the new one.)
     */
    boolean wentBack() {
        for (List<Answer> list : answers.values()) {
            List<Answer> all;
            synchronized (list) {
                all = new ArrayList<>(list);
            }
            Map<String, Long> firstBack = new HashMap<>();
            for (Answer a : all) {
                firstBack.merge(a.version(), a.receivedNanos(), Math::min);
            }
            for (Answer a : all) {
                for (Map.Entry<String, Long> other : firstBack.entrySet()) {
                    // A request sent after another version had come back, answered by this one, which came back
                    // first before that other version did: the node switched from it and back to it.
                    if (!other.getKey().equals(a.version())
                            && a.sentNanos() > other.getValue()
                            && firstBack.get(a.version()) < other.getValue()) {
                        return true;
                    }
                }
            }
        }
        return false;
    }

    /** What each campaign was charged in acknowledged events, in dollars. */
    double charged(int campaign) {
        return charged[campaign].sum();
    }

    /** Sends a request every {@code periodNanos} from {@code firstAt}, or as soon as the last one ends when late. */
    private void run(SplittableRandom random, long firstAt, long periodNanos) {
        long at = firstAt;
        while (running) {
            long wait = at - System.nanoTime();
            if (wait > 0) {
                pause(wait / 1_000_000);
            }
            at = Math.max(at + periodNanos, System.nanoTime() - periodNanos);
            int node = next();
            if (node < 0) {
                pause(10);
                continue;
            }
            User user = world.user(random.nextInt(world.users().size()));
            Context context = new Context(random.nextInt(Vocab.SURFACES.length), random.nextInt(Vocab.HOURS), 0);
            long sent = System.nanoTime();
            boolean counted = measuring;
            if (counted) {
                requests.incrementAndGet();
            }
            HttpResponse<byte[]> ranked;
            try {
                ranked = http.send(
                        post(
                                nodes.get(node).api().resolve("/v1/rank"),
                                SimulatedUsers.rankBody(user, context, SLOTS, DEADLINE_MS),
                                null),
                        HttpResponse.BodyHandlers.ofByteArray());
            } catch (IOException e) {
                failed(node, "rank: " + e);
                continue;
            } catch (InterruptedException e) {
                return;
            }
            if (ranked.statusCode() != 200) {
                failed(node, "rank " + ranked.statusCode() + ": " + new String(ranked.body()));
                continue;
            }
            if (counted) {
                answered.incrementAndGet();
                answeredBy[node].incrementAndGet();
                synchronized (roundTrips) {
                    roundTrips.add(System.nanoTime() - sent);
                }
            }
            try {
                JsonNode answer = JSON.readTree(ranked.body());
                seen(node, answer.path("modelVersion").asText(), sent);
                sendEvents(node, user, context, answer, random);
            } catch (IOException e) {
                failed(node, "answer: " + e);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * The next node in turn that the balancer has not taken out, a node in its slow start taking its turn with the
     * share of the ramp it has reached; -1 when there is none.
     */
    private int next() {
        for (int tries = 0; tries < 2 * nodes.size(); tries++) {
            int node = Math.floorMod(turn.getAndIncrement(), nodes.size());
            if (out.contains(node)) {
                continue;
            }
            Long since = rampFrom.get(node);
            if (since != null) {
                double share = (System.nanoTime() - since) / (double) SLOW_START.toNanos();
                if (share >= 1) {
                    rampFrom.remove(node);
                } else if (ThreadLocalRandom.current().nextDouble() >= share) {
                    continue;
                }
            }
            return node;
        }
        return -1;
    }

    private void failed(int node, String why) {
        if (!measuring) {
            return;
        }
        if (killed.contains(node)) {
            failedOnKilled.incrementAndGet();
            return;
        }
        if (restarted.contains(node)) {
            failedOnRestarted.incrementAndGet();
            return;
        }
        failedOnSurvivors.incrementAndGet();
        if (survivorFailures.size() < FAILURES_KEPT) {
            survivorFailures.add(
                    String.format("%.1f s node %d %s", (System.nanoTime() - startedAt) / 1e9, node + 1, why));
        }
    }

    private void seen(int node, String version, long sentNanos) {
        List<Answer> list = answers.computeIfAbsent(node, n -> new ArrayList<>());
        synchronized (list) {
            list.add(new Answer(sentNanos, System.nanoTime(), version));
        }
        String want = expected;
        if (want != null && sentNanos > expectedFromNanos && !want.equals(version)) {
            staleAfterRollout.incrementAndGet();
        }
    }

    /** The shown ads' impressions (billed) and drawn clicks, to the node that ranked, or the next if it is gone. */
    private void sendEvents(int node, User user, Context context, JsonNode answer, SplittableRandom random)
            throws IOException, InterruptedException {
        String requestId = answer.path("requestId").asText();
        long now = System.currentTimeMillis();
        ArrayNode log = JSON.createArrayNode();
        Map<Integer, Double> costs = new HashMap<>();
        for (JsonNode shown : answer.path("ads")) {
            Ad ad = world.ad(shown.get("adId").asInt());
            Campaign campaign = world.campaign(shown.get("campaignId").asInt());
            double cost = shown.get("priceEcpm").asDouble() / 1000;
            SimulatedUsers.add(log, "impression", requestId, user, ad, now, cost);
            costs.merge(campaign.id(), cost, Double::sum);
            Context at = new Context(
                    context.surface(),
                    context.hour(),
                    Math.min(shown.get("slot").asInt(), Vocab.MAX_POSITION - 1));
            if (random.nextDouble() < truth.pClick(user, ad, campaign, at, 0)) {
                SimulatedUsers.add(log, "click", requestId, user, ad, now, 0);
            }
        }
        if (log.isEmpty()) {
            return;
        }
        ObjectNode batch = JSON.createObjectNode();
        batch.set("events", log);
        for (int tries = 0; tries < nodes.size(); tries++) {
            int to = tries == 0 ? node : next();
            if (to < 0) {
                return;
            }
            try {
                HttpResponse<byte[]> taken = http.send(
                        post(nodes.get(to).api().resolve("/v1/events"), batch, ingest),
                        HttpResponse.BodyHandlers.ofByteArray());
                if (taken.statusCode() == 200) {
                    costs.forEach((campaign, cost) -> charged[campaign].add(cost));
                    return;
                }
                failed(to, "events " + taken.statusCode() + ": " + new String(taken.body()));
                return;
            } catch (IOException e) {
                failed(to, "events: " + e);
            }
        }
    }

    private static HttpRequest post(URI uri, JsonNode body, String authorization) throws IOException {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri)
                .timeout(Duration.ofSeconds(5))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (authorization != null) {
            request.header("Authorization", authorization);
        }
        return request.build();
    }

    private static void pause(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
