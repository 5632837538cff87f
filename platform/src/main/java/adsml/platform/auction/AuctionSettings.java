package adsml.platform.auction;

import adsml.platform.config.SettingsReader;
import adsml.platform.domain.Vocab;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigValueType;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * How an {@link Auction} prices and fills: {@code surfaceReserves} holds, per surface ({@link Vocab#SURFACES} order),
 * the floor in dollars per 1000 impressions that a candidate's eCPM must reach to take part (0 for none), which is also
 * the price the last winner pays when nobody ranks below it; {@code qualityFloor} is the least pCTR a candidate needs
 * for a slot; {@code maxSlots} caps the slots one request may fill; {@code diversity} bounds the slots one advertiser
 * (or campaign) may take in one response; {@code frequencyCap} bounds how often one user is shown an ad or a campaign a
 * day; {@code billing} says what the event producers charge, which bounds what one charge may cost; {@code exploration}
 * says on what share of live auctions the slate is drawn at random from the best candidates, so that the log can judge
 * other rankings than the one served (see {@link Exploration}).
 */
public record AuctionSettings(
        List<Double> surfaceReserves,
        double qualityFloor,
        int maxSlots,
        Diversity diversity,
        FrequencyCap frequencyCap,
        Billing billing,
        Exploration exploration) {
    /** The most slots any request may ask for, whatever the configuration says. */
    public static final int SLOTS_LIMIT = 1000;

    /** At most {@code limit} slots of one response per advertiser or per campaign; {@link Per#NONE} bounds nothing. */
    public record Diversity(Per per, int limit) {
        /** The marketplaces' default: one ad per advertiser on a page. */
        public static final Diversity ONE_PER_ADVERTISER = new Diversity(Per.ADVERTISER, 1);

        public static final Diversity NONE = new Diversity(Per.NONE, SLOTS_LIMIT);

        public enum Per {
            ADVERTISER,
            CAMPAIGN,
            NONE
        }

        public Diversity {
            if (per == null || limit < 1) {
                throw new IllegalArgumentException(
                        "diversity needs a scope and a limit >= 1, was " + per + ", " + limit);
            }
        }
    }

    /**
     * At most {@code campaignPerDay} impressions of one campaign's ads, and {@code adPerDay} of one ad, for one user a
     * day (the counters' day: since midnight UTC); 0 caps nothing.
     */
    public record FrequencyCap(int campaignPerDay, int adPerDay) {
        public static final FrequencyCap NONE = new FrequencyCap(0, 0);

        public FrequencyCap {
            if (campaignPerDay < 0 || adPerDay < 0) {
                throw new IllegalArgumentException(
                        "frequency caps must be >= 0, were " + campaignPerDay + ", " + adPerDay);
            }
        }

        /** Whether a candidate shown this often today may be shown again. */
        boolean allows(float adShown, float campaignShown) {
            return (adPerDay == 0 || adShown < adPerDay) && (campaignPerDay == 0 || campaignShown < campaignPerDay);
        }
    }

    /**
     * On a {@code share} of live auctions (a draw per auction, whatever the request), the slate is drawn from the
     * {@code pool} best candidates of the diversified ranking by Plackett-Luce: slot by slot, each candidate not yet
     * shown with probability proportional to its eCPM to the power {@code exponent}. Any subset of that pool respects
     * diversity, caps and budgets, since the ranking kept each member beside those above it. Every winner carries its
     * propensity: the probability that the mixed policy (greedy on {@code 1 - share}, the draw on {@code share}) puts
     * that ad in that slot, which is what an off-policy estimator weighs it by.
     */
    public record Exploration(double share, int pool, double exponent) {
        /** The most candidates a pool may hold: propensities are exact, over every subset of the pool's first picks. */
        public static final int MAX_POOL = 10;

        public static final Exploration NONE = new Exploration(0, 1, 1);

        public Exploration {
            if (!(share >= 0 && share <= 1)) {
                throw new IllegalArgumentException("exploration share must be within [0, 1], was " + share);
            }
            if (pool < 1 || pool > MAX_POOL) {
                throw new IllegalArgumentException(
                        "exploration pool must be within [1, " + MAX_POOL + "], was " + pool);
            }
            if (!(exponent >= 0 && exponent <= 10)) {
                throw new IllegalArgumentException("exploration exponent must be within [0, 10], was " + exponent);
            }
        }
    }

    /** What a campaign is charged for: the bid's own unit, or every impression at its price eCPM / 1000. */
    public enum Billing {
        ACTION,
        IMPRESSION
    }

    public AuctionSettings {
        if (surfaceReserves == null || surfaceReserves.size() != Vocab.SURFACES.length) {
            throw new IllegalArgumentException("one reserve per surface (" + Vocab.SURFACES.length + ")");
        }
        for (double r : surfaceReserves) {
            if (!(r >= 0) || Double.isInfinite(r)) {
                throw new IllegalArgumentException("reserves must be finite numbers >= 0, was " + r);
            }
        }
        surfaceReserves = List.copyOf(surfaceReserves);
        if (!(qualityFloor >= 0 && qualityFloor <= 1)) {
            throw new IllegalArgumentException("qualityFloor must be within [0, 1], was " + qualityFloor);
        }
        if (maxSlots < 1 || maxSlots > SLOTS_LIMIT) {
            throw new IllegalArgumentException("maxSlots must be within [1, " + SLOTS_LIMIT + "], was " + maxSlots);
        }
        if (diversity == null || frequencyCap == null || billing == null || exploration == null) {
            throw new IllegalArgumentException("diversity, frequencyCap, billing and exploration must not be null");
        }
    }

    /** One reserve on every surface, no quality floor, no frequency cap, one ad per advertiser. */
    public AuctionSettings(double reserveEcpm, int maxSlots) {
        this(reserveEcpm, maxSlots, Diversity.ONE_PER_ADVERTISER);
    }

    /** One reserve on every surface, no quality floor, no frequency cap. */
    public AuctionSettings(double reserveEcpm, int maxSlots, Diversity diversity) {
        this(
                Collections.nCopies(Vocab.SURFACES.length, reserveEcpm),
                0,
                maxSlots,
                diversity,
                FrequencyCap.NONE,
                Billing.ACTION,
                Exploration.NONE);
    }

    /** The reserve eCPM on {@code surface}. */
    public double reserveEcpm(int surface) {
        return surfaceReserves.get(surface);
    }

    /** Reads {@code adsml.platform.auction}. */
    public static AuctionSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.platform.auction");
        Diversity.Per per = r.parsed("diversity.per", v -> switch (v) {
            case "advertiser" -> Diversity.Per.ADVERTISER;
            case "campaign" -> Diversity.Per.CAMPAIGN;
            case "none" -> Diversity.Per.NONE;
            default -> throw new IllegalArgumentException("must be advertiser, campaign or none, was '" + v + "'");
        });
        if (root.getValue(r.key("reserve-ecpm")).valueType() != ConfigValueType.OBJECT) {
            throw new ConfigException.WrongType(
                    root.origin(),
                    r.key("reserve-ecpm") + ": one reserve per surface, e.g. reserve-ecpm { home_feed = 0.05, search ="
                            + " 0.20, video = 0.10, article = 0.05 }");
        }
        List<Double> reserves = new ArrayList<>();
        for (String surface : Vocab.SURFACES) {
            reserves.add(r.doubleIn("reserve-ecpm." + surface, 0, 1_000_000));
        }
        return new AuctionSettings(
                reserves,
                r.doubleIn("quality-floor-pctr", 0, 1),
                r.intIn("max-slots", 1, SLOTS_LIMIT),
                new Diversity(per, r.intIn("diversity.limit", 1, SLOTS_LIMIT)),
                new FrequencyCap(
                        r.intIn("frequency-cap.campaign-per-day", 0, 1_000_000),
                        r.intIn("frequency-cap.ad-per-day", 0, 1_000_000)),
                r.parsed("billing", v -> switch (v) {
                    case "action" -> Billing.ACTION;
                    case "impression" -> Billing.IMPRESSION;
                    default -> throw new IllegalArgumentException("must be action or impression, was '" + v + "'");
                }),
                new Exploration(
                        r.doubleIn("exploration.share", 0, 1),
                        r.intIn("exploration.pool", 1, Exploration.MAX_POOL),
                        r.doubleIn("exploration.exponent", 0, 10)));
    }
}
