package adsml.platform.funnel;

import adsml.platform.counters.CounterStore;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.features.CounterEntity;
import adsml.platform.features.FeatureBatch;
import adsml.platform.features.RequestRow;
import adsml.platform.index.LightVector;
import adsml.platform.model.ModelSpec;
import java.util.Arrays;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * A light model in the form the inventory scan ranks by: per request a query over {@link LightVector}'s blocks, per ad
 * a prior, whose sum {@code query . vector + prior} is the log of the ad's eCPM by the model, so that the scan's device
 * light-ranks every eligible ad rather than the CPU a retrieved few thousand.
 *
 * <p>Why it is exact: a light model is a logistic regression whose every term reads the request and at most one of the
 * ad's category, creative type, bid type and latent factors (those linearly: the user x ad outer product), or the ad
 * alone (its id, its own click rates). Per head h, then, {@code logit_h(u, a) = q_h(u) . z(a) + p_h(a)} with {@code z}
 * a {@link LightVector} block. {@code q_h(u)} is read off the model itself, without parsing its features: it scores
 * probe ads for the request, a base (category 0, the first creative type, CPC, zero factors, an id no ad has) and one
 * per coordinate of the block with that coordinate set; a coordinate's query value is its probe's logit less the
 * base's, the bid types' are whole (so the request's own terms are in them: every ad has one bid type). {@code p_h(a)}
 * is the logit of a fixed reference request less {@code q_h . z(a)}. Probabilities are taken back to logits, where the
 * model's calibration is linear. (A term of the ad's alone, even one crossing two of its attributes, lands in
 * {@code p}.) A model for which this does not hold (a term of the request with two of the ad's attributes, or with one
 * the block does not hold: its bid, its id) fails the check at {@link #of} and is served by the CPU cut instead.
 *
 * <p>The key is {@code log eCPM}: a CPC ad's {@code log(1000 bid pCTR)} is {@code log(1000 bid) + logit -
 * softplus(logit)}, and the last term, which the dot product cannot carry, is taken at the reference request
 * ({@code pCTR} itself at the few percent of ad click rates): the key differs from the exact one by about the
 * difference of the two requests' probabilities. So the scan keeps more than the funnel needs and the CPU cut
 * (LightRanker.cut) picks the best of those by the exact eCPM; LightScanTest measures how much of the exact cut over
 * every eligible ad that finds. CPA ads add the CVR head the same way; a CPM ad's key is {@code log bid}.
 */
public final class LightScan {
    /** The most a recomposed logit may differ from the model's at the check: fp32 probabilities round at ~1e-6. */
    static final double TOLERANCE = 1e-3;

    /** The prior of an ad that can earn nothing here (no bid; CPA under a model without a CVR head): last. */
    static final float NEVER = -1e30f;

    private static final int CHECK_USERS = 16;
    private static final int PROBES = 1 + LightVector.Z;

    private final LightRanker.Version version;
    private final int heads;
    private final int ctr;
    private final int cvr;
    private final AdColumns probes;
    private final RequestRow reference;
    private final ThreadLocal<Scratch> scratch;
    private double error;

    /** A request's probe rows and their scores, kept by each thread between requests. */
    private static final class Scratch {
        final FeatureBatch batch;
        final float[] scores;

        Scratch(LightRanker.Version version, int heads) {
            batch = version.set().batch(PROBES);
            scores = new float[PROBES * heads];
        }
    }

    private LightScan(LightRanker.Version version) {
        this.version = version;
        ModelSpec spec = version.scorer().spec();
        this.heads = spec.heads().size();
        this.ctr = spec.ctrHead();
        this.cvr = spec.cvrHead();
        this.probes = probes();
        this.reference = RequestRow.coldStart(0, 0, 0L, new Context(0, 0, 0));
        this.scratch = ThreadLocal.withInitial(() -> new Scratch(version, heads));
    }

    /**
     * The scan's form of {@code version}, checked on random requests against its own scores of the ads {@code sample}
     * (real ones, with their counters in {@code counters} as of {@code nowMs}).
     *
     * @throws IllegalArgumentException when a recomposed logit differs from the model's by more than
     *     {@link #TOLERANCE}: the model has a term the scan cannot carry
     */
    public static LightScan of(LightRanker.Version version, AdColumns sample, CounterStore counters, long nowMs) {
        for (CounterEntity e : version.set().counterEntities()) {
            // The user's history with the ad, its campaign or advertiser: read per pair, which no query can carry,
            // and empty for the check's random users, so refused by name.
            if (e == CounterEntity.USER_AD || e == CounterEntity.USER_CAMPAIGN || e == CounterEntity.USER_ADVERTISER) {
                throw new IllegalArgumentException(
                        version.id() + " reads counters of " + e.name().toLowerCase(Locale.ROOT)
                                + ", a pair of the user and one ad's own: not a query . ad vector + ad term, served by the CPU"
                                + " cut");
            }
        }
        LightScan scan = new LightScan(version);
        scan.error = scan.check(sample, counters, nowMs);
        if (!(scan.error <= TOLERANCE)) {
            throw new IllegalArgumentException(
                    version.id() + " is not a query . ad vector + ad term per head (a logit"
                            + " recomposed " + scan.error + " off, more than " + TOLERANCE
                            + "): a term of the request crosses two of the"
                            + " ad's attributes, or one the scan's vector does not hold (its bid, its id); served by the CPU cut");
        }
        return scan;
    }

    /** The light model's id ({@code name/version}). */
    public String id() {
        return version.id();
    }

    /** The light model. */
    public LightRanker.Version version() {
        return version;
    }

    /** The largest difference of a recomposed logit from the model's at the check. */
    public double error() {
        return error;
    }

    /** Writes the query of {@code row} ({@link LightVector#DIM} values) into {@code out[at, at + DIM)}. */
    public void query(RequestRow row, CounterStore counters, long nowMs, float[] out, int at) {
        Scratch s = scratch.get();
        score(row, probes, counters, nowMs, s.batch, s.scores);
        query(s.scores, ctr, out, at);
        if (cvr >= 0) {
            query(s.scores, cvr, out, at + LightVector.Z);
        } else {
            Arrays.fill(out, at + LightVector.Z, at + LightVector.DIM, 0f);
        }
    }

    private void query(float[] scores, int head, float[] out, int at) {
        double base = logit(scores[head]);
        for (int i = 0; i < LightVector.Z; i++) {
            double probe = logit(scores[(1 + i) * heads + head]);
            boolean bidType = i >= LightVector.BID_TYPE && i < LightVector.EMBEDDING;
            out[at + i] = (float) (bidType ? probe : probe - base);
        }
    }

    /**
     * Writes the prior of each of {@code ads} into {@code out[0, ads.rows())}: with the query and the ad's
     * {@link LightVector}, its log eCPM (see the class comment).
     */
    public void priors(AdColumns ads, CounterStore counters, long nowMs, float[] out) {
        int rows = ads.rows();
        float[] logits = new float[rows * heads];
        float[] terms = adTerms(ads, counters, nowMs, logits);
        for (int r = 0; r < rows; r++) {
            double bid = ads.bids()[r];
            BidType type = ads.bidTypes()[r];
            if (!(bid > 0) || (type == BidType.CPA && cvr < 0)) {
                out[r] = NEVER;
                continue;
            }
            double key =
                    switch (type) {
                        case CPM -> Math.log(bid);
                        case CPC -> Math.log(1000 * bid) + terms[2 * r] - softplus(logits[r * heads + ctr]);
                        case CPA ->
                            Math.log(1000 * bid)
                                    + terms[2 * r]
                                    - softplus(logits[r * heads + ctr])
                                    + terms[2 * r + 1]
                                    - softplus(logits[r * heads + cvr]);
                    };
            out[r] = (float) key;
        }
    }

    /**
     * The ad terms {@code p_ctr, p_cvr} of each of {@code ads} (two per row; 0 for a missing head), and into
     * {@code logits} the heads' logits for the reference request.
     */
    private float[] adTerms(AdColumns ads, CounterStore counters, long nowMs, float[] logits) {
        int rows = ads.rows();
        FeatureBatch batch = version.set().batch(Math.max(rows, PROBES));
        float[] scores = new float[Math.max(rows, PROBES) * heads];
        float[] q = new float[LightVector.DIM];
        score(reference, probes, counters, nowMs, batch, scores);
        query(scores, ctr, q, 0);
        if (cvr >= 0) {
            query(scores, cvr, q, LightVector.Z);
        }
        score(reference, ads, counters, nowMs, batch, scores);
        float[] z = new float[LightVector.Z];
        float[] terms = new float[2 * rows];
        for (int r = 0; r < rows; r++) {
            block(ads, r, z);
            for (int h = 0; h < heads; h++) {
                logits[r * heads + h] = (float) logit(scores[r * heads + h]);
            }
            terms[2 * r] = (float) (logits[r * heads + ctr] - dot(q, 0, z));
            if (cvr >= 0) {
                terms[2 * r + 1] = (float) (logits[r * heads + cvr] - dot(q, LightVector.Z, z));
            }
        }
        return terms;
    }

    /**
     * The largest difference, over {@link #CHECK_USERS} random requests and the ads {@code sample}, of {@code q_h(u) .
     * z(a) + p_h(a)} from the model's logit.
     */
    private double check(AdColumns sample, CounterStore counters, long nowMs) {
        int rows = sample.rows();
        float[] terms = adTerms(sample, counters, nowMs, new float[rows * heads]);
        FeatureBatch batch = version.set().batch(Math.max(rows, PROBES));
        float[] scores = new float[Math.max(rows, PROBES) * heads];
        float[] q = new float[LightVector.DIM];
        float[] z = new float[LightVector.Z];
        SplittableRandom random = new SplittableRandom(version.id().hashCode());
        double worst = 0;
        for (int u = 0; u < CHECK_USERS; u++) {
            RequestRow row = randomRequest(random);
            query(row, counters, nowMs, q, 0);
            score(row, sample, counters, nowMs, batch, scores);
            for (int r = 0; r < rows; r++) {
                block(sample, r, z);
                worst = Math.max(worst, Math.abs(logit(scores[r * heads + ctr]) - dot(q, 0, z) - terms[2 * r]));
                if (cvr >= 0) {
                    worst = Math.max(
                            worst,
                            Math.abs(logit(scores[r * heads + cvr]) - dot(q, LightVector.Z, z) - terms[2 * r + 1]));
                }
            }
        }
        return Double.isNaN(worst) ? Double.POSITIVE_INFINITY : worst;
    }

    private void score(
            RequestRow row, AdColumns ads, CounterStore counters, long nowMs, FeatureBatch batch, float[] scores) {
        version.set().fill(batch, 0, row, ads, counters, nowMs);
        batch.setRows(ads.rows());
        version.scorer().score(batch, scores);
    }

    /** The base ad and one per block coordinate with that coordinate set: an id no ad has, so no counters. */
    private static AdColumns probes() {
        AdColumns p = AdColumns.ofRows(PROBES);
        Arrays.fill(p.adIds(), -1);
        Arrays.fill(p.campaignIds(), -1);
        Arrays.fill(p.advertiserIds(), -1);
        Arrays.fill(p.bidTypes(), BidType.CPC);
        Arrays.fill(p.bids(), 1f);
        for (int c = 0; c < Vocab.NUM_CATEGORIES; c++) {
            p.categories()[1 + LightVector.CATEGORY + c] = c;
        }
        for (int t = 0; t < Vocab.CREATIVE_TYPES.length; t++) {
            p.creativeTypes()[1 + LightVector.CREATIVE + t] = t;
        }
        for (BidType b : BidType.values()) {
            p.bidTypes()[1 + LightVector.BID_TYPE + b.ordinal()] = b;
        }
        for (int j = 0; j < Vocab.EMBEDDING_DIM; j++) {
            p.embeddings()[(1 + LightVector.EMBEDDING + j) * Vocab.EMBEDDING_DIM + j] = 1f;
        }
        return p;
    }

    private static void block(AdColumns ads, int r, float[] z) {
        Arrays.fill(z, 0f);
        LightVector.block(
                ads.categories()[r],
                ads.creativeTypes()[r],
                ads.bidTypes()[r],
                ads.embeddings(),
                r * Vocab.EMBEDDING_DIM,
                z,
                0);
    }

    /** The dot product in the scan's order: in dimension order, one fused multiply-add per component. */
    private static double dot(float[] q, int at, float[] z) {
        float acc = 0f;
        for (int i = 0; i < LightVector.Z; i++) {
            acc = Math.fma(q[at + i], z[i], acc);
        }
        return acc;
    }

    /** A request of random attributes, factors, interests and context, for the check. */
    private static RequestRow randomRequest(SplittableRandom random) {
        int[] interests = random.ints(0, Vocab.NUM_CATEGORIES)
                .distinct()
                .limit(Vocab.INTERESTS_PER_USER)
                .toArray();
        float[] weights = new float[Vocab.INTERESTS_PER_USER];
        for (int i = 0; i < weights.length; i++) {
            weights[i] = (float) random.nextDouble();
        }
        float[] embedding = new float[Vocab.EMBEDDING_DIM];
        for (int d = 0; d < embedding.length; d++) {
            embedding[d] = (float) (random.nextDouble() * 2 - 1);
        }
        User user = new User(
                random.nextInt(1_000_000),
                random.nextInt(Vocab.COUNTRIES.length),
                random.nextInt(Vocab.DEVICES.length),
                random.nextInt(Vocab.AGE_BUCKETS.length),
                interests,
                weights,
                embedding);
        Context context = new Context(
                random.nextInt(Vocab.SURFACES.length), random.nextInt(Vocab.HOURS), random.nextInt(Vocab.MAX_POSITION));
        return RequestRow.of(user, context);
    }

    /** The log-odds of a probability, in double: the heads' calibration is linear there. */
    static double logit(float p) {
        double clamped = Math.min(Math.max(p, 1e-12), 1 - 1e-7);
        return Math.log(clamped) - Math.log1p(-clamped);
    }

    private static double softplus(double x) {
        return x > 30 ? x : Math.log1p(Math.exp(x));
    }
}
