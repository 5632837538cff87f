package adsml.platform.replay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.auction.Auction;
import adsml.platform.auction.AuctionResult;
import adsml.platform.auction.AuctionSettings;
import adsml.platform.auction.Bids;
import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSets;
import adsml.platform.features.RequestRow;
import adsml.platform.index.BudgetTracker;
import adsml.platform.model.Architecture;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.offline.generator.EvalRequest;
import adsml.platform.offline.generator.GroundTruth;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.offline.train.Trainer;
import adsml.platform.offline.train.TrainingData;
import adsml.platform.pacing.Pacer;
import adsml.platform.scoring.CpuScorers;
import adsml.platform.scoring.Scorer;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Replay's estimates against the truth, which the generated world knows: a logging policy (a DCN, exploring on a share
 * of requests as the server does) serves fresh requests whose users click by the ground truth; each candidate model's
 * doubly robust RPM estimate from that log is compared with its true expected RPM on the same requests (its own
 * auction's slates and prices, valued with the true click and conversion probabilities).
 */
class ReplayValidationTest {
    private static final int REQUESTS = 40_000;
    private static final int CANDIDATES = 100;
    private static final int SLOTS = 3;
    /**
     * Doubly robust corrects on-policy slots only: an explored slot weighs 1 / (5% x its draw's chance), 20 or more.
     */
    private static final double MAX_WEIGHT = 20;

    private static final AuctionSettings SETTINGS = new AuctionSettings(
            java.util.Collections.nCopies(Vocab.SURFACES.length, 0.05),
            0.001,
            SLOTS,
            AuctionSettings.Diversity.ONE_PER_ADVERTISER,
            AuctionSettings.FrequencyCap.NONE,
            AuctionSettings.Billing.ACTION,
            new AuctionSettings.Exploration(0.05, 8, 1.0));

    private static World world;
    private static GroundTruth truth;
    private static Map<String, Model> models;

    @BeforeAll
    static void worldAndModels() {
        world = WorldGenerator.generate(new WorldConfig(5, 20_000, 5_000, 300_000, 60_000), ProgressListener.NONE);
        truth = GroundTruth.create(world.config().seed(), world.advertisers().size());
        FeatureAssembly set = FeatureSets.builtIn(FeatureSets.DEFAULT);
        models = new LinkedHashMap<>();
        models.put("dcn", train(Architecture.DCN, world.train().size(), set));
        models.put("lr", train(Architecture.LR, world.train().size(), set));
        models.put("dcn-stale", train(Architecture.DCN, 20_000, set));
    }

    private static Model train(Architecture architecture, int rows, FeatureAssembly set) {
        Trainer.Config d = Trainer.Config.defaults(architecture);
        Trainer.Config config = new Trainer.Config(
                architecture,
                ModelPreset.DEMO,
                1,
                512,
                d.learningRate(),
                d.weightDecay(),
                d.calibrationFraction(),
                d.calibration(),
                d.seed());
        return new Trainer(config, Trainer.Progress.NONE)
                .train(TrainingData.forTraining(world, world.train().firstRows(rows), set, null), "ctr");
    }

    /** Every candidate's scores by every model, per request: [model][candidate * 2 + head]. */
    private record Scored(EvalRequest request, float[][] scores) {}

    /**
     * Five models on each of two logs of 40,000 requests: the logging DCN itself, a logistic regression, a DCN trained
     * on a fifteenth of the data (stale), and two deliberately broken ones (random scores; scores that invert the
     * logging model's). 40,000 requests: at 10,000 the log's own click noise is about 5% of its revenue.
     */
    @Test
    void doublyRobust_isWithinTenPercentOfTheTruth_andItsIntervalCoversIt() {
        List<String> lines = new ArrayList<>();
        int covered = 0;
        int cases = 0;
        double worst = 0;
        for (long seed : new long[] {101, 202}) {
            List<Scored> requests = score(seed);
            Logged log = serve(requests, seed);
            OffPolicyEstimator estimator = OffPolicyEstimator.of(SETTINGS, world.campaigns(), MAX_WEIGHT);
            for (String candidate : List.of("dcn", "lr", "dcn-stale", "random", "inverted")) {
                CandidateScores scores = candidate(candidate, requests);
                ReplayEstimate e = estimator.estimate(log.requests(), scores);
                double trueRpm = trueRpm(log.requests(), requests, scores);
                double error = e.dr().rpm() / trueRpm - 1;
                worst = Math.max(worst, Math.abs(error));
                covered += e.dr().covers(trueRpm) ? 1 : 0;
                cases++;
                lines.add(String.format(
                        "seed %d %-9s true %6.2f | dr %6.2f [%6.2f, %6.2f] %+5.1f%% | ips %6.2f | snips %6.2f | dm %6.2f | ips ess %7.0f"
                                + " | logged %6.2f",
                        seed,
                        candidate,
                        trueRpm,
                        e.dr().rpm(),
                        e.dr().rpmLow(),
                        e.dr().rpmHigh(),
                        100 * error,
                        e.ips().rpm(),
                        e.snips().rpm(),
                        e.dm().rpm(),
                        e.ips().ess(),
                        e.loggedRpm()));
            }
        }
        String table = String.join("\n", lines);
        System.out.println(table);
        assertEquals(10, cases);
        assertTrue(worst <= 0.10, "a doubly robust estimate is off by " + worst + ":\n" + table);
        assertTrue(covered >= 9, covered + " of 10 intervals cover the truth:\n" + table);
    }

    /** Fresh requests, each candidate scored by every trained model. */
    private static List<Scored> score(long seed) {
        EvalRequest[] requests = WorldGenerator.evalRequests(world, truth, seed, REQUESTS, CANDIDATES);
        FeatureAssembly set = FeatureSets.builtIn(FeatureSets.DEFAULT);
        FeatureBatch batch = set.batch(CANDIDATES);
        AdColumns columns = AdColumns.ofRows(CANDIDATES);
        List<Scorer> scorers = new ArrayList<>();
        for (Model m : models.values()) {
            scorers.add(CpuScorers.of(m));
        }
        List<Scored> scored = new ArrayList<>(requests.length);
        try {
            float[] out = new float[CANDIDATES * 2];
            for (EvalRequest r : requests) {
                int n = r.candidateAdIds().length;
                for (int i = 0; i < n; i++) {
                    Ad ad = world.ad(r.candidateAdIds()[i]);
                    columns.set(i, ad, world.campaign(ad.campaignId()));
                }
                set.fill(batch, 0, RequestRow.of(world.user(r.userId()), r.context()), columns.firstRows(n), null, 0);
                batch.setRows(n);
                float[][] scores = new float[scorers.size()][];
                for (int m = 0; m < scorers.size(); m++) {
                    Scorer s = scorers.get(m);
                    int heads = s.spec().heads().size();
                    s.score(batch, out);
                    scores[m] = new float[n * 2];
                    for (int i = 0; i < n; i++) {
                        scores[m][i * 2] = out[i * heads + s.spec().ctrHead()];
                        scores[m][i * 2 + 1] = out[i * heads + s.spec().cvrHead()];
                    }
                }
                scored.add(new Scored(r, scores));
            }
        } finally {
            scorers.forEach(Scorer::close);
        }
        return scored;
    }

    private record Logged(List<LoggedRequest> requests) {}

    /** The logging policy (the DCN, exploring) serves every request; users click and convert by the truth. */
    private static Logged serve(List<Scored> requests, long seed) {
        BudgetTracker budgets = new BudgetTracker(Clock.systemUTC());
        for (Campaign c : world.campaigns()) {
            budgets.register(c);
            budgets.setBudget(c.id(), 1e9);
        }
        SplittableRandom random = new SplittableRandom(seed);
        Auction auction = new Auction(SETTINGS, budgets, Pacer.off(), () -> random);
        List<LoggedRequest> log = new ArrayList<>();
        for (int i = 0; i < requests.size(); i++) {
            Scored s = requests.get(i);
            Bids bids = bids(s.request());
            int n = bids.size();
            float[] ctr = head(s.scores()[0], 0, n);
            float[] cvr = head(s.scores()[0], 1, n);
            AuctionResult r = auction.run(bids, ctr, cvr, SLOTS);
            int filled = r.winners();
            int[] shown = new int[filled];
            double[] propensity = new double[filled];
            boolean[] clicked = new boolean[filled];
            boolean[] converted = new boolean[filled];
            double revenue = 0;
            User user = world.user(s.request().userId());
            for (int k = 0; k < filled; k++) {
                int c = r.candidateIndex(k);
                shown[k] = c;
                propensity[k] = r.propensity(k);
                Ad ad = world.ad(bids.adIds()[c]);
                Campaign campaign = world.campaign(ad.campaignId());
                Context at = new Context(
                        s.request().context().surface(), s.request().context().hour(), k);
                clicked[k] = random.nextDouble() < truth.pClick(user, ad, campaign, at);
                converted[k] = clicked[k] && random.nextDouble() < truth.pConversion(user, ad, campaign, at);
                revenue += switch (campaign.bidType()) {
                    case CPM -> r.priceEcpm(k) / 1000;
                    case CPC -> clicked[k] ? r.priceBid(k) : 0;
                    case CPA -> converted[k] ? r.priceBid(k) : 0;
                };
            }
            log.add(new LoggedRequest(
                    Integer.toString(i),
                    bids,
                    new boolean[n],
                    null,
                    ctr,
                    cvr,
                    SLOTS,
                    shown,
                    propensity,
                    clicked,
                    converted,
                    revenue,
                    null));
        }
        return new Logged(log);
    }

    private static CandidateScores candidate(String name, List<Scored> requests) {
        int model = new ArrayList<>(models.keySet()).indexOf(name);
        return (request, pCtr, pCvr) -> {
            Scored s = requests.get(Integer.parseInt(request.requestId()));
            int n = request.bids().size();
            switch (name) {
                case "random" -> {
                    // Deliberately broken: scores that know nothing, the same for a request each time it is asked.
                    SplittableRandom r =
                            new SplittableRandom(request.requestId().hashCode());
                    for (int i = 0; i < n; i++) {
                        pCtr[i] = (float) (0.05 * r.nextDouble());
                        pCvr[i] = (float) (0.1 * r.nextDouble());
                    }
                }
                case "inverted" -> {
                    // Deliberately broken the other way: it prefers what the logging model likes least.
                    for (int i = 0; i < n; i++) {
                        pCtr[i] = Math.max(0.0005f, 0.05f - s.scores()[0][i * 2]);
                        pCvr[i] = Math.max(0.001f, 0.1f - s.scores()[0][i * 2 + 1]);
                    }
                }
                default -> {
                    for (int i = 0; i < n; i++) {
                        pCtr[i] = s.scores()[model][i * 2];
                        pCvr[i] = s.scores()[model][i * 2 + 1];
                    }
                }
            }
        };
    }

    /** The model's expected revenue per 1000 requests under the truth: its own slates and prices. */
    private static double trueRpm(List<LoggedRequest> log, List<Scored> requests, CandidateScores model) {
        BudgetTracker budgets = new BudgetTracker(Clock.systemUTC());
        for (Campaign c : world.campaigns()) {
            budgets.register(c);
            budgets.setBudget(c.id(), 1e9);
        }
        Auction auction = new Auction(SETTINGS, budgets);
        double revenue = 0;
        for (int i = 0; i < log.size(); i++) {
            LoggedRequest logged = log.get(i);
            EvalRequest request = requests.get(i).request();
            int n = logged.bids().size();
            float[] ctr = new float[n];
            float[] cvr = new float[n];
            model.score(logged, ctr, cvr);
            AuctionResult r = auction.replay(logged.bids(), ctr, cvr, logged.slots());
            User user = world.user(request.userId());
            for (int k = 0; k < r.winners(); k++) {
                Ad ad = world.ad(r.adId(k));
                Campaign c = world.campaign(ad.campaignId());
                Context at = new Context(
                        request.context().surface(), request.context().hour(), k);
                double click = truth.pClick(user, ad, c, at);
                revenue += switch (c.bidType()) {
                    case CPM -> r.priceEcpm(k) / 1000;
                    case CPC -> r.priceBid(k) * click;
                    case CPA -> r.priceBid(k) * click * truth.pConversion(user, ad, c, at);
                };
            }
        }
        return 1000 * revenue / log.size();
    }

    private static Bids bids(EvalRequest r) {
        int n = r.candidateAdIds().length;
        int[] campaignIds = new int[n];
        int[] advertiserIds = new int[n];
        float[] bids = new float[n];
        BidType[] types = new BidType[n];
        for (int i = 0; i < n; i++) {
            Campaign c = world.campaign(world.ad(r.candidateAdIds()[i]).campaignId());
            campaignIds[i] = c.id();
            advertiserIds[i] = c.advertiserId();
            bids[i] = c.bid();
            types[i] = c.bidType();
        }
        return new Bids(r.context().surface(), r.candidateAdIds(), campaignIds, advertiserIds, bids, types);
    }

    private static float[] head(float[] scores, int head, int n) {
        float[] out = new float[n];
        for (int i = 0; i < n; i++) {
            out[i] = scores[i * 2 + head];
        }
        return out;
    }
}
