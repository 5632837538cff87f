package adsml.platform.auction;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;

/**
 * How an {@link Auction} prices and fills: {@code reserveEcpm} is the floor in dollars per 1000 impressions that a
 * candidate's eCPM must reach to take part (0 for none), and the price that the last winner pays when nobody ranks
 * below it; {@code maxSlots} caps the slots one request may fill; {@code diversity} bounds the slots one advertiser (or
 * campaign) may take in one response.
 */
public record AuctionSettings(double reserveEcpm, int maxSlots, Diversity diversity) {
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

    /** One ad per advertiser. */
    public AuctionSettings(double reserveEcpm, int maxSlots) {
        this(reserveEcpm, maxSlots, Diversity.ONE_PER_ADVERTISER);
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
        return new AuctionSettings(
                r.doubleIn("reserve-ecpm", 0, 1_000_000),
                r.intIn("max-slots", 1, SLOTS_LIMIT),
                new Diversity(per, r.intIn("diversity.limit", 1, SLOTS_LIMIT)));
    }

    public AuctionSettings {
        if (!(reserveEcpm >= 0) || Double.isInfinite(reserveEcpm)) {
            throw new IllegalArgumentException("reserveEcpm must be a finite number >= 0, was " + reserveEcpm);
        }
        if (maxSlots < 1) {
            throw new IllegalArgumentException("maxSlots must be >= 1, was " + maxSlots);
        }
        if (diversity == null) {
            throw new IllegalArgumentException("diversity must not be null");
        }
    }
}
