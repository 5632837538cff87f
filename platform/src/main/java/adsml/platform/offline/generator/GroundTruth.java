package adsml.platform.offline.generator;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import java.util.SplittableRandom;

/**
 * The hidden model that decides clicks and conversions in a generated world. It is recreated from the world's seed
 * ({@link #create(long, int)}); models must learn it from logs, never read it.
 *
 * <p>Click (with {@code dot = u.embedding . ad.embedding}, {@code iw = interestWeight(u, ad.category)}):
 *
 * <pre>
 * clickLogit = B0 + A * dot + B * iw
 *            + userPropensity[age][device]             (drawn N(0, 0.8), centred)
 *            + countryEffect[country]                  (drawn N(0, 0.5), centred)
 *            + positionBias[position]                 (0, -0.35, -0.6, -0.8, -1.0)
 *            + surfaceEffect[surface]                 (home_feed 0, search +0.35, video -0.1, article -0.3)
 *            + 0.3 * cos(2 pi (hour - 20) / 24)        (smooth daily curve, peak at 20:00)
 *            + creativeBySurface[creativeType][surface] (0.7 x a fixed prior, e.g. video on video +0.42, plus N(0, 0.1))
 *            + deviceByCategory[device][category]      (drawn N(0, 0.2))
 *            + advertiserClickQuality[advertiserId]    (drawn N(0, 0.05); 0 for unknown ids)
 * pClick = sigmoid(clickLogit)
 * </pre>
 *
 * with {@code A = }{@value #AFFINITY}, {@code B = }{@value #INTEREST}, {@code B0 = }{@value #CLICK_BIAS}. Conversion
 * given click:
 *
 * <pre>
 * convLogit = C0 + 0.2 * dot + 0.8 * iw + ageByCategory[age][category] (drawn N(0, 0.4))
 *           + advertiserConvQuality[advertiserId]  (drawn N(0, 0.15); 0 for unknown ids)
 * pConversion = sigmoid(convLogit)   = P(conversion | click)
 * </pre>
 *
 * with {@code C0 = }{@value #CONV_BIAS}.
 *
 * <p>Why these sizes: engagement as real feeds see it. What varies between the candidates of one request (interest,
 * affinity, creative, device x category, advertiser) decides how much ranking can gain: the oracle's ad among 100
 * candidates is clicked about 1.8 times as often as a random one (eval, seed 11), not eight times. What varies between
 * requests (the user's propensity, position, surface, hour) carries much of the predictable signal, so AUCs land near
 * real CTR models' (about 0.75 for the oracle). The candidate-varying part is mostly learnable from the features a
 * model sees; the per-ad part of the embedding affinity, which no model learns from about 50 impressions per ad, weighs
 * little. The propensity tables are centred on the population, so every seed's mean CTR lands near the same level.
 * Under the generator's logging policy (a uniform targeted ad at a uniform position) the mean logged CTR is 0.9-1.3%
 * (seeds 11 and 1) and P(conversion | click) about 3.4% (5% on the ads a trained model serves); docs/WORLD.md has the
 * distribution under each ranking policy. The products (embedding affinity, interest x category, creative x surface,
 * device x category, age x category) are interactions a linear model on hashed single features cannot represent.
 *
 * <p>Embeddings come from the generator (see {@link WorldGenerator}): per-category centroids with components N(0,
 * 1/sqrt(EMBEDDING_DIM)); an ad's embedding is 0.8 * its category's centroid plus noise, a user's leans (0.7) toward
 * their top interest's centroid. So affinity and interests are correlated, and {@code A * dot} has a standard deviation
 * of about 0.04 on logged impressions.
 *
 * <p><b>Drift.</b> The world moves during the day: {@link #clickLogit(User, Ad, Campaign, Context, double)} adds, at
 * {@code h} hours after the day began (0 before it: the logs and the first model are of a world that has not moved),
 *
 * <pre>
 * categoryTrend[category] x min(h, 24) / 24       (drawn N(0, 0.6); two categories fade: -1.0)
 * + TAKEOFF x sigmoid((h - 9) / 2)                 for the one category that takes off (+1.5, half of it by 09:00)
 * + adDrift[ad] x min(h, 24) / 24                  (N(0, 0.15) per ad, from a hash of its id: creatives wear out
 *                                                   or find their audience)
 * </pre>
 *
 * The conversion model does not drift. A model trained at hour 0 underrates the rising categories and overrates the
 * fading ones by the afternoon. Why most of the drift is by category: a day's traffic puts about ten thousand
 * impressions on each of the 50 categories and a handful on each of the 100,000 ads, so a model can follow what
 * categories do from its own traffic and not what one ad does. Ranking by the truth without the ads' own drift earns
 * 0.97 of the oracle over the last 12 hours (seed 1); the world of hour 0 ranked by its truth, 0.89. With ads drifting
 * by N(0, 0.6) that learnable share was 0.76: the oracle measured what no model could know.
 *
 * <p>Tables are drawn from dedicated random streams of the seed; advertiser {@code i}'s offsets do not depend on how
 * many advertisers there are. All scoring methods are allocation-free.
 */
public final class GroundTruth {
    /** Click logit intercept, tuned for a mean logged CTR of about 1%. */
    public static final double CLICK_BIAS = -4.75;
    /** Weight of the user-ad embedding dot product in the click logit. */
    public static final double AFFINITY = 0.1;
    /** Weight of the user's interest weight for the ad's category in the click logit. */
    public static final double INTEREST = 1.5;
    /** Conversion logit intercept, tuned for a mean logged P(conversion | click) of about 3.4%. */
    public static final double CONV_BIAS = -3.6;

    static final double CONV_AFFINITY = 0.2;
    static final double CONV_INTEREST = 0.8;

    private static final double USER_PROPENSITY_SD = 0.8;
    private static final double COUNTRY_SD = 0.5;
    private static final double[] POSITION_BIAS = {0.0, -0.35, -0.6, -0.8, -1.0};
    private static final double[] SURFACE_EFFECT = {0.0, 0.35, -0.1, -0.3};
    private static final double HOUR_AMPLITUDE = 0.3;
    /** The drift reaches its full size after this many hours. */
    private static final double DRIFT_HOURS = 24;

    private static final double CATEGORY_TREND_SD = 0.6;
    private static final double FADE = -1.0;
    private static final double TAKEOFF = 1.5;
    private static final double TAKEOFF_HOUR = 9;
    private static final double TAKEOFF_WIDTH = 2;
    private static final double AD_DRIFT_SD = 0.15;
    private static final int PEAK_HOUR = 20;
    /** Rows: image, video, carousel, text; columns: home_feed, search, video, article. */
    private static final double[][] CREATIVE_BY_SURFACE_PRIOR = {
        {0.1, 0.0, -0.3, 0.1},
        {0.0, -0.4, 0.6, -0.1},
        {0.2, -0.2, -0.2, 0.0},
        {-0.2, 0.4, -0.5, 0.2},
    };

    private final long seed;
    private final int numAdvertisers;
    private final double[] hourEffect = new double[Vocab.HOURS];
    private final double[] creativeBySurface; // [creative * SURFACES + surface]
    private final double[] deviceByCategory; // [device * NUM_CATEGORIES + category]
    private final double[] ageByCategory; // [age * NUM_CATEGORIES + category]
    private final double[] userPropensity; // [age * DEVICES + device]
    private final double[] countryEffect;
    private final double[] advertiserClickQuality;
    private final double[] advertiserConvQuality;
    private final double[] categoryTrend = new double[Vocab.NUM_CATEGORIES];
    private final int takeoffCategory;
    private final int[] fadingCategories = new int[2];

    private GroundTruth(long seed, int numAdvertisers) {
        this.seed = seed;
        this.numAdvertisers = numAdvertisers;
        for (int h = 0; h < Vocab.HOURS; h++) {
            hourEffect[h] = HOUR_AMPLITUDE * Math.cos(2 * Math.PI * (h - PEAK_HOUR) / Vocab.HOURS);
        }
        SplittableRandom r = Streams.of(seed, Streams.TRUTH_TABLES);
        int ns = Vocab.SURFACES.length;
        creativeBySurface = new double[Vocab.CREATIVE_TYPES.length * ns];
        for (int c = 0; c < Vocab.CREATIVE_TYPES.length; c++) {
            for (int s = 0; s < ns; s++) {
                creativeBySurface[c * ns + s] = 0.7 * CREATIVE_BY_SURFACE_PRIOR[c][s] + 0.1 * r.nextGaussian();
            }
        }
        deviceByCategory = new double[Vocab.DEVICES.length * Vocab.NUM_CATEGORIES];
        for (int i = 0; i < deviceByCategory.length; i++) {
            deviceByCategory[i] = 0.2 * r.nextGaussian();
        }
        ageByCategory = new double[Vocab.AGE_BUCKETS.length * Vocab.NUM_CATEGORIES];
        for (int i = 0; i < ageByCategory.length; i++) {
            ageByCategory[i] = 0.4 * r.nextGaussian();
        }
        // Centred on the population, so that every seed's mean CTR lands near the same level.
        int devices = Vocab.DEVICES.length;
        userPropensity = new double[Vocab.AGE_BUCKETS.length * devices];
        double mean = 0;
        for (int i = 0; i < userPropensity.length; i++) {
            userPropensity[i] = USER_PROPENSITY_SD * r.nextGaussian();
            mean += userPropensity[i]
                    * WorldGenerator.AGE_SHARE[i / devices]
                    * WorldGenerator.DEVICE_SHARE[i % devices];
        }
        for (int i = 0; i < userPropensity.length; i++) {
            userPropensity[i] -= mean;
        }
        countryEffect = new double[Vocab.COUNTRIES.length];
        mean = 0;
        for (int i = 0; i < countryEffect.length; i++) {
            countryEffect[i] = COUNTRY_SD * r.nextGaussian();
            mean += countryEffect[i] * WorldGenerator.COUNTRY_SHARE[i];
        }
        for (int i = 0; i < countryEffect.length; i++) {
            countryEffect[i] -= mean;
        }
        SplittableRandom ra = Streams.of(seed, Streams.TRUTH_ADVERTISERS);
        advertiserClickQuality = new double[numAdvertisers];
        advertiserConvQuality = new double[numAdvertisers];
        for (int i = 0; i < numAdvertisers; i++) {
            advertiserClickQuality[i] = 0.05 * ra.nextGaussian();
            advertiserConvQuality[i] = 0.15 * ra.nextGaussian();
        }
        SplittableRandom rd = Streams.of(seed, Streams.TRUTH_DRIFT);
        for (int k = 0; k < categoryTrend.length; k++) {
            categoryTrend[k] = CATEGORY_TREND_SD * rd.nextGaussian();
        }
        takeoffCategory = rd.nextInt(Vocab.NUM_CATEGORIES);
        for (int f = 0; f < fadingCategories.length; f++) {
            int k;
            do {
                k = rd.nextInt(Vocab.NUM_CATEGORIES);
            } while (k == takeoffCategory || (f > 0 && k == fadingCategories[0]));
            fadingCategories[f] = k;
            categoryTrend[k] = FADE;
        }
        categoryTrend[takeoffCategory] = 0;
        adDriftSalt = rd.nextLong();
    }

    private final long adDriftSalt;

    /** The category that takes off during the day. */
    public int takeoffCategory() {
        return takeoffCategory;
    }

    /** The categories that fade during the day. */
    public int[] fadingCategories() {
        return fadingCategories.clone();
    }

    /**
     * What the world's drift adds to the click logit of {@code ad} {@code hours} after the day began (see the class
     * comment); 0 at and before hour 0.
     */
    public double drift(Ad ad, double hours) {
        if (!(hours > 0)) {
            return 0;
        }
        double day = Math.min(hours, DRIFT_HOURS) / DRIFT_HOURS;
        int category = ad.category();
        double takeoff = category == takeoffCategory
                ? TAKEOFF * (sigmoid((hours - TAKEOFF_HOUR) / TAKEOFF_WIDTH) - sigmoid(-TAKEOFF_HOUR / TAKEOFF_WIDTH))
                : 0;
        return categoryTrend[category] * day + takeoff + adDrift(ad.id()) * day;
    }

    /** The ad's own drift over a day: N(0, AD_DRIFT_SD) from a hash of its id, so that no table grows with the ads. */
    private double adDrift(int adId) {
        SplittableRandom r = new SplittableRandom(Streams.mix(adDriftSalt ^ Streams.mix(adId + 1L)));
        return AD_DRIFT_SD * r.nextGaussian();
    }

    /**
     * The truth of the world generated from {@code seed}, with offsets for advertisers {@code 0..numAdvertisers-1}
     * (pass {@code world.advertisers().size()}).
     */
    public static GroundTruth create(long seed, int numAdvertisers) {
        if (numAdvertisers < 0) {
            throw new IllegalArgumentException("numAdvertisers must be >= 0, was " + numAdvertisers);
        }
        return new GroundTruth(seed, numAdvertisers);
    }

    public long seed() {
        return seed;
    }

    public int numAdvertisers() {
        return numAdvertisers;
    }

    /** The log-odds of a click on {@code ad} (of campaign {@code c}) shown to {@code u} in {@code ctx}. */
    public double clickLogit(User u, Ad ad, Campaign c, Context ctx) {
        int category = ad.category();
        int surface = ctx.surface();
        return CLICK_BIAS
                + AFFINITY * affinity(u, ad)
                + INTEREST * interestWeight(u, category)
                + userPropensity[u.ageBucket() * Vocab.DEVICES.length + u.device()]
                + countryEffect[u.country()]
                + POSITION_BIAS[ctx.position()]
                + SURFACE_EFFECT[surface]
                + hourEffect[ctx.hour()]
                + creativeBySurface[ad.creativeType() * Vocab.SURFACES.length + surface]
                + deviceByCategory[u.device() * Vocab.NUM_CATEGORIES + category]
                + advertiserOffset(advertiserClickQuality, c.advertiserId());
    }

    /** P(click) = sigmoid(clickLogit). */
    public double pClick(User u, Ad ad, Campaign c, Context ctx) {
        return sigmoid(clickLogit(u, ad, c, ctx));
    }

    /** The log-odds of a click {@code hours} after the day began: the world at hour 0 plus its drift since. */
    public double clickLogit(User u, Ad ad, Campaign c, Context ctx, double hours) {
        return clickLogit(u, ad, c, ctx) + drift(ad, hours);
    }

    /** P(click) {@code hours} after the day began. */
    public double pClick(User u, Ad ad, Campaign c, Context ctx, double hours) {
        return sigmoid(clickLogit(u, ad, c, ctx, hours));
    }

    /** The log-odds of a conversion given a click. */
    public double conversionLogit(User u, Ad ad, Campaign c, Context ctx) {
        int category = ad.category();
        return CONV_BIAS
                + CONV_AFFINITY * affinity(u, ad)
                + CONV_INTEREST * interestWeight(u, category)
                + ageByCategory[u.ageBucket() * Vocab.NUM_CATEGORIES + category]
                + advertiserOffset(advertiserConvQuality, c.advertiserId());
    }

    /** P(conversion | click) = sigmoid(conversionLogit). The context does not enter (yet). */
    public double pConversion(User u, Ad ad, Campaign c, Context ctx) {
        return sigmoid(conversionLogit(u, ad, c, ctx));
    }

    /** The dot product of the user's and the ad's embeddings. */
    public static double affinity(User u, Ad ad) {
        float[] a = u.embedding();
        float[] b = ad.embedding();
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += (double) a[i] * b[i];
        }
        return s;
    }

    /** The user's weight for {@code category} if it is among the user's interests, else 0. */
    public static double interestWeight(User u, int category) {
        int[] interests = u.interests();
        for (int i = 0; i < interests.length; i++) {
            if (interests[i] == category) {
                return u.interestWeights()[i];
            }
        }
        return 0.0;
    }

    static double sigmoid(double x) {
        return 1.0 / (1.0 + Math.exp(-x));
    }

    private static double advertiserOffset(double[] table, int advertiserId) {
        return advertiserId >= 0 && advertiserId < table.length ? table[advertiserId] : 0.0;
    }
}
