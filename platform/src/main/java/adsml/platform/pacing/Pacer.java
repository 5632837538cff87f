package adsml.platform.pacing;

import adsml.platform.counters.CounterKeys;
import adsml.platform.index.BudgetTracker;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Probabilistic throttling of budgets: each campaign has a pass rate, the probability that it takes part in an auction,
 * set again every {@code interval} so that its spend follows the day's traffic curve.
 *
 * <p>The rate is the campaign's budget left per unit of traffic left, over its demand per unit of traffic: what it
 * would spend at rate 1. Demand is estimated from the spend seen since the last update divided by the rate it was seen
 * at, averaged over {@code smoothing} of the day's traffic: a ratio of two exponential averages, the second starting
 * from one {@code smoothing} of traffic with no spend, so that one charge in a quiet minute does not read as a day's
 * demand (a campaign is throttled once its spend, not its first impression, outruns its curve). A campaign whose demand
 * fits its budget keeps rate 1; one ahead of its curve is throttled at once; one behind catches up over the traffic
 * left. In a day's first minutes, or after a restart, the estimate is still mostly its prior (no spend over
 * {@code smoothing} of the day's traffic, half an hour's worth): the demo's campaigns, whose demand at rate 1 is tens
 * of times their budgets, spent a quarter of their budgets in the first seven minutes after a start. So a campaign
 * whose spend runs more than {@code maxAhead} of its budget ahead of the curve is paced on its demand as the traffic
 * seen so far shows it, without the prior's share, where that is the larger. This is the throttling of Agarwal et al.
 * (KDD 2014) and Xu et al. (KDD 2015), chosen over pacing by lowering bids because a throttled campaign's bid, and so
 * every other winner's second price, stays what the advertiser asked for.
 *
 * <p>Spend is read from the {@link BudgetTracker}, which rebuilds today's spend from the event log at start: after a
 * restart the rates start at 1 and the first auction updates them from the spend rebuilt; demand estimates start again
 * from the prior, so the first minutes of the day after a restart are throttled less. A spend that reaches the budget
 * is stopped by the tracker, not here.
 *
 * <p>Thread-safe: auctions read the rates through one volatile read of an array the update replaces; the update runs on
 * whichever auction finds it due, one at a time, and walks every campaign (tens of microseconds per thousand).
 */
public final class Pacer {
    private static final Pacer OFF = new Pacer(PacingSettings.OFF, null, null);
    /** Below this share of the day's traffic left, the budget left is spread over this share instead. */
    private static final double LAST_SHARE = 1e-3;

    private final PacingSettings settings;
    private final BudgetTracker budget;
    private final Clock clock;
    private final ReentrantLock updating = new ReentrantLock();
    private final long intervalMs;

    private volatile float[] rates = new float[0];
    private volatile long nextUpdateMs = Long.MIN_VALUE;

    // Held by the updating thread only.
    private long dayStartMs = Long.MIN_VALUE;
    private double lastShare;
    private double[] lastSpent = new double[0];
    private double[] demandSpend = new double[0];
    private double[] demandShare = new double[0];

    /** Per campaign, its pass rate summed over today's updates, each weighted by the share of traffic it held for. */
    private double[] passedShare = new double[0];
    /**
     * The day's share of traffic at this pacer's first update of the day, and each campaign's spend when it was first
     * seen that day (NaN before): a start at 01:00 spreads what is left over what is left, it does not catch up on the
     * hour before it in minutes.
     */
    private double startShare;

    private double[] startSpent = new double[0];
    /** Each campaign's {@link #passedShare} when it was first seen that day. */
    private double[] passedAtStart = new double[0];

    /** A pacer throttling the campaigns of {@code budget}, on the day of {@code clock} (the tracker's clock). */
    public Pacer(PacingSettings settings, BudgetTracker budget, Clock clock) {
        this.settings = settings;
        this.budget = budget;
        this.clock = clock;
        this.intervalMs = settings.interval().toMillis();
    }

    /** A pacer that throttles nothing: every rate is 1. */
    public static Pacer off() {
        return OFF;
    }

    public PacingSettings settings() {
        return settings;
    }

    /** The pass rates now, updated first when an interval has passed since the last update. Take one per auction. */
    public Rates rates() {
        if (!settings.enabled()) {
            return Rates.ALL;
        }
        long now = clock.millis();
        if (now >= nextUpdateMs && updating.tryLock()) {
            try {
                if (now >= nextUpdateMs) {
                    update(now);
                    nextUpdateMs = now + intervalMs;
                }
            } finally {
                updating.unlock();
            }
        }
        return new Rates(rates);
    }

    /** Pass rates per campaign id; an id beyond the array (a campaign added since the last update) passes. */
    public static final class Rates {
        static final Rates ALL = new Rates(new float[0]);
        private final float[] rates;

        Rates(float[] rates) {
            this.rates = rates;
        }

        /** The probability that the campaign takes part in an auction, within (0, 1]. */
        public float rate(int campaignId) {
            return campaignId >= 0 && campaignId < rates.length ? rates[campaignId] : 1f;
        }

        /**
         * Whether the campaign takes part in the auction whose draw is {@code auctionDraw}: the same answer for every
         * ad of the campaign in one auction, so that a campaign with many candidates is not let through more often.
         */
        public boolean passes(int campaignId, long auctionDraw) {
            float rate = rate(campaignId);
            if (rate >= 1f) {
                return true;
            }
            long h = CounterKeys.mix(auctionDraw ^ (campaignId * 0x9e3779b97f4a7c15L));
            return (h >>> 40) * 0x1.0p-24 < rate;
        }
    }

    /**
     * The campaign's pass rate today so far, averaged over the traffic: 1 for a campaign never throttled, 0.5 for one
     * that sat out half of the auctions it could have entered. 1 before the day's first update.
     */
    public double meanRateToday(int campaignId) {
        updating.lock();
        try {
            return campaignId >= 0 && campaignId < passedShare.length && lastShare > 0
                    ? passedShare[campaignId] / lastShare
                    : 1.0;
        } finally {
            updating.unlock();
        }
    }

    /** Sets every campaign's rate from its spend so far against the curve. Runs under {@link #updating}. */
    private void update(long now) {
        BudgetTracker.DayView today = budget.view();
        int n = today.idLimit();
        if (lastSpent.length < n) {
            lastSpent = Arrays.copyOf(lastSpent, n);
            demandSpend = Arrays.copyOf(demandSpend, n);
            demandShare = Arrays.copyOf(demandShare, n);
            passedAtStart = Arrays.copyOf(passedAtStart, n);
            passedShare = Arrays.copyOf(passedShare, n);
            int seenBefore = startSpent.length;
            startSpent = Arrays.copyOf(startSpent, n);
            Arrays.fill(startSpent, seenBefore, n, Double.NaN);
        }
        if (today.startMillis() != dayStartMs) {
            // A new day: spend starts at 0 again. Demand is kept: yesterday's is the best guess for today's.
            dayStartMs = today.startMillis();
            lastShare = 0;
            Arrays.fill(lastSpent, 0);
            Arrays.fill(passedShare, 0);
            Arrays.fill(startSpent, Double.NaN);
            startShare = settings.curve().cumulative(now - dayStartMs);
        }
        double share = settings.curve().cumulative(now - dayStartMs);
        double sinceStart = (share - startShare) / Math.max(LAST_SHARE, 1 - startShare);
        double seen = share - lastShare;
        float[] current = rates;
        float[] next = new float[n];
        double keep = Math.exp(-Math.max(0, seen) / settings.smoothing());
        double left = Math.max(LAST_SHARE, 1 - share);
        for (int c = 0; c < n; c++) {
            if (!today.known(c)) {
                next[c] = 1f;
                continue;
            }
            double spent = today.spent(c);
            double rate = c < current.length ? current[c] : 1.0;
            if (demandShare[c] == 0) {
                demandShare[c] = settings.smoothing(); // the prior: no spend over one smoothing of traffic
            }
            if (seen > 0) {
                demandSpend[c] = demandSpend[c] * keep + Math.max(0, spent - lastSpent[c]) / rate;
                demandShare[c] = demandShare[c] * keep + seen;
            }
            lastSpent[c] = spent;
            passedShare[c] += rate * Math.max(0, seen);
            double demand = demandSpend[c] / demandShare[c];
            if (Double.isNaN(startSpent[c])) {
                startSpent[c] = spent;
                passedAtStart[c] = passedShare[c];
            }
            double fromStart = today.budget(c) - startSpent[c];
            double passed = passedShare[c] - passedAtStart[c];
            if (spent - startSpent[c] > fromStart * (sinceStart + settings.maxAhead()) && passed > 0) {
                // Ahead of its curve: its demand is what the traffic it took part in since says, prior or no prior.
                demand = Math.max(demand, (spent - startSpent[c]) / passed);
            }
            double budgetLeft = today.budget(c) - spent;
            double wanted = Math.max(0, budgetLeft) / left;
            // A spent budget is the tracker's to stop, not pacing's: its rate stays 1 and it does not count as paced.
            double r = budgetLeft <= 0 || demand <= wanted ? 1.0 : Math.max(settings.minRate(), wanted / demand);
            next[c] = (float) r;
        }
        lastShare = Math.max(lastShare, share);
        rates = next;
    }
}
