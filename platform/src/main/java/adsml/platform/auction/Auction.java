package adsml.platform.auction;

import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.index.BudgetTracker;
import adsml.platform.pacing.Pacer;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * A generalized second-price auction over one request's scored candidates.
 *
 * <p>Contract, in order:
 *
 * <ol>
 *   <li>A candidate takes no part, with the first reason that applies: a prediction it needs outside [0, 1]
 *       ({@link Outcome#INVALID_SCORE}); its campaign's budget spent ({@link Outcome#OUT_OF_BUDGET}); the user shown
 *       the ad or its campaign as often today as the frequency caps allow ({@link Outcome#FREQUENCY_CAPPED}); its
 *       campaign left out of this auction by pacing ({@link Outcome#PACED_OUT}, one draw per campaign per auction); a
 *       pCTR below the quality floor ({@link Outcome#BELOW_QUALITY_FLOOR}).
 *   <li>eCPM (dollars per 1000 impressions) per candidate: CPC {@code bid x pCTR x 1000}, CPA {@code bid x pCTR x pCVR
 *       x 1000}, CPM {@code bid}, where a campaign whose budget left is less than one charge at its bid bids what is
 *       left: its next click, conversion or impression cannot overspend the budget (a charge is an impression at the
 *       price eCPM / 1000 when the settings say the marketplace bills by the impression). What is left is the budget
 *       less today's spend and less what winners in flight reserved: each winner reserves its eCPM / 1000, what its
 *       impression may cost in expectation, until charges settle it (or one to two seconds pass), so winners in flight
 *       together do not each spend what is left (two auctions that read it at the same moment may both bid it). A
 *       campaign with nothing left loses with {@link Outcome#OUT_OF_BUDGET}. One whose eCPM is not positive or is below
 *       the surface's reserve loses with {@link Outcome#BELOW_RESERVE}. The rest are ranked by eCPM, higher first;
 *       equal eCPMs go to the lower ad id, then to the earlier input position, so the same input always gives the same
 *       result.
 *   <li>Diversity: walking down the ranking, a candidate whose advertiser (or campaign, per the settings) already holds
 *       {@code limit} places is passed over. The first {@code min(slots, maxSlots)} candidates kept win, slot 0 first;
 *       one passed over that ranked above the last winner loses with {@link Outcome#DIVERSITY}, the others with
 *       {@link Outcome#OUTBID}.
 *   <li>The winner in slot k pays the least that keeps its rank in the diversified ranking: price eCPM
 *       {@code max(reserve, eCPM of the candidate kept after it)}, or the reserve when nobody is kept after it; in its
 *       own bid unit that is {@code priceEcpm / ownEcpm x bid}, capped at the bid. A candidate passed over for
 *       diversity could not have taken the slot, so it sets no price.
 *   <li>Exploration, when the settings explore: on that share of live runs the slate is drawn from the best candidates
 *       of the diversified ranking (see {@link AuctionSettings.Exploration}), each winner still paying against the
 *       candidate ranked just below it; every winner of a live run carries its propensity. {@link #replay} never
 *       explores.
 * </ol>
 *
 * Nothing is charged here: the caller charges budgets when impressions, clicks or conversions happen; {@link #run}
 * reserves budget for its winners in the tracker, {@link #replay} does not. Thread-safe (the auction holds no mutable
 * state); allocates a few arrays the size of the candidates per run.
 */
public final class Auction {
    private final AuctionSettings settings;
    private final BudgetTracker budget;
    private final Pacer pacer;
    private final Supplier<RandomGenerator> random;

    /** An auction without pacing (see {@link #Auction(AuctionSettings, BudgetTracker, Pacer)}). */
    public Auction(AuctionSettings settings, BudgetTracker budget) {
        this(settings, budget, Pacer.off());
    }

    /**
     * An auction with these settings, asking {@code budget} which campaigns are out of budget and what is left of
     * theirs, and {@code pacer} which sit an auction out.
     */
    public Auction(AuctionSettings settings, BudgetTracker budget, Pacer pacer) {
        this(settings, budget, pacer, ThreadLocalRandom::current);
    }

    /**
     * An auction whose pacing and exploration draw from {@code random}'s generator of the calling thread (the serving
     * auction: {@link ThreadLocalRandom}; a test or a simulation on one thread: a seeded generator, to be repeatable).
     */
    public Auction(AuctionSettings settings, BudgetTracker budget, Pacer pacer, Supplier<RandomGenerator> random) {
        if (settings == null || budget == null || pacer == null || random == null) {
            throw new IllegalArgumentException("settings, budget, pacer and random must not be null");
        }
        this.settings = settings;
        this.budget = budget;
        this.pacer = pacer;
        this.random = random;
    }

    public AuctionSettings settings() {
        return settings;
    }

    /** True for a probability: within [0, 1], which NaN and the infinities are not. */
    static boolean isProbability(float p) {
        return p >= 0f && p <= 1f;
    }

    /** eCPM in dollars per 1000 impressions of one candidate of {@code campaign} (see the class contract). */
    public static double ecpm(Campaign campaign, float pCtr, float pCvr) {
        return ecpm(campaign.bidType(), campaign.bid(), pCtr, pCvr);
    }

    /** eCPM in dollars per 1000 impressions of a candidate with this bid (see the class contract). */
    public static double ecpm(BidType type, double bid, float pCtr, float pCvr) {
        return switch (type) {
            case CPC -> bid * pCtr * 1000.0;
            case CPA -> bid * pCtr * pCvr * 1000.0;
            case CPM -> bid;
        };
    }

    /**
     * Runs the auction over the candidates of {@code bids} with these scores, for up to {@code min(slots, maxSlots)}
     * slots. {@code pCvr} is read only for CPA campaigns.
     *
     * @throws IllegalArgumentException when a score array is shorter than {@code bids} or {@code slots < 0}
     */
    public AuctionResult run(Bids bids, float[] pCtr, float[] pCvr, int slots) {
        return run(bids, pCtr, pCvr, slots, true, null);
    }

    /**
     * The same auction that reserves nothing for its winners: a counterfactual (what other scores would have won),
     * which must not hold budgets that no charge will settle.
     */
    public AuctionResult replay(Bids bids, float[] pCtr, float[] pCvr, int slots) {
        return run(bids, pCtr, pCvr, slots, false, null);
    }

    /**
     * The same counterfactual for a logged request: each candidate's campaign has {@code budgetLeft[i]} left (what the
     * live auction read, {@link AuctionResult#budgetLeft}), whatever the tracker says now.
     */
    public AuctionResult replay(Bids bids, float[] pCtr, float[] pCvr, int slots, double[] budgetLeft) {
        if (budgetLeft.length < bids.size()) {
            throw new IllegalArgumentException("budgetLeft must hold a value per candidate (" + bids.size() + ")");
        }
        return run(bids, pCtr, pCvr, slots, false, budgetLeft);
    }

    private AuctionResult run(
            Bids bids, float[] pCtr, float[] pCvr, int slots, boolean reserving, double[] budgetLeft) {
        // A candidate whose prediction is outside [0, 1] or not finite takes no part: INVALID_SCORE.
        int n = bids.size();
        if (pCtr.length < n || pCvr.length < n) {
            throw new IllegalArgumentException("pCtr and pCvr must hold a score per candidate (" + n + ")");
        }
        if (slots < 0) {
            throw new IllegalArgumentException("slots must be >= 0, was " + slots);
        }
        double reserve = settings.reserveEcpm(bids.surface());
        float floor = (float) settings.qualityFloor();
        boolean byImpression = settings.billing() == AuctionSettings.Billing.IMPRESSION;
        AuctionSettings.FrequencyCap cap = settings.frequencyCap();
        float[] adShown = bids.adShownToday();
        float[] campaignShown = bids.campaignShownToday();
        BudgetTracker.DayView today = budget.view(); // one clock read per auction, not per candidate
        Pacer.Rates pacing = pacer.rates();
        RandomGenerator draws = random.get();
        long draw = draws.nextLong();
        long now = System.nanoTime();
        int[] adIds = bids.adIds();
        int[] campaignIds = bids.campaignIds();
        BidType[] bidTypes = bids.bidTypes();
        double[] bidOf = new double[n];
        double[] leftOf = new double[n];
        double[] ecpm = new double[n];
        Outcome[] outcomes = new Outcome[n];
        int places = Math.min(Math.min(slots, settings.maxSlots()), n);
        for (int i = 0; i < n; i++) {
            int campaign = campaignIds[i];
            bidOf[i] = bids.bids()[i];
            if (!isProbability(pCtr[i]) || (bidTypes[i] == BidType.CPA && !isProbability(pCvr[i]))) {
                outcomes[i] = Outcome.INVALID_SCORE;
            } else if (budgetLeft == null && today.exhausted(campaign)) {
                outcomes[i] = Outcome.OUT_OF_BUDGET;
            } else if (adShown != null && !cap.allows(adShown[i], campaignShown[i])) {
                outcomes[i] = Outcome.FREQUENCY_CAPPED;
            } else if (!pacing.passes(campaign, draw)) {
                outcomes[i] = Outcome.PACED_OUT;
            } else if (pCtr[i] < floor) {
                outcomes[i] = Outcome.BELOW_QUALITY_FLOOR;
            } else {
                outcomes[i] = Outcome.OUTBID;
            }
            double e = ecpm(bidTypes[i], bidOf[i], pCtr[i], pCvr[i]);
            boolean scoresDecide = outcomes[i] == Outcome.OUTBID
                    || outcomes[i] == Outcome.BELOW_QUALITY_FLOOR
                    || outcomes[i] == Outcome.INVALID_SCORE;
            if (scoresDecide) {
                // Read for every candidate the day lets in, whatever its scores: the log keeps it, so that another
                // model's auction on this request sees the budgets this one saw.
                leftOf[i] = budgetLeft != null ? budgetLeft[i] : today.remaining(campaign, now);
            }
            if (outcomes[i] == Outcome.OUTBID && e > 0) {
                // The most one charge may be: what is left of the budget. A charge is an impression (a thousandth of
                // the price eCPM) when the marketplace bills by the impression, else a click or a conversion at
                // most the bid.
                double left = leftOf[i];
                double most = byImpression || bidTypes[i] == BidType.CPM
                        ? 1000 * left
                        : ecpm(bidTypes[i], left, pCtr[i], pCvr[i]);
                if (!(left > 0)) {
                    outcomes[i] = Outcome.OUT_OF_BUDGET; // spent, or reserved by winners in flight
                } else if (e > most) {
                    bidOf[i] *= most / e;
                    e = most;
                }
            }
            ecpm[i] = e;
            if (outcomes[i] == Outcome.OUTBID && (!(e > 0) || e < reserve)) {
                // !(e > 0) also catches NaN: no price can be derived from a zero or undefined eCPM.
                outcomes[i] = Outcome.BELOW_RESERVE;
            }
        }
        // The winners and the candidate kept after them (it prices the last slot), best first: one pass over the
        // candidates per place. Places are a handful and a pass is a compare per candidate, so this costs
        // microseconds, and it keeps diversity inside the ranking that prices are read from.
        int[] groups = groupsOf(bids);
        int limit = settings.diversity().limit();
        AuctionSettings.Exploration exploration = settings.exploration();
        // Live auctions of an exploring marketplace rank a pool deep enough to draw from; the rest rank the winners and
        // the candidate that prices the last of them.
        boolean mixing = reserving && exploration.share() > 0 && places > 0;
        int depth = mixing ? Math.max(places, exploration.pool()) : places;
        int[] kept = new int[depth + 1];
        int held = 0;
        while (held <= depth) {
            int best = -1;
            for (int i = 0; i < n; i++) {
                if (outcomes[i] == Outcome.OUTBID
                        && (best < 0 || ranksAbove(i, best, adIds, ecpm))
                        && !taken(kept, held, i)
                        && (groups == null || placesOf(kept, held, groups, groups[i]) < limit)) {
                    best = i;
                }
            }
            if (best < 0) {
                break;
            }
            // Ads of one campaign in one response (diversity per advertiser allows none) share its caps and its
            // budget: this one counts the impressions, and the expected cost, of those kept before it.
            if (!fitsBeside(best, kept, held, campaignIds, ecpm, leftOf, campaignShown, cap)) {
                outcomes[best] = cap.campaignPerDay() > 0
                                && campaignShown != null
                                && campaignShown[best] + placesOf(kept, held, campaignIds, campaignIds[best])
                                        >= cap.campaignPerDay()
                        ? Outcome.FREQUENCY_CAPPED
                        : Outcome.OUT_OF_BUDGET;
                continue;
            }
            kept[held++] = best;
        }

        int winners = Math.min(places, held);
        for (int k = 0; k < winners; k++) {
            outcomes[kept[k]] = Outcome.WON;
        }
        if (groups != null) {
            markPassedOver(outcomes, ecpm, adIds, winners == 0 ? -1 : kept[winners - 1], winners < places);
        }
        // Ranks in the kept ranking, slot by slot: the greedy slate, or on an explored auction a draw from the pool.
        int[] ranks = new int[winners];
        for (int k = 0; k < winners; k++) {
            ranks[k] = k;
        }
        double[] propensity = new double[winners];
        Arrays.fill(propensity, 1.0);
        boolean explored = false;
        if (mixing && winners > 0) {
            int pool = Math.min(held, depth);
            double[] weights = new double[pool];
            for (int j = 0; j < pool; j++) {
                // Relative to the top, so no power overflows; one that underflows still keeps a chance.
                weights[j] =
                        Math.max(Double.MIN_NORMAL, Math.pow(ecpm[kept[j]] / ecpm[kept[0]], exploration.exponent()));
            }
            explored = draws.nextDouble() < exploration.share();
            if (explored) {
                PlackettLuce.draw(weights, winners, draws, ranks);
                for (int k = 0; k < winners; k++) {
                    outcomes[kept[k]] = Outcome.OUTBID;
                }
                for (int k = 0; k < winners; k++) {
                    outcomes[kept[ranks[k]]] = Outcome.WON;
                }
            }
            double[][] drawn = PlackettLuce.marginals(weights, winners);
            double share = exploration.share();
            for (int k = 0; k < winners; k++) {
                propensity[k] = (ranks[k] == k ? 1 - share : 0) + share * drawn[ranks[k]][k];
            }
        }
        int[] winnerIndex = new int[winners];
        int[] winnerAdId = new int[winners];
        double[] winnerEcpm = new double[winners];
        double[] priceBid = new double[winners];
        double[] priceEcpm = new double[winners];
        for (int k = 0; k < winners; k++) {
            int best = kept[ranks[k]];
            winnerIndex[k] = best;
            winnerAdId[k] = adIds[best];
            winnerEcpm[k] = ecpm[best];
        }
        for (int k = 0; k < winners; k++) {
            // Each winner pays against the candidate ranked just below it in the kept ranking (the next winner, or the
            // runner-up after the last), whatever slot a draw gave it.
            int below = ranks[k] + 1;
            double next = below < held ? ecpm[kept[below]] : 0.0;
            double own = winnerEcpm[k];
            double price = Math.min(own, Math.max(reserve, next));
            priceEcpm[k] = price;
            double bid = bidOf[winnerIndex[k]];
            priceBid[k] = Math.min(bid, price / own * bid);
            // What an impression may cost in expectation, whatever is billed: a click's price reserved per impression
            // would hold a CPC budget fifty times over.
            if (reserving) {
                today.reserve(campaignIds[winnerIndex[k]], own / 1000, now);
            }
        }
        return new AuctionResult(
                winners,
                winnerIndex,
                winnerAdId,
                winnerEcpm,
                priceBid,
                priceEcpm,
                ecpm,
                outcomes,
                propensity,
                explored,
                leftOf);
    }

    /** Each candidate's diversity group (its advertiser or campaign id), or null when diversity bounds nothing. */
    private int[] groupsOf(Bids bids) {
        return switch (settings.diversity().per()) {
            case ADVERTISER -> bids.advertiserIds();
            case CAMPAIGN -> bids.campaignIds();
            case NONE -> null;
        };
    }

    /**
     * Whether candidate {@code i} fits beside the kept winners of its campaign: the campaign's cap counts them as
     * impressions, and what is left of its budget must cover their expected costs (eCPM / 1000) and its own.
     */
    private static boolean fitsBeside(
            int i,
            int[] kept,
            int held,
            int[] campaignIds,
            double[] ecpm,
            double[] leftOf,
            float[] campaignShown,
            AuctionSettings.FrequencyCap cap) {
        int same = 0;
        double cost = ecpm[i] / 1000;
        for (int k = 0; k < held; k++) {
            if (campaignIds[kept[k]] == campaignIds[i]) {
                same++;
                cost += ecpm[kept[k]] / 1000;
            }
        }
        if (same == 0) {
            return true;
        }
        boolean capped =
                cap.campaignPerDay() > 0 && campaignShown != null && campaignShown[i] + same >= cap.campaignPerDay();
        return !capped && cost <= leftOf[i];
    }

    private static boolean taken(int[] kept, int held, int i) {
        for (int k = 0; k < held; k++) {
            if (kept[k] == i) {
                return true;
            }
        }
        return false;
    }

    private static int placesOf(int[] kept, int held, int[] groups, int group) {
        int count = 0;
        for (int k = 0; k < held; k++) {
            count += groups[kept[k]] == group ? 1 : 0;
        }
        return count;
    }

    /**
     * The candidates still OUTBID that rank above the last winner (an exact tie: the earlier input position), or any
     * when places went unfilled, were passed over for diversity: they say so.
     */
    private static void markPassedOver(
            Outcome[] outcomes, double[] ecpm, int[] adIds, int lastWinner, boolean placesLeft) {
        for (int i = 0; i < outcomes.length; i++) {
            if (outcomes[i] == Outcome.OUTBID
                    && (placesLeft
                            || (lastWinner >= 0
                                    && (ranksAbove(i, lastWinner, adIds, ecpm)
                                            || (!ranksAbove(lastWinner, i, adIds, ecpm) && i < lastWinner))))) {
                outcomes[i] = Outcome.DIVERSITY;
            }
        }
    }

    /** Whether candidate {@code i} outranks candidate {@code j}: the higher eCPM, then the lower ad id. */
    private static boolean ranksAbove(int i, int j, int[] adIds, double[] ecpm) {
        return ecpm[i] > ecpm[j] || (ecpm[i] == ecpm[j] && adIds[i] < adIds[j]);
    }
}
