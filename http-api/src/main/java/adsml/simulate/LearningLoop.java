package adsml.simulate;

import adsml.http.LoopRounds;
import adsml.platform.auction.AuctionSettings;
import adsml.platform.domain.Campaign;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureSets;
import adsml.platform.model.Calibration;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.offline.train.Trainer;
import adsml.platform.offline.train.TrainingData;
import adsml.platform.replay.CandidateScores;
import adsml.platform.replay.FeatureLogReplay;
import adsml.platform.replay.OffPolicyEstimator;
import adsml.platform.replay.PromotionRule;
import adsml.platform.replay.ReplayEstimate;
import adsml.platform.scoring.CpuScorers;
import adsml.platform.scoring.Scorer;
import adsml.server.AdsmlServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * The learning loop on a simulated day: the server explores and logs whole requests; a round at most every
 * {@code roundHours}, on a thread of its own at the lowest priority (the serving path never waits for it), trains the
 * next version from the last {@code trainHours} of the feature log, warm-started from the active version (continued
 * training: a day's served rows alone, trained from scratch, fall well short of a model that also learned the world's
 * log), and puts it on a canary ({@code canaryShare} of the users) until the canary and the active version's other
 * users have each answered {@code judgeRequests} requests (at hour ends: a night's canary runs longer than an
 * evening's). Then it judges the canary: replay estimates its RPM on the whole requests the active version served to
 * the other users in the same hours, the canary's own users realized theirs; it is promoted unless its doubly robust
 * RPM is worse than the active version's logged RPM by more than {@code margin}, or the weights doubly robust corrects
 * with hold an effective sample under {@code minEss}; otherwise the canary ends. Estimate and realization cover the
 * same hours of the same day, so the hour's own rise and fall of clicks does not come between them. With
 * {@code retrain} off the hour-0 model serves the whole day: the frozen baseline.
 *
 * <p>The report: per hour the realized RPM of the serving policy, its expected RPM by the truth (the same without the
 * noise of which clicks came), the oracle's, the served ads' predicted click rate over their true one, the simulated
 * users' rank p99 and the version that served most of the hour; per round the version, its replay estimate with its
 * interval and effective sample, the control requests it was judged on, what its canary realized (with its standard
 * error), whether it was promoted and what it realized in all; the day's rank p99.
 */
public final class LearningLoop implements Simulation.Companion {
    /** How the loop turns. */
    public record Settings(
            boolean retrain,
            int roundHours,
            int trainHours,
            double canaryShare,
            long judgeRequests,
            double margin,
            double minEss,
            double explorationShare) {
        /**
         * A round at most every 2 hours on the last 4 hours of the log; half the users on the canary until it and its
         * control group have answered 15,000 requests each, since one request's revenue spreads about four times its
         * mean (CPA conversions are rare, large charges): on 15,000 requests a side, the canary's realized RPM and
         * replay's estimate each carry about 3% of noise, on the 2,000 a side of a night's hour about 9%; promotion
         * unless replay says 2% worse; 5% exploration.
         */
        public static Settings defaults(boolean retrain) {
            return new Settings(retrain, 2, 4, 0.5, 15_000, 0.02, 500, 0.05);
        }

        /** The same loop judging its canaries on {@code requests} a side. */
        public Settings withJudgeRequests(long requests) {
            return new Settings(
                    retrain, roundHours, trainHours, canaryShare, requests, margin, minEss, explorationShare);
        }
    }

    private static final long HOUR_MS = 3_600_000L;
    /** Doubly robust corrects the slots the candidate agrees on with the serving policy; see OffPolicyEstimator. */
    private static final double MAX_WEIGHT = 20;

    private static final ObjectMapper JSON = new ObjectMapper();

    private final Settings settings;
    private final PromotionRule rule;
    private final PrintStream progress;
    private final ExecutorService rounds = Executors.newSingleThreadExecutor(r -> {
        Thread t = new Thread(r, "adsml-learning-loop");
        t.setDaemon(true);
        t.setPriority(Thread.MIN_PRIORITY);
        return t;
    });
    private final List<Round> done = new ArrayList<>();
    private final HttpClient http = HttpClient.newHttpClient();

    private Path folder;
    private AdsmlServer server;
    private Clock clock;
    private DayLedger ledger;
    private OracleTap oracle;
    private URI admin;
    private String adminToken;
    private AuctionSettings auction;
    private List<Campaign> campaigns;
    private final int hours;
    private ObjectNode report;

    /** One round: the version trained, what replay said of it, what its canary realized, whether it went live. */
    record Round(
            int hour,
            String version,
            ReplayEstimate.Estimate estimate,
            double loggedRpm,
            long controlRequests,
            double canaryRpm,
            double canaryRpmError,
            long canaryRequests,
            boolean promoted,
            String why) {}

    private LearningLoop(Settings settings, int hours, PrintStream progress) {
        this.settings = settings;
        this.rule = new PromotionRule(settings.margin(), settings.minEss());
        this.hours = hours;
        this.progress = progress;
    }

    /**
     * Simulates the day on {@code data} with the loop turning, and returns the loop's report (see the class comment)
     * with the day's own figures under {@code day}.
     */
    public static ObjectNode run(
            Path data, Config config, Simulation.Settings day, Settings settings, PrintStream progress)
            throws Exception {
        LearningLoop loop = new LearningLoop(settings, day.hours(), progress);
        ObjectNode dayReport = Simulation.run(data, config, day, progress, loop);
        loop.report.set("day", dayReport);
        return loop.report;
    }

    @Override
    public void dayEnded() {
        report = report(hours);
    }

    @Override
    public Config configure(Config serving) {
        // Files complete every 2 simulated minutes and clicks count within 10: the loop trains on the hour just past.
        return ConfigFactory.parseMap(Map.of(
                        "adsml.platform.auction.exploration.share",
                        settings.explorationShare(),
                        "adsml.server.feature-log.whole-request-rate",
                        1.0,
                        "adsml.server.feature-log.whole-request-rows",
                        30,
                        "adsml.server.feature-log.max-file-age",
                        "2m",
                        "adsml.server.feature-log.attribution-window",
                        "10m",
                        "adsml.server.feature-log.join-interval",
                        "1s"))
                .withFallback(serving);
    }

    @Override
    public void started(Path folder, AdsmlServer server, Clock clock, DayLedger ledger, OracleTap oracle) {
        this.folder = folder;
        this.server = server;
        this.clock = clock;
        this.ledger = ledger;
        this.oracle = oracle;
        this.admin = URI.create("http://127.0.0.1:" + server.started().admin().getPort());
        this.adminToken = server.started().adminToken();
        this.auction = server.marketplace().auction().settings();
        this.campaigns = server.marketplace().world().campaigns();
        progress.printf(
                "watch the loop's versions and rounds in the admin UI: %s/admin/ (token %s)%n", admin, adminToken);
    }

    @Override
    public void hourEnded(int hour) {
        if (!settings.retrain()) {
            return;
        }
        int now = hour + 1;
        long endMs = Simulation.DAY_START_MS + now * HOUR_MS;
        Canary canary = pending;
        if (canary != null) {
            long control = ledger.requestsOf(canary.active()) - canary.activeRequestsBefore();
            long served = ledger.requestsOf(canary.candidate());
            boolean enough = control >= settings.judgeRequests() && served >= settings.judgeRequests();
            if (!enough && now < hours) {
                return;
            }
            pending = null;
            rounds.execute(() -> {
                try {
                    judge(now, canary, endMs, control, enough);
                } catch (Exception e) {
                    progress.println("  judging " + canary.candidate() + " failed: " + e);
                }
            });
        }
        if (!training && now - lastRound >= settings.roundHours() && now < hours) {
            // One round at a time: the next trains once the last is judged (the same thread, in order).
            training = true;
            lastRound = now;
            rounds.execute(() -> {
                try {
                    pending = train(now, endMs);
                } catch (Exception e) {
                    progress.println("  round at " + now + ":00 failed: " + e);
                } finally {
                    training = false;
                }
            });
        }
    }

    /**
     * A version on its canary since {@code startMs} beside {@code active}, which had answered
     * {@code activeRequestsBefore} requests then.
     */
    private record Canary(String candidate, String active, long startMs, long activeRequestsBefore) {}

    private volatile Canary pending;
    private volatile boolean training;
    private int lastRound;

    /** Trains the next version on the logs up to {@code endMs} and puts it on a canary. */
    private Canary train(int hour, long endMs) throws Exception {
        JsonNode models = get("/admin/api/models");
        String active = models.path("active").asText();
        String[] id = active.split("/");
        Path modelDir = folder.resolve("models").resolve(id[0]);
        Model current = ModelFolder.load(modelDir.resolve(id[1]));
        String set = current.spec().schema().name();
        FeatureAssembly features =
                FeatureSets.builtInAnd(folder.resolve("features")).require(set);
        TrainingData data = TrainingData.fromLog(
                folder.resolve("feature-log"), features, endMs - settings.trainHours() * HOUR_MS, endMs);
        Trainer.Config d = Trainer.Config.defaults(current.spec().architecture());
        Trainer trainer = new Trainer(
                d.withSeed(d.seed() + hour).withCalibrationFraction(calibrationFraction(data, d)),
                Trainer.Progress.NONE);
        Model next = trainer.train(data, id[0], current);
        if (next.spec().schema().slots().stream().anyMatch(s -> s.name().equals(SLICE_SLOT))) {
            next = Trainer.sliceCtr(next, data, SLICE_SLOT, SLICE_PRIOR);
        }
        int version = ModelFolder.highestVersion(modelDir) + 1;
        ModelFolder.saveNextVersion(next, modelDir);
        String candidate = id[0] + "/" + version;
        post("/admin/api/models/" + candidate + "/load");
        long before = ledger.requestsOf(active);
        post("/admin/api/models/" + candidate + "/canary?share=" + settings.canaryShare());
        long start = clock.millis();
        progress.printf(
                "  round %02d:00: %s trained on %,d rows from %s%s, on a canary from %s%n",
                hour,
                candidate,
                data.size(),
                active,
                next.spec().calibrationOf("ctr") instanceof Calibration.Sliced sliced
                        ? " (clicks calibrated per " + sliced.slot() + ")"
                        : "",
                Instant.ofEpochMilli(start));
        return new Canary(candidate, active, start, before);
    }

    /**
     * The share of the rows, the last ones, that the version's calibration is fitted on: the trainer's 5% unless that
     * holds fewer than {@link #CALIBRATION_CLICKS} clicks, then as many of the last rows as do, at most a quarter. Four
     * hours of a night's traffic hold a few thousand shown rows, and their last 5% a handful of clicks: too few for a
     * Platt fit's two numbers. The price is that the version does not train on those rows, the newest of its window.
     */
    static double calibrationFraction(TrainingData data, Trainer.Config defaults) {
        boolean[] click = data.click();
        int clicks = 0;
        int rows = 0;
        while (rows < click.length && clicks < CALIBRATION_CLICKS) {
            if (click[click.length - 1 - rows++]) {
                clicks++;
            }
        }
        double needed = click.length == 0 ? 1 : (double) rows / click.length;
        return Math.min(MAX_CALIBRATION_FRACTION, Math.max(defaults.calibrationFraction(), needed));
    }

    /**
     * Each version's click calibration gets an offset per ad category, fitted on its window: the world drifts by
     * category (docs/WORLD.md), and one epoch of fine-tuning on a few hours barely moves the category's embedding (the
     * versions' click rate per category stayed off by as much as the drift itself, up to a factor of 3.7 by the
     * evening).
     */
    private static final String SLICE_SLOT = "ad_category";

    /**
     * The offsets' prior, in expected clicks: a category with ten expected clicks in the window moves half as far as
     * its clicks say.
     */
    private static final double SLICE_PRIOR = 10;

    /** Enough clicks for a Platt fit's two numbers to move by a few percent, not by half. */
    private static final int CALIBRATION_CLICKS = 300;

    private static final double MAX_CALIBRATION_FRACTION = 0.25;

    /**
     * Replays the canary on its control group's whole requests and promotes it, or ends it; a canary that has not
     * answered enough requests by the end of the day ({@code enough} false) ends unjudged.
     */
    private void judge(int hour, Canary canary, long endMs, long control, boolean enough) throws Exception {
        Path modelDir = folder.resolve("models").resolve(canary.candidate().split("/")[0]);
        Model model = ModelFolder.load(modelDir.resolve(canary.candidate().split("/")[1]));
        FeatureLogReplay controlLog = FeatureLogReplay.of(
                folder.resolve("feature-log"),
                model.spec().schema(),
                auction.billing(),
                canary.startMs(),
                endMs,
                canary.active());
        ReplayEstimate estimate;
        try (Scorer scorer = CpuScorers.of(model)) {
            estimate = OffPolicyEstimator.of(auction, campaigns, MAX_WEIGHT)
                    .estimate(controlLog, CandidateScores.of(scorer));
        }
        double dr = estimate.dr().rpm();
        Optional<String> refusal = enough
                ? rule.refusal(estimate, canary.candidate(), canary.active())
                : Optional.of(String.format(
                        "the day ended before %,d requests a side (%,d control, %,d canary)",
                        settings.judgeRequests(), control, ledger.requestsOf(canary.candidate())));
        boolean promote = refusal.isEmpty();
        String why = refusal.orElse(
                String.format("estimated RPM %.2f against %s's %.2f", dr, canary.active(), estimate.loggedRpm()));
        // Read before the swap: from here on the candidate serves everyone, or no one.
        double canaryRpm = ledger.rpmOf(canary.candidate());
        double canaryError = ledger.rpmStandardErrorOf(canary.candidate());
        long canaryRequests = ledger.requestsOf(canary.candidate());
        if (promote) {
            post("/admin/api/models/" + canary.candidate() + "/activate");
        } else {
            delete("/admin/api/models/canary");
        }
        server.loopRounds()
                .add(new LoopRounds.Round(
                        Instant.ofEpochMilli(endMs),
                        hour,
                        canary.candidate(),
                        canary.active(),
                        dr,
                        estimate.dr().rpmLow(),
                        estimate.dr().rpmHigh(),
                        estimate.loggedRpm(),
                        estimate.dr().ess(),
                        canaryRpm,
                        canaryRequests,
                        promote,
                        why));
        synchronized (done) {
            done.add(new Round(
                    hour,
                    canary.candidate(),
                    estimate.dr(),
                    estimate.loggedRpm(),
                    estimate.requests(),
                    canaryRpm,
                    canaryError,
                    canaryRequests,
                    promote,
                    why));
        }
        progress.printf(
                "  round %02d:00: %s replayed on %,d requests of %s, its canary realized RPM %.2f on %,d: %s, %s%n",
                hour,
                canary.candidate(),
                estimate.requests(),
                canary.active(),
                canaryRpm,
                canaryRequests,
                why,
                promote ? "promoted" : "canary ended");
    }

    private ObjectNode report(int hours) {
        rounds.shutdown();
        try {
            rounds.awaitTermination(10, TimeUnit.MINUTES);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        ObjectNode root = JSON.createObjectNode();
        ArrayNode hourly = root.putArray("hourly");
        for (int h = 0; h < hours; h++) {
            long answered = ledger.answered[h];
            hourly.addObject()
                    .put("hour", h)
                    .put("rpm", answered == 0 ? 0 : 1000 * ledger.spend[h] / answered)
                    .put("version", ledger.versionOf(h))
                    .put("requests", answered);
            number((ObjectNode) hourly.get(h), "oracle_rpm", oracle.rpm(h));
            number((ObjectNode) hourly.get(h), "expected_rpm", oracle.servedRpm(h));
            number((ObjectNode) hourly.get(h), "served_calibration", oracle.servedCalibration(h));
            number((ObjectNode) hourly.get(h), "rank_p99_ms", ledger.rankP99Ms(h));
        }
        // The simulated users' rank latency, send to answer: with the loop's training beside serving, or frozen.
        number(root, "rank_p99_ms", ledger.rankP99Ms(0, hours));
        ArrayNode list = root.putArray("rounds");
        synchronized (done) {
            for (Round r : done) {
                ObjectNode o = list.addObject()
                        .put("hour", r.hour())
                        .put("version", r.version())
                        .put("estimated_rpm", r.estimate().rpm());
                o.putArray("estimated_rpm_ci")
                        .add(r.estimate().rpmLow())
                        .add(r.estimate().rpmHigh());
                o.put("ess", r.estimate().ess())
                        .put("control_requests", r.controlRequests())
                        .put("baseline_logged_rpm", r.loggedRpm())
                        .put("promoted", r.promoted())
                        .put("why", r.why());
                // What its canary realized while replay judged it, with its standard error; and in all, canary and
                // live.
                number(o, "realized_rpm", r.canaryRpm());
                number(o, "realized_rpm_se", r.canaryRpmError());
                o.put("canary_requests", r.canaryRequests());
                number(o, "realized_rpm_in_all", ledger.rpmOf(r.version()));
            }
        }
        return root;
    }

    /** A figure, or null where there is none (JSON has no NaN). */
    private static void number(ObjectNode o, String name, double value) {
        if (Double.isFinite(value)) {
            o.put(name, value);
        } else {
            o.putNull(name);
        }
    }

    /** The report as a person reads it: the hours, the rounds, and the last 12 hours against the oracle. */
    public static String table(JsonNode report) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                "%-5s %9s %11s %7s %9s %9s  %s%n",
                "hour", "RPM ($)", "oracle ($)", "ratio", "expected", "pred/true", "version"));
        double rpm = 0;
        double oracle = 0;
        int hours = report.path("hourly").size();
        for (JsonNode h : report.path("hourly")) {
            double r = h.path("rpm").asDouble();
            double o = h.path("oracle_rpm").asDouble();
            s.append(String.format(
                    "%02d:00 %9.2f %11.2f %7.3f %9.3f %9.3f  %s%n",
                    h.path("hour").asInt(),
                    r,
                    o,
                    r / o,
                    h.path("expected_rpm").asDouble(Double.NaN) / o,
                    h.path("served_calibration").asDouble(Double.NaN),
                    h.path("version").asText()));
            if (h.path("hour").asInt() >= hours - 12) {
                rpm += r;
                oracle += o;
            }
        }
        s.append(String.format("%nlast 12 hours: RPM / oracle RPM %.3f%n%n", rpm / oracle));
        for (JsonNode r : report.path("rounds")) {
            s.append(String.format(
                    "round %02d:00 %-8s estimated %8.2f realized %8s  %s%n",
                    r.path("hour").asInt(),
                    r.path("version").asText(),
                    r.path("estimated_rpm").asDouble(),
                    r.path("realized_rpm").isNull()
                            ? "-"
                            : String.format("%.2f", r.path("realized_rpm").asDouble()),
                    r.path("promoted").asBoolean()
                            ? "promoted"
                            : "kept: " + r.path("why").asText()));
        }
        return s.toString();
    }

    private JsonNode get(String path) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(admin.resolve(path))
                        .header("Authorization", "Bearer " + adminToken)
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException("GET " + path + ": " + r.statusCode() + " " + r.body());
        }
        return JSON.readTree(r.body());
    }

    private void post(String path) throws Exception {
        send(path, "POST");
    }

    private void delete(String path) throws Exception {
        send(path, "DELETE");
    }

    private void send(String path, String method) throws Exception {
        HttpResponse<String> r = http.send(
                HttpRequest.newBuilder(admin.resolve(path))
                        .header("Authorization", "Bearer " + adminToken)
                        .timeout(Duration.ofMinutes(2))
                        .method(method, HttpRequest.BodyPublishers.noBody())
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 200) {
            throw new IllegalStateException(method + " " + path + ": " + r.statusCode() + " " + r.body());
        }
    }
}
