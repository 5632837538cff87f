package adsml.simulate;

import adsml.actors.ranking.FeatureAssembler;
import adsml.actors.ranking.RankQuery;
import adsml.actors.ranking.ServedLog;
import adsml.platform.auction.Auction;
import adsml.platform.auction.AuctionResult;
import adsml.platform.auction.Bids;
import adsml.platform.domain.Ad;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.offline.generator.GroundTruth;
import adsml.platform.world.World;
import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.DoubleAdder;

/**
 * What the oracle would have earned: every {@code every}-th ranked request's candidates go through the server's own
 * auction once more (the same budgets, caps, pacing, reserves, floor and diversity) with the true click and conversion
 * probabilities in place of the model's, and the winners' expected revenue at their slots, billed as the day bills, is
 * added up. Runs on the coordinator's thread of the sampled requests, off the simulated users' measurements.
 */
final class OracleTap implements ServedLog {
    private final World world;
    private final GroundTruth truth;
    private final int every;
    private final AtomicLong seen = new AtomicLong();
    private final AtomicLong sampled = new AtomicLong();
    private final DoubleAdder revenue = new DoubleAdder();
    private final DoubleAdder[] hourRevenue = new DoubleAdder[24];
    /** What the served slates of the same sampled requests were worth by the truth, whatever their clicks were. */
    private final DoubleAdder[] hourServedRevenue = new DoubleAdder[24];

    private final AtomicLong[] hourSampled = new AtomicLong[24];
    /** The served winners' predicted and true click probabilities, at the position they were scored for. */
    private final DoubleAdder[] hourPredictedClicks = new DoubleAdder[24];

    private final DoubleAdder[] hourTrueClicks = new DoubleAdder[24];
    private final Auction auction;
    private final SimulatedUsers.Billing billing;

    private final Clock clock;
    private final long dayStartMs;

    OracleTap(
            World world,
            GroundTruth truth,
            Auction auction,
            SimulatedUsers.Billing billing,
            int every,
            Clock clock,
            long dayStartMs) {
        this.clock = clock;
        this.dayStartMs = dayStartMs;
        for (int h = 0; h < 24; h++) {
            hourRevenue[h] = new DoubleAdder();
            hourSampled[h] = new AtomicLong();
            hourServedRevenue[h] = new DoubleAdder();
            hourPredictedClicks[h] = new DoubleAdder();
            hourTrueClicks[h] = new DoubleAdder();
        }
        this.billing = billing;
        this.world = world;
        this.truth = truth;
        this.auction = auction;
        this.every = every;
    }

    @Override
    public void served(
            RankQuery query,
            FeatureAssembler.Features features,
            String version,
            float[] pCtr,
            float[] pCvr,
            AuctionResult served) {
        if (query.userId() < 0 || seen.incrementAndGet() % every != 0) {
            return;
        }
        Bids bids = features.bids();
        int n = bids.size();
        User user = world.user(query.userId());
        double hours = (clock.millis() - dayStartMs) / 3_600_000.0;
        Context top = new Context(query.context().surface(), query.context().hour(), 0);
        float[] ctr = new float[n];
        float[] cvr = new float[n];
        for (int i = 0; i < n; i++) {
            Ad ad = world.ad(bids.adIds()[i]);
            Campaign c = world.campaign(ad.campaignId());
            ctr[i] = (float) truth.pClick(user, ad, c, top, hours);
            cvr[i] = (float) truth.pConversion(user, ad, c, top);
        }
        double value = expectedRevenue(auction.replay(bids, ctr, cvr, query.slots()), user, query, hours);
        revenue.add(value);
        sampled.incrementAndGet();
        if (hours >= 0 && hours < 24) {
            int h = (int) hours;
            hourRevenue[h].add(value);
            hourServedRevenue[h].add(expectedRevenue(served, user, query, hours));
            hourSampled[h].incrementAndGet();
            for (int slot = 0; slot < served.winners(); slot++) {
                int i = served.candidateIndex(slot);
                hourPredictedClicks[h].add(pCtr[i]);
                hourTrueClicks[h].add(ctr[i]);
            }
        }
    }

    /** The winners' expected revenue at their slots by the truth of the hour, billed as the day bills. */
    private double expectedRevenue(AuctionResult r, User user, RankQuery query, double hours) {
        double value = 0;
        for (int slot = 0; slot < r.winners(); slot++) {
            Ad ad = world.ad(r.adId(slot));
            Campaign c = world.campaign(ad.campaignId());
            Context at = new Context(
                    query.context().surface(), query.context().hour(), Math.min(slot, Vocab.MAX_POSITION - 1));
            if (billing == SimulatedUsers.Billing.IMPRESSION) {
                value += r.priceEcpm(slot) / 1000;
                continue;
            }
            double click = truth.pClick(user, ad, c, at, hours);
            value += switch (c.bidType()) {
                case CPC -> r.priceBid(slot) * click;
                case CPA -> r.priceBid(slot) * click * truth.pConversion(user, ad, c, at);
                case CPM -> r.priceBid(slot) / 1000;
            };
        }
        return value;
    }

    /** The oracle's expected revenue per 1000 requests of the day's {@code hour}; NaN when none was sampled. */
    double rpm(int hour) {
        long n = hourSampled[hour].get();
        return n == 0 ? Double.NaN : 1000 * hourRevenue[hour].sum() / n;
    }

    /**
     * The expected revenue per 1000 requests of what was served in the day's {@code hour}, by the truth: the served RPM
     * without the noise of which clicks and conversions happened to come; NaN when none was sampled.
     */
    double servedRpm(int hour) {
        long n = hourSampled[hour].get();
        return n == 0 ? Double.NaN : 1000 * hourServedRevenue[hour].sum() / n;
    }

    /**
     * The served ads' predicted click probability over their true one, in the {@code hour}: above 1 the model overrates
     * what it chose to show (as the best of many noisy scores is overrated), and under second pricing, which charges a
     * click the next eCPM over the winner's predicted click rate, each click is sold for less; NaN when no winner was
     * sampled.
     */
    double servedCalibration(int hour) {
        double truth = hourTrueClicks[hour].sum();
        return truth == 0 ? Double.NaN : hourPredictedClicks[hour].sum() / truth;
    }

    /** The oracle's expected revenue per 1000 requests over the sampled ones; NaN before any. */
    double rpm() {
        long n = sampled.get();
        return n == 0 ? Double.NaN : 1000 * revenue.sum() / n;
    }
}
