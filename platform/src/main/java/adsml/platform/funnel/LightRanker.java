package adsml.platform.funnel;

import adsml.platform.auction.Auction;
import adsml.platform.counters.CounterStore;
import adsml.platform.domain.AdColumns;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSets;
import adsml.platform.features.RandomFeatures;
import adsml.platform.features.RequestRow;
import adsml.platform.index.RankKeys;
import adsml.platform.model.InvalidModelException;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelSpec;
import adsml.platform.scoring.ReferenceScorer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The funnel's middle stage: a logistic regression, trained by the same trainer on a declared feature set, that scores
 * every retrieved ad on the request's thread and keeps the best few by its eCPM (bid, pCTR and pCVR as the auction
 * weighs them) for the heavy model. Retrieval ranks by affinity alone; this stage is where bids, the ads' own click
 * rates and the category crosses first count, so a wide retrieval turns into revenue.
 *
 * <p>It scores in plain Java ({@link ReferenceScorer}): a logistic regression over ten thousand rows is a millisecond
 * or two, less than a trip to the batching scheduler would cost. The active version is one atomic reference, swapped
 * whole; a request reads it once.
 */
public final class LightRanker {

    /** A light model ready to score: its id ({@code name/version}), the feature set it reads, its scorer. */
    public record Version(String id, FeatureAssembly set, ReferenceScorer scorer) {}

    private final AtomicReference<Version> active = new AtomicReference<>();

    /**
     * A thread's buffers for one cut, kept between requests: allocating and zeroing the rows of 10,000 candidates per
     * request took half the stage's time (2 MB a request on `light-v1`). Every cell of the rows cut is written again.
     */
    private static final class Scratch {
        FeatureAssembly set;
        FeatureBatch batch;
        float[] scores = new float[0];
        long[] keys = new long[0];

        Scratch fit(FeatureAssembly want, int rows, int heads) {
            if (set != want || batch.capacity() < rows) {
                set = want;
                batch = want.batch(Math.max(rows, batch == null ? 0 : batch.capacity()));
            }
            if (scores.length < rows * heads) {
                scores = new float[rows * heads];
            }
            if (keys.length < rows) {
                keys = new long[rows];
            }
            return this;
        }
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /** The version scoring now; empty when none is active (retrieval then hands its best ads to the heavy model). */
    public Optional<Version> active() {
        return Optional.ofNullable(active.get());
    }

    /** Makes {@code version} the one every request from now on is cut by. */
    public void activate(Version version) {
        active.set(Objects.requireNonNull(version));
    }

    /** Ends the light stage: from the next request, retrieval hands its best ads straight to the heavy model. */
    public void end() {
        active.set(null);
    }

    /**
     * Reads the version in {@code dir} ({@code <models>/<name>/<version>}) and checks it before it may serve: its
     * folder and {@code model.json} agree, it is an LR with a CTR head, its feature set is one of {@code sets} with the
     * same columns, and it scores a seeded batch as finite probabilities.
     *
     * @throws InvalidModelException naming the file and the problem
     */
    public static Version load(Path dir, FeatureSets sets) {
        Model model = ModelFolder.load(dir);
        ModelSpec spec = model.spec();
        String id = dir.getParent().getFileName() + "/" + dir.getFileName();
        if (!(spec.name() + "/" + spec.version()).equals(id)) {
            throw new InvalidModelException(ModelFolder.MODEL_JSON + " names " + spec.name() + "/" + spec.version()
                    + ", but the version is in the folder " + id);
        }
        if (!(model instanceof Model.Lr)) {
            // The plain-Java DCN allocates per row and layer: tens of milliseconds over 10,000 rows, on a request
            // thread.
            throw new InvalidModelException(id + ": a light model must be an LR (architecture lr), scored in plain Java"
                    + " over every retrieved ad; this one is "
                    + spec.architecture().name().toLowerCase(Locale.ROOT));
        }
        if (spec.ctrHead() < 0) {
            throw new InvalidModelException(id + ": a light model needs a ctr head; its heads are " + spec.heads());
        }
        FeatureAssembly set = sets.get(spec.schema().name())
                .filter(s -> s.schema().equals(spec.schema()))
                .orElseThrow(() -> new InvalidModelException(
                        id + ": feature set '" + spec.schema().name()
                                + "' is not declared by this server with the columns the model was trained on"));
        ReferenceScorer scorer = ReferenceScorer.of(model);
        FeatureBatch golden = RandomFeatures.batch(spec.schema(), 32, 7L);
        float[] out = new float[golden.rows() * spec.heads().size()];
        scorer.score(golden, out);
        for (float p : out) {
            if (!(p >= 0f && p <= 1f)) {
                throw new InvalidModelException(id + ": scores a seeded batch outside [0, 1] (" + p + ")");
            }
        }
        return new Version(id, set, scorer);
    }

    /**
     * Scores the candidates {@code ads} (resolved from retrieval, row {@code k} at retrieval rank
     * {@code ads.positions()[k]}) with {@code version} and writes the ad ids of the best {@code keep} by eCPM into
     * {@code out}, best first (ties to the lower ad id); returns how many it wrote. Counters that cannot be read score
     * as their priors, as in the heavy model's rows.
     */
    public static int cut(
            Version version, RequestRow row, AdColumns ads, CounterStore counters, long nowMs, int keep, int[] out) {
        int rows = ads.rows();
        int kept = Math.min(keep, rows);
        if (kept <= 0) {
            return 0;
        }
        Scratch scratch = SCRATCH.get()
                .fit(version.set(), rows, version.scorer().spec().heads().size());
        FeatureBatch batch = scratch.batch;
        version.set().fill(batch, 0, row, ads, counters, nowMs);
        batch.setRows(rows);
        ModelSpec spec = version.scorer().spec();
        int heads = spec.heads().size();
        int ctr = spec.ctrHead();
        int cvr = spec.cvrHead();
        float[] scores = scratch.scores;
        version.scorer().score(batch, scores);
        long[] keys = scratch.keys;
        for (int r = 0; r < rows; r++) {
            float pCtr = scores[r * heads + ctr];
            float pCvr = cvr < 0 ? 0f : scores[r * heads + cvr];
            double ecpm = Auction.ecpm(ads.bidTypes()[r], ads.bids()[r], pCtr, pCvr);
            keys[r] = RankKeys.key((float) ecpm, ads.adIds()[r]);
        }
        RankKeys.selectLargest(keys, rows, kept);
        Arrays.sort(keys, 0, kept);
        for (int k = 0; k < kept; k++) {
            out[k] = RankKeys.adOf(keys[kept - 1 - k]);
        }
        return kept;
    }
}
