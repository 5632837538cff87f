package adsml.platform.offline.bench;

import adsml.platform.auction.Auction;
import adsml.platform.counters.EmbeddedCounterStore;
import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSets;
import adsml.platform.features.RequestRow;
import adsml.platform.funnel.LightRanker;
import adsml.platform.index.BudgetTracker;
import adsml.platform.index.ExactAdIndex;
import adsml.platform.model.Model;
import adsml.platform.offline.generator.EvalRequest;
import adsml.platform.offline.generator.GroundTruth;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.offline.train.CounterReplay;
import adsml.platform.scoring.CpuScorers;
import adsml.platform.scoring.Scorer;
import adsml.platform.world.World;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What the funnel's width is worth, on a world whose truth is known: for each width, every request retrieves that many
 * eligible ads by affinity (the exact index), the light model cuts them to the heavy model's {@code heavyWidth} (none
 * when the width is {@code heavyWidth}), the heavy model scores those, and the best {@code slots} by its eCPM are
 * shown, one per advertiser as the auction does by default. Each is valued by the truth at the position it is shown in,
 * at its bid (the first price, as {@code adsml eval} values policies: the value a ranking chooses, not a pricing rule's
 * share of it). The oracle does the same over every eligible ad with the true probabilities: what any funnel could
 * reach. The counters the models read are those the world's training log leaves, replayed once per feature set.
 *
 * <p>Time is measured per request on this thread: retrieval, the light cut (resolving the wide set included), and the
 * heavy model (resolving, features, scoring on the CPU).
 */
public final class FunnelBench {

    /** What to measure: {@code widths} retrievals, each cut to {@code heavyWidth} when wider. */
    public record Config(int requests, int slots, int heavyWidth, List<Integer> widths, long seed) {
        public Config {
            widths = List.copyOf(widths);
            if (requests < 1 || slots < 1 || heavyWidth < 1 || widths.isEmpty()) {
                throw new IllegalArgumentException("requests, slots, heavyWidth and widths must be positive");
            }
            for (int w : widths) {
                if (w < heavyWidth) {
                    throw new IllegalArgumentException(
                            "every width must be at least the heavy model's " + heavyWidth + ", was " + w);
                }
            }
        }
    }

    /**
     * One width's figures: expected revenue per 1000 requests and its share of the oracle's, expected clicks per
     * impression, and the mean and 99th percentile milliseconds of each stage and of the three together.
     */
    public record Row(
            int retrieved,
            int scored,
            double rpm,
            double ofOracle,
            double ctr,
            double retrievalMs,
            double lightMs,
            double heavyMs,
            double totalMs,
            double totalP99Ms) {}

    /** Every width's row, the oracle's revenue per 1000 requests, and what was compared. */
    public record Report(
            List<Row> rows,
            double oracleRpm,
            double oracleCtr,
            int requests,
            int slots,
            int ads,
            String heavyVersion,
            String lightVersion) {}

    private FunnelBench() {}

    /**
     * Runs {@code config} on {@code world} with the heavy model {@code heavy} (its feature set from {@code sets}) and
     * the light model {@code light}.
     */
    public static Report run(World world, Model heavy, LightRanker.Version light, FeatureSets sets, Config config) {
        GroundTruth truth =
                GroundTruth.create(world.config().seed(), world.advertisers().size());
        EvalRequest[] requests = WorldGenerator.evalRequests(world, truth, config.seed(), config.requests(), 1);
        ExactAdIndex index = ExactAdIndex.of(world, new BudgetTracker(Clock.systemUTC()));
        FeatureAssembly heavySet = sets.require(heavy.spec().schema().name());
        Map<String, CounterReplay> replays = new HashMap<>();
        CounterReplay heavyCounters = replay(world, heavySet, replays);
        CounterReplay lightCounters = replay(world, light.set(), replays);
        int widest = config.widths().stream().mapToInt(Integer::intValue).max().orElseThrow();
        int[] retrieved = new int[Math.max(widest, world.ads().size())];
        int[] kept = new int[config.heavyWidth()];
        List<Row> rows = new ArrayList<>();
        try (Scorer scorer = CpuScorers.of(heavy)) {
            Stage oracle = new Stage(requests.length);
            for (EvalRequest q : requests) {
                User user = world.user(q.userId());
                int n = index.retrieve(user, q.context(), world.ads().size(), retrieved);
                double[] value = new double[n];
                for (int i = 0; i < n; i++) {
                    Ad ad = world.ad(retrieved[i]);
                    Campaign c = world.campaign(ad.campaignId());
                    value[i] = Auction.ecpm(c, (float) truth.pClick(user, ad, c, q.context()), (float)
                            truth.pConversion(user, ad, c, q.context()));
                }
                oracle.show(world, truth, user, q.context(), retrieved, value, n, config.slots());
            }
            for (int width : config.widths()) {
                Stage stage = new Stage(requests.length);
                for (EvalRequest q : requests) {
                    User user = world.user(q.userId());
                    RequestRow row = RequestRow.of(user, q.context());
                    long start = System.nanoTime();
                    int n = index.retrieve(user, q.context(), width, retrieved);
                    long afterRetrieval = System.nanoTime();
                    int[] candidates = retrieved;
                    if (n > config.heavyWidth()) {
                        AdColumns wide = index.resolve(retrieved, n);
                        n = LightRanker.cut(
                                light,
                                row,
                                wide,
                                lightCounters.store(),
                                lightCounters.nowMs(),
                                config.heavyWidth(),
                                kept);
                        candidates = kept;
                    }
                    long afterLight = System.nanoTime();
                    double[] value = heavyValues(index, candidates, n, heavySet, heavyCounters, scorer, row);
                    long end = System.nanoTime();
                    stage.time(afterRetrieval - start, afterLight - afterRetrieval, end - afterLight);
                    stage.show(world, truth, user, q.context(), candidates, value, n, config.slots());
                }
                rows.add(stage.row(width, Math.min(width, config.heavyWidth()), oracle.rpm()));
            }
            return new Report(
                    rows,
                    oracle.rpm(),
                    oracle.ctr(),
                    requests.length,
                    config.slots(),
                    world.ads().size(),
                    heavy.spec().name() + "/" + heavy.spec().version(),
                    light.id());
        }
    }

    private static CounterReplay replay(World world, FeatureAssembly set, Map<String, CounterReplay> replays) {
        return replays.computeIfAbsent(set.set().id(), id -> {
            CounterReplay replay = new CounterReplay(new EmbeddedCounterStore(2_000_000));
            replay.countLog(world, world.train(), set);
            return replay;
        });
    }

    /** The heavy model's eCPM of each candidate, scored as serving scores it. */
    private static double[] heavyValues(
            ExactAdIndex index,
            int[] ids,
            int n,
            FeatureAssembly set,
            CounterReplay counters,
            Scorer scorer,
            RequestRow row) {
        AdColumns ads = index.resolve(ids, n);
        FeatureBatch batch = set.batch(ads.rows());
        set.fill(batch, 0, row, ads, counters.store(), counters.nowMs());
        batch.setRows(ads.rows());
        int heads = scorer.spec().heads().size();
        int ctr = scorer.spec().ctrHead();
        int cvr = scorer.spec().cvrHead();
        float[] scores = new float[ads.rows() * heads];
        scorer.score(batch, scores);
        double[] value = new double[n];
        for (int r = 0; r < ads.rows(); r++) {
            value[ads.positions()[r]] = Auction.ecpm(
                    ads.bidTypes()[r], ads.bids()[r], scores[r * heads + ctr], cvr < 0 ? 0f : scores[r * heads + cvr]);
        }
        return value;
    }

    /** One policy's sums over the requests. */
    private static final class Stage {
        double revenue;
        double clicks;
        long impressions;
        final int requests;
        final long[] retrieval;
        final long[] light;
        final long[] heavy;
        int timed;

        Stage(int requests) {
            this.requests = requests;
            this.retrieval = new long[requests];
            this.light = new long[requests];
            this.heavy = new long[requests];
        }

        void time(long retrievalNanos, long lightNanos, long heavyNanos) {
            retrieval[timed] = retrievalNanos;
            light[timed] = lightNanos;
            heavy[timed++] = heavyNanos;
        }

        /**
         * Shows the best {@code slots} of {@code ids[0, n)} by {@code value}, one per advertiser, at positions 0, 1,
         * ..., and adds what the truth expects of each at its bid.
         */
        void show(
                World world,
                GroundTruth truth,
                User user,
                Context context,
                int[] ids,
                double[] value,
                int n,
                int slots) {
            boolean[] taken = new boolean[n];
            List<Integer> advertisers = new ArrayList<>();
            for (int slot = 0; slot < slots; slot++) {
                int best = -1;
                for (int i = 0; i < n; i++) {
                    if (!taken[i]
                            && value[i] > 0
                            && (best < 0 || value[i] > value[best])
                            && !advertisers.contains(
                                    world.campaign(world.ad(ids[i]).campaignId())
                                            .advertiserId())) {
                        best = i;
                    }
                }
                if (best < 0) {
                    return;
                }
                taken[best] = true;
                Ad ad = world.ad(ids[best]);
                Campaign c = world.campaign(ad.campaignId());
                advertisers.add(c.advertiserId());
                Context at = new Context(context.surface(), context.hour(), slot);
                double pClick = truth.pClick(user, ad, c, at);
                clicks += pClick;
                impressions++;
                revenue += Auction.ecpm(c, (float) pClick, (float) truth.pConversion(user, ad, c, at)) / 1000.0;
            }
        }

        double rpm() {
            return 1000.0 * revenue / requests;
        }

        double ctr() {
            return impressions == 0 ? 0 : clicks / impressions;
        }

        Row row(int retrieved, int scored, double oracleRpm) {
            long[] total = new long[timed];
            Arrays.setAll(total, i -> retrieval[i] + light[i] + heavy[i]);
            Arrays.sort(total);
            return new Row(
                    retrieved,
                    scored,
                    rpm(),
                    oracleRpm == 0 ? 0 : rpm() / oracleRpm,
                    ctr(),
                    meanMs(retrieval),
                    meanMs(light),
                    meanMs(heavy),
                    meanMs(total),
                    total[Math.min(timed - 1, (int) Math.ceil(0.99 * timed) - 1)] / 1e6);
        }

        private double meanMs(long[] nanos) {
            return Arrays.stream(nanos, 0, timed).average().orElse(0) / 1e6;
        }
    }
}
