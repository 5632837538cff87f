package adsml.platform.replay;

import adsml.platform.auction.Auction;
import adsml.platform.auction.AuctionResult;
import adsml.platform.auction.AuctionSettings;
import adsml.platform.auction.Bids;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.index.BudgetTracker;
import java.time.Clock;
import java.util.Arrays;
import java.util.Collection;
import java.util.SplittableRandom;

/**
 * Estimates from a log what another model would have earned: its auction is run again on every logged request (the same
 * candidates, bids, caps and reserves, with its own scores; candidates the day left out stay out), and what the user
 * did where the logged slate agrees with the model's is weighed by the logging policy's propensity.
 *
 * <p>The estimators work slot by slot, under the position-based assumption: the click on the ad in a slot depends on
 * the request, the ad and the slot, not on the other ads of the slate. Then the model's value is the sum over its slots
 * of the value of putting its ad in that slot, and each slot is estimated from the logged slots that showed that ad
 * there, weighted by {@code w = 1 / P(logging policy shows that ad in that slot)} (the marginal propensity the auction
 * logs). A slot that the logging policy could never have filled with the model's ad (outside its exploration pool) has
 * no such rows: inverse propensity scoring cannot see it and reads it as zero.
 *
 * <ul>
 *   <li><b>IPS</b>: the mean over requests of {@code sum_k w_k r_k}; unbiased where the propensities cover the model's
 *       choices, with a variance that grows with the weights (an explored slot weighs 1 / (share x its draw's chance):
 *       hundreds at a few percent of exploration).
 *   <li><b>SNIPS</b>: per slot, the weighted mean of the rewards ({@code sum w r / sum w}) times how often the model
 *       fills that slot; a little bias, less variance.
 *   <li><b>DM</b>, the direct method: a reward model's prediction for the model's ad in each slot. The reward model is
 *       the logging model's pCTR and pCVR (logged for every candidate), recalibrated on the log: a factor per slot
 *       (clicks over predicted clicks there: the position's effect and the logging model's miscalibration), a factor
 *       per band of disagreement ({@code log(model's pCTR / logging pCTR)} in eight bands of the shown impressions:
 *       where the model thought better of an ad than the logging model and the clicks agreed, its choices are credited
 *       for it), and one for conversions after a click.
 *   <li><b>DR</b>, doubly robust: DM plus the weighted error of its prediction where the logged ad is the model's and
 *       the weight is at most {@code maxWeight} (switch-DR): corrections at the weights of explored slots would add
 *       more variance than the bias they remove, so those slots are the reward model's.
 * </ul>
 *
 * A reward is what the model's own auction would charge: its GSP price per click, or per conversion times the reward
 * model's chance that the click converts (conversions are a few percent of clicks, and weighing them one by one would
 * drown the estimate in their variance); what an impression is charged (a CPM campaign, or every campaign when the
 * marketplace bills by impression) is known for the model's slate and counted as it is. Intervals are 95% percentile
 * bootstrap intervals over the requests, the reward model refitted on each resample, so that they carry its uncertainty
 * as well as the clicks'.
 */
public final class OffPolicyEstimator {
    /** Dollars a day no replayed campaign reaches (the tracker counts micro-dollars in a long). */
    private static final double UNBOUNDED_BUDGET = 1e9;

    private static final int BANDS = 8;
    /** The fewest clicks a factor is fitted from; fewer keep it at 1. */
    private static final int MIN_CLICKS = 30;

    private static final int RESAMPLES = 200;

    private final Auction auction;
    private final boolean byImpression;
    private final double maxWeight;

    /**
     * An estimator that runs the model's auction with {@code auction} (its {@link Auction#replay}, which reserves
     * nothing and never explores; give it budgets that bind nothing, since the log says which candidates were out of
     * budget) and lets doubly robust correct with weights up to {@code maxWeight}.
     */
    public OffPolicyEstimator(Auction auction, double maxWeight) {
        if (!(maxWeight >= 1)) {
            throw new IllegalArgumentException(
                    "the largest weight doubly robust corrects with must be >= 1, was " + maxWeight);
        }
        this.auction = auction;
        this.byImpression = auction.settings().billing() == AuctionSettings.Billing.IMPRESSION;
        this.maxWeight = maxWeight;
    }

    /**
     * An estimator for a marketplace with these auction settings over {@code campaigns}, whose budgets bind nothing in
     * replay: the log says which candidates the day's budgets left out.
     */
    public static OffPolicyEstimator of(AuctionSettings settings, Collection<Campaign> campaigns, double maxWeight) {
        BudgetTracker unbounded = new BudgetTracker(Clock.systemUTC());
        for (Campaign c : campaigns) {
            unbounded.register(c);
            unbounded.setBudget(c.id(), UNBOUNDED_BUDGET);
        }
        return new OffPolicyEstimator(new Auction(settings, unbounded), maxWeight);
    }

    /**
     * Estimates the model's RPM and CTR on {@code log}.
     *
     * @throws IllegalArgumentException when the log is empty
     */
    public ReplayEstimate estimate(Iterable<LoggedRequest> log, CandidateScores model) {
        Slates s = new Slates(log, model);
        int n = s.n;
        if (n == 0) {
            throw new IllegalArgumentException("no logged requests to replay");
        }
        double[] ones = new double[n];
        Arrays.fill(ones, 1);
        Figures point = s.figures(ones);
        Figures[] resampled = new Figures[RESAMPLES];
        SplittableRandom random = new SplittableRandom(n * 31L + s.firstRequestId.hashCode());
        double[] weights = new double[n];
        for (int b = 0; b < RESAMPLES; b++) {
            for (int i = 0; i < n; i++) {
                weights[i] = poisson1(random);
            }
            resampled[b] = s.figures(weights);
        }
        double ess = s.effectiveSampleSize(Double.POSITIVE_INFINITY);
        double corrected = s.effectiveSampleSize(maxWeight);
        return new ReplayEstimate(
                n,
                estimate(point, resampled, 0, ess),
                estimate(point, resampled, 1, ess),
                estimate(point, resampled, 2, corrected),
                estimate(point, resampled, 3, 0),
                1000 * s.loggedRevenue / n,
                s.loggedShown == 0 ? 0 : (double) s.loggedClicks / s.loggedShown);
    }

    /** Each estimator's RPM and CTR on one weighting of the requests: [ips, snips, dr, dm]. */
    private record Figures(double[] rpm, double[] ctr) {}

    private static ReplayEstimate.Estimate estimate(Figures point, Figures[] resampled, int which, double ess) {
        double[] rpm = new double[resampled.length];
        double[] ctr = new double[resampled.length];
        for (int b = 0; b < resampled.length; b++) {
            rpm[b] = resampled[b].rpm()[which];
            ctr[b] = resampled[b].ctr()[which];
        }
        Arrays.sort(rpm);
        Arrays.sort(ctr);
        int low = (int) Math.floor(0.025 * (resampled.length - 1));
        int high = (int) Math.ceil(0.975 * (resampled.length - 1));
        return new ReplayEstimate.Estimate(
                point.rpm()[which], rpm[low], rpm[high], point.ctr()[which], ctr[low], ctr[high], ess);
    }

    /** A draw of Poisson(1): the bootstrap's weight of one request (how often a resample would hold it). */
    private static int poisson1(SplittableRandom random) {
        double limit = Math.exp(-1);
        double product = random.nextDouble();
        int k = 0;
        while (product > limit) {
            product *= random.nextDouble();
            k++;
        }
        return k;
    }

    /**
     * The model's slate on every request and the logged slates, reduced to what the estimators read, so that each
     * resample refits the reward model and re-estimates without running an auction again.
     */
    private final class Slates {
        /** Slots per request at most: the replay auction fills no more. */
        final int slots = auction.settings().maxSlots();

        int n;
        String firstRequestId = "";
        double loggedRevenue;
        long loggedClicks;
        long loggedShown;
        // The logged slates, [i * slots + k] for k < shownCount[i]: what the reward model is fitted on.
        int[] shownCount = new int[0];
        double[] loggedCtr = new double[0];
        double[] loggedCvr = new double[0];
        double[] loggedGap = new double[0];
        int[] loggedBand;
        boolean[] loggedClick = new boolean[0];
        boolean[] loggedConversion = new boolean[0];
        // The model's slates, [i * slots + k] for k < filled[i].
        int[] filled = new int[0];
        double[] known = new double[0]; // [i]: what the model's slate charges per impression, known
        double[] ctr = new double[0]; // the logging model's pCTR of the ad the model puts there
        double[] cvr = new double[0];
        double[] gap = new double[0];
        int[] band;
        double[] perClick = new double[0];
        double[] perConversion = new double[0];
        double[] w = new double[0]; // 1 / propensity where the logged ad is the model's, else 0
        boolean[] click = new boolean[0]; // the logged click, where matched
        double[] bandEdges;

        /** Replays every request of {@code log} once, keeping only what the estimators read: the log may stream. */
        Slates(Iterable<LoggedRequest> log, CandidateScores model) {
            for (LoggedRequest r : log) {
                if (n == 0) {
                    firstRequestId = r.requestId();
                }
                grow(n + 1);
                replay(n++, r, model);
            }
            int shownTotal = 0;
            for (int i = 0; i < n; i++) {
                shownTotal += shownCount[i];
            }
            double[] sorted = new double[shownTotal];
            int next = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < shownCount[i]; k++) {
                    sorted[next++] = loggedGap[i * slots + k];
                }
            }
            Arrays.sort(sorted);
            bandEdges = new double[BANDS - 1];
            for (int b = 1; b < BANDS; b++) {
                bandEdges[b - 1] = sorted.length == 0 ? 0 : sorted[(int) ((long) sorted.length * b / BANDS)];
            }
            loggedBand = new int[n * slots];
            band = new int[n * slots];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < shownCount[i]; k++) {
                    loggedBand[i * slots + k] = band(loggedGap[i * slots + k]);
                }
                for (int k = 0; k < filled[i]; k++) {
                    band[i * slots + k] = band(gap[i * slots + k]);
                }
            }
        }

        private void replay(int i, LoggedRequest r, CandidateScores model) {
            Bids bids = r.bids();
            float[] scoredCtr = new float[bids.size()];
            float[] scoredCvr = new float[bids.size()];
            model.score(r, scoredCtr, scoredCvr);
            loggedRevenue += r.revenue();
            shownCount[i] = Math.min(r.shown().length, slots);
            loggedShown += shownCount[i];
            for (int k = 0; k < shownCount[i]; k++) {
                int c = r.shown()[k];
                int at = i * slots + k;
                loggedCtr[at] = probability(r.loggedCtr()[c]);
                loggedCvr[at] = probability(r.loggedCvr()[c]);
                loggedGap[at] = gap(scoredCtr[c], r.loggedCtr()[c]);
                loggedClick[at] = r.clicked()[k];
                loggedConversion[at] = r.converted()[k];
                loggedClicks += r.clicked()[k] ? 1 : 0;
            }
            float[] auctioned = scoredCtr.clone();
            for (int c = 0; c < auctioned.length; c++) {
                if (r.sitOut()[c]) {
                    auctioned[c] = Float.NaN; // the auction leaves out a candidate without a valid score
                }
            }
            AuctionResult result = r.budgetLeft() == null
                    ? auction.replay(bids, auctioned, scoredCvr, r.slots())
                    : auction.replay(bids, auctioned, scoredCvr, r.slots(), r.budgetLeft());
            filled[i] = result.winners();
            for (int k = 0; k < result.winners(); k++) {
                int c = result.candidateIndex(k);
                int at = i * slots + k;
                BidType type = bids.bidTypes()[c];
                boolean perImpression = byImpression || type == BidType.CPM;
                if (perImpression) {
                    known[i] += result.priceEcpm(k) / 1000;
                }
                perClick[at] = !perImpression && type == BidType.CPC ? result.priceBid(k) : 0;
                perConversion[at] = !perImpression && type == BidType.CPA ? result.priceBid(k) : 0;
                ctr[at] = probability(r.loggedCtr()[c]);
                cvr[at] = probability(r.loggedCvr()[c]);
                gap[at] = gap(scoredCtr[c], r.loggedCtr()[c]);
                if (k < r.shown().length && r.shown()[k] == c) {
                    w[at] = 1 / r.propensity()[k];
                    click[at] = r.clicked()[k];
                }
            }
        }

        /** Room for {@code requests} requests, doubling as the log streams in. */
        private void grow(int requests) {
            if (requests <= filled.length) {
                return;
            }
            int size = Math.max(1024, 2 * filled.length);
            int cells = size * slots;
            shownCount = Arrays.copyOf(shownCount, size);
            filled = Arrays.copyOf(filled, size);
            known = Arrays.copyOf(known, size);
            loggedCtr = Arrays.copyOf(loggedCtr, cells);
            loggedCvr = Arrays.copyOf(loggedCvr, cells);
            loggedGap = Arrays.copyOf(loggedGap, cells);
            loggedClick = Arrays.copyOf(loggedClick, cells);
            loggedConversion = Arrays.copyOf(loggedConversion, cells);
            ctr = Arrays.copyOf(ctr, cells);
            cvr = Arrays.copyOf(cvr, cells);
            gap = Arrays.copyOf(gap, cells);
            perClick = Arrays.copyOf(perClick, cells);
            perConversion = Arrays.copyOf(perConversion, cells);
            w = Arrays.copyOf(w, cells);
            click = Arrays.copyOf(click, cells);
        }

        private int band(double gap) {
            int b = 0;
            while (b < bandEdges.length && gap >= bandEdges[b]) {
                b++;
            }
            return b;
        }

        /** The reward model fitted on the logged slates, each request counted {@code weight[i]} times. */
        private double[][] fit(double[] weight) {
            double[] clicks = new double[slots];
            double[] predicted = new double[slots];
            double conversions = 0;
            double predictedConversions = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < shownCount[i]; k++) {
                    int at = i * slots + k;
                    predicted[k] += weight[i] * loggedCtr[at];
                    if (loggedClick[at]) {
                        clicks[k] += weight[i];
                        predictedConversions += weight[i] * loggedCvr[at];
                        conversions += loggedConversion[at] ? weight[i] : 0;
                    }
                }
            }
            double[] perSlot = new double[slots];
            for (int k = 0; k < slots; k++) {
                perSlot[k] = factor(clicks[k], predicted[k]);
            }
            double[] bandClicks = new double[BANDS];
            double[] bandPredicted = new double[BANDS];
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < shownCount[i]; k++) {
                    int at = i * slots + k;
                    bandPredicted[loggedBand[at]] += weight[i] * loggedCtr[at] * perSlot[k];
                    bandClicks[loggedBand[at]] += loggedClick[at] ? weight[i] : 0;
                }
            }
            double[] perBand = new double[BANDS];
            for (int b = 0; b < BANDS; b++) {
                perBand[b] = factor(bandClicks[b], bandPredicted[b]);
            }
            return new double[][] {perSlot, perBand, {factor(conversions, predictedConversions)}};
        }

        /** The four estimators on the requests weighted by {@code weight}, the reward model refitted on them. */
        Figures figures(double[] weight) {
            double[][] reward = fit(weight);
            double[] perSlot = reward[0];
            double[] perBand = reward[1];
            double conversion = reward[2][0];
            double total = 0;
            double impressions = 0;
            double[] sums = new double[4]; // revenue: ips, snips (the known part), dr, dm
            double[] clickSums = new double[4];
            double[] slotWeight = new double[slots];
            double[] slotValue = new double[slots];
            double[] slotClick = new double[slots];
            double[] slotFills = new double[slots];
            for (int i = 0; i < n; i++) {
                double m = weight[i];
                if (m == 0) {
                    continue;
                }
                total += m;
                impressions += m * filled[i];
                for (int e = 0; e < 4; e++) {
                    sums[e] += m * known[i];
                }
                for (int k = 0; k < filled[i]; k++) {
                    int at = i * slots + k;
                    double q = Math.min(1, ctr[at] * perSlot[k] * perBand[band[at]]);
                    double perClickValue = perClick[at] + perConversion[at] * Math.min(1, cvr[at] * conversion);
                    double observed = click[at] ? 1 : 0;
                    double corrected = w[at] <= maxWeight ? w[at] : 0;
                    sums[0] += m * w[at] * observed * perClickValue;
                    clickSums[0] += m * w[at] * observed;
                    sums[2] += m * (q + corrected * (observed - q)) * perClickValue;
                    clickSums[2] += m * (q + corrected * (observed - q));
                    sums[3] += m * q * perClickValue;
                    clickSums[3] += m * q;
                    slotWeight[k] += m * w[at];
                    slotValue[k] += m * w[at] * observed * perClickValue;
                    slotClick[k] += m * w[at] * observed;
                    slotFills[k] += m;
                }
            }
            for (int k = 0; k < slots; k++) {
                if (slotWeight[k] > 0) {
                    sums[1] += slotFills[k] * slotValue[k] / slotWeight[k];
                    clickSums[1] += slotFills[k] * slotClick[k] / slotWeight[k];
                }
            }
            double[] rpm = new double[4];
            double[] ctrs = new double[4];
            for (int e = 0; e < 4; e++) {
                rpm[e] = total == 0 ? 0 : 1000 * sums[e] / total;
                ctrs[e] = impressions == 0 ? 0 : clickSums[e] / impressions;
            }
            return new Figures(rpm, ctrs);
        }

        /** {@code (sum w)^2 / sum w^2} over the slots the model fills, weights above {@code most} counted as 0. */
        double effectiveSampleSize(double most) {
            double sum = 0;
            double squares = 0;
            for (int i = 0; i < n; i++) {
                for (int k = 0; k < filled[i]; k++) {
                    double x = w[i * slots + k] <= most ? w[i * slots + k] : 0;
                    sum += x;
                    squares += x * x;
                }
            }
            return squares == 0 ? 0 : sum * sum / squares;
        }
    }

    private static double factor(double observed, double predicted) {
        return observed >= MIN_CLICKS && predicted > 0 ? observed / predicted : 1;
    }

    private static double probability(float p) {
        return p >= 0 && p <= 1 ? p : 0;
    }

    /** How much more the model thinks of a candidate than the logging model did: the log of their pCTRs' ratio. */
    private static double gap(float modelCtr, float loggedCtr) {
        if (!(modelCtr >= 0) || !(loggedCtr >= 0)) {
            return 0;
        }
        return Math.log(Math.max(1e-6, Math.min(1, modelCtr)) / Math.max(1e-6, Math.min(1, loggedCtr)));
    }
}
