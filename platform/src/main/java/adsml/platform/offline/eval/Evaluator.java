package adsml.platform.offline.eval;

import adsml.platform.auction.Auction;
import adsml.platform.counters.CounterStore;
import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import adsml.platform.features.RequestRow;
import adsml.platform.model.InvalidModelException;
import adsml.platform.model.Model;
import adsml.platform.offline.generator.EvalRequest;
import adsml.platform.offline.generator.GroundTruth;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.offline.metrics.Metrics;
import adsml.platform.offline.train.CounterReplay;
import adsml.platform.offline.train.TrainingData;
import adsml.platform.scoring.CpuScorers;
import adsml.platform.scoring.Predictions;
import adsml.platform.scoring.Scorer;
import adsml.platform.world.World;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Supplier;

/**
 * Judges models against the world's ground truth, which a real log never offers.
 *
 * <p>Model quality is measured on the held-out log: AUC, log loss, ECE and predicted/observed CTR of the constant model
 * (the training CTR), the models under test and the oracle (the true probabilities the log was sampled from).
 *
 * <p>Policy value is measured on fresh requests, each with its eligible candidates: a policy ranks them by eCPM (bid x
 * pCTR for CPC, bid x pCTR x pCVR for CPA, bid / 1000 for CPM) and shows the top {@code slots}. Expected clicks and
 * revenue come from the truth at the shown positions; revenue is valued at the bid (the first price), so that policies
 * are compared by the value they choose rather than by an auction's pricing rule. {@code random} shows random
 * candidates, {@code bid_only} ranks with one average pCTR and pCVR for all ads, {@code oracle} ranks with the truth
 * itself.
 */
public final class Evaluator {

    /** Held-out quality of one model's pCTR. */
    public record ModelMetrics(double auc, double logLoss, double ece, double predOverObs) {
        public static ModelMetrics of(float[] p, boolean[] y) {
            return new ModelMetrics(
                    Metrics.auc(p, y), Metrics.logLoss(p, y), Metrics.ece(p, y, 20), Metrics.predOverObs(p, y));
        }
    }

    /** Expected clicks per impression and revenue per 1000 requests of one ranking policy. */
    public record PolicyMetrics(double ctr, double rpm) {}

    /** The whole report, keyed as {@code adsml eval --json} prints it. */
    public record Report(
            Map<String, ModelMetrics> models,
            Map<String, PolicyMetrics> policies,
            int heldoutImpressions,
            int requests,
            int candidatesPerRequest,
            int slots) {}

    /** How many requests and candidates the policy comparison uses, and the slots each shows. */
    public record PolicySettings(int requests, int candidatesPerRequest, int slots, long seed) {
        public PolicySettings {
            if (requests < 1 || candidatesPerRequest < 1 || slots < 1 || slots > Vocab.MAX_POSITION) {
                throw new IllegalArgumentException("requests and candidates must be >= 1 and slots within [1, "
                        + Vocab.MAX_POSITION + "], were " + requests + ", " + candidatesPerRequest + ", " + slots);
            }
        }

        public static PolicySettings defaults() {
            return new PolicySettings(5000, 100, 1, 1234);
        }
    }

    private Evaluator() {}

    /**
     * Evaluates the named trained models ({@code "lr"}, {@code "dcn"}) next to the constant model, the oracle and the
     * bid-only and random policies.
     */
    public static Report evaluate(
            World world,
            Map<String, Model> models,
            PolicySettings settings,
            FeatureSets sets,
            Supplier<CounterStore> counters) {
        Map<String, Heldout> bySet = new LinkedHashMap<>();
        for (var entry : models.entrySet()) {
            FeatureSchema schema = entry.getValue().spec().schema();
            FeatureAssembly set = sets.get(schema.name())
                    .orElseThrow(() -> new InvalidModelException("model.json: field 'features': the " + entry.getKey()
                            + " model reads feature set '" + schema.name() + "', which is not declared here"));
            if (!set.schema().equals(schema)) {
                throw new InvalidModelException("model.json: field 'features': the " + entry.getKey()
                        + " model's columns are not those of feature set '" + schema.name() + "' as declared here");
            }
            bySet.computeIfAbsent(schema.name(), id -> Heldout.of(world, set, counters));
        }
        GroundTruth truth =
                GroundTruth.create(world.config().seed(), world.advertisers().size());
        TrainingData heldout = bySet.isEmpty()
                ? TrainingData.of(world, world.heldout(), FeatureSets.builtIn(FeatureSets.DEFAULT), null)
                : bySet.values().iterator().next().data();
        boolean[] clicks = heldout.click();
        double trainCtr = rate(world.train().click(), null);
        double trainCvr = rate(world.train().conversion(), world.train().click());

        Map<String, ModelMetrics> quality = new LinkedHashMap<>();
        float[] constant = new float[heldout.size()];
        Arrays.fill(constant, (float) trainCtr);
        quality.put("constant", ModelMetrics.of(constant, clicks));
        for (var entry : models.entrySet()) {
            float[] p = Predictions.of(
                            entry.getValue(),
                            bySet.get(entry.getValue().spec().schema().name())
                                    .data()
                                    .features())
                    .head(entry.getValue().spec().ctrHead());
            quality.put(entry.getKey(), ModelMetrics.of(p, clicks));
        }
        quality.put("oracle", ModelMetrics.of(world.heldout().pClick(), clicks));

        EvalRequest[] requests = WorldGenerator.evalRequests(
                world, truth, settings.seed(), settings.requests(), settings.candidatesPerRequest());
        Map<String, PolicyMetrics> policies = new LinkedHashMap<>();
        policies.put("random", run(world, truth, requests, settings, new RandomPolicy(settings.seed())));
        policies.put("bid_only", run(world, truth, requests, settings, new ConstantRatePolicy(trainCtr, trainCvr)));
        for (var entry : models.entrySet()) {
            Heldout h = bySet.get(entry.getValue().spec().schema().name());
            try (ModelPolicy policy = new ModelPolicy(entry.getValue(), h, settings.candidatesPerRequest())) {
                policies.put(entry.getKey(), run(world, truth, requests, settings, policy));
            }
        }
        policies.put("oracle", run(world, truth, requests, settings, new OraclePolicy(truth)));
        return new Report(
                quality, policies, heldout.size(), requests.length, settings.candidatesPerRequest(), settings.slots());
    }

    private static double rate(boolean[] events, boolean[] given) {
        long hits = 0;
        long total = 0;
        for (int i = 0; i < events.length; i++) {
            if (given == null || given[i]) {
                total++;
                hits += events[i] ? 1 : 0;
            }
        }
        return total == 0 ? 0 : (double) hits / total;
    }

    /** Scores one request's candidates: writes each one's expected value per impression into {@code value}. */
    private interface Policy {
        void rank(World world, EvalRequest request, Campaign[] campaigns, Ad[] ads, double[] values);
    }

    private static PolicyMetrics run(
            World world, GroundTruth truth, EvalRequest[] requests, PolicySettings settings, Policy policy) {
        double clicks = 0;
        double revenue = 0;
        long impressions = 0;
        int max = settings.candidatesPerRequest();
        Ad[] ads = new Ad[max];
        Campaign[] campaigns = new Campaign[max];
        double[] values = new double[max];
        for (EvalRequest request : requests) {
            int n = request.candidateAdIds().length;
            for (int i = 0; i < n; i++) {
                ads[i] = world.ad(request.candidateAdIds()[i]);
                campaigns[i] = world.campaign(ads[i].campaignId());
            }
            policy.rank(world, request, campaigns, ads, values);
            User user = world.user(request.userId());
            boolean[] shown = new boolean[n];
            for (int slot = 0; slot < Math.min(settings.slots(), n); slot++) {
                int best = -1;
                for (int i = 0; i < n; i++) {
                    if (!shown[i] && (best < 0 || values[i] > values[best])) {
                        best = i;
                    }
                }
                shown[best] = true;
                Context at = new Context(
                        request.context().surface(), request.context().hour(), slot);
                double pClick = truth.pClick(user, ads[best], campaigns[best], at);
                clicks += pClick;
                impressions++;
                revenue += value(campaigns[best], pClick, truth.pConversion(user, ads[best], campaigns[best], at));
            }
        }
        return new PolicyMetrics(impressions == 0 ? 0 : clicks / impressions, 1000.0 * revenue / requests.length);
    }

    /** Expected spend of one impression at the bid: the auction's eCPM, per impression rather than per mille. */
    private static double value(Campaign c, double pClick, double pConversion) {
        return Auction.ecpm(c, (float) pClick, (float) pConversion) / 1000.0;
    }

    private static final class RandomPolicy implements Policy {
        private final SplittableRandom random;

        RandomPolicy(long seed) {
            this.random = new SplittableRandom(seed);
        }

        @Override
        public void rank(World world, EvalRequest request, Campaign[] campaigns, Ad[] ads, double[] values) {
            for (int i = 0; i < request.candidateAdIds().length; i++) {
                values[i] = random.nextDouble();
            }
        }
    }

    private record ConstantRatePolicy(double ctr, double cvr) implements Policy {
        @Override
        public void rank(World world, EvalRequest request, Campaign[] campaigns, Ad[] ads, double[] values) {
            for (int i = 0; i < request.candidateAdIds().length; i++) {
                values[i] = value(campaigns[i], ctr, cvr);
            }
        }
    }

    private record OraclePolicy(GroundTruth truth) implements Policy {
        @Override
        public void rank(World world, EvalRequest request, Campaign[] campaigns, Ad[] ads, double[] values) {
            User user = world.user(request.userId());
            for (int i = 0; i < request.candidateAdIds().length; i++) {
                values[i] = value(
                        campaigns[i],
                        truth.pClick(user, ads[i], campaigns[i], request.context()),
                        truth.pConversion(user, ads[i], campaigns[i], request.context()));
            }
        }
    }

    /**
     * The held-out impressions on one feature set, and for a set that reads counters, the counters as the training and
     * held-out logs left them: the policies rank as a server would after that traffic.
     */
    private record Heldout(FeatureAssembly set, TrainingData data, CounterReplay replay) {
        static Heldout of(World world, FeatureAssembly set, Supplier<CounterStore> counters) {
            if (!set.set().readsCounters()) {
                return new Heldout(set, TrainingData.of(world, world.heldout(), set, null), null);
            }
            CounterReplay replay = new CounterReplay(counters.get());
            replay.countLog(world, world.train(), set);
            return new Heldout(set, TrainingData.of(world, world.heldout(), set, replay), replay);
        }
    }

    /** Ranks with a trained model's calibrated pCTR and pCVR, scored on the CPU as serving does. */
    private static final class ModelPolicy implements Policy, AutoCloseable {
        private final Scorer scorer;
        private final Heldout heldout;
        private final FeatureBatch batch;
        private final AdColumns columns;
        private float[] out = new float[0];

        ModelPolicy(Model model, Heldout heldout, int candidates) {
            this.scorer = CpuScorers.of(model);
            this.heldout = heldout;
            this.batch = heldout.set().batch(candidates);
            this.columns = AdColumns.ofRows(candidates);
        }

        @Override
        public void rank(World world, EvalRequest request, Campaign[] campaigns, Ad[] ads, double[] values) {
            int n = request.candidateAdIds().length;
            for (int i = 0; i < n; i++) {
                columns.set(i, ads[i], campaigns[i]);
            }
            RequestRow user = RequestRow.of(world.user(request.userId()), request.context());
            CounterReplay replay = heldout.replay();
            heldout.set()
                    .fill(
                            batch,
                            0,
                            user,
                            columns.firstRows(n),
                            replay == null ? null : replay.store(),
                            replay == null ? 0 : replay.nowMs());
            batch.setRows(n);
            int heads = scorer.spec().heads().size();
            if (out.length < n * heads) {
                out = new float[n * heads];
            }
            scorer.score(batch, out);
            for (int i = 0; i < n; i++) {
                values[i] = value(
                        campaigns[i],
                        out[i * heads + scorer.spec().ctrHead()],
                        out[i * heads + scorer.spec().cvrHead()]);
            }
        }

        @Override
        public void close() {
            scorer.close();
        }
    }
}
