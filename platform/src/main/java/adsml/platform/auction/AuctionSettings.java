package adsml.platform.auction;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;

/**
 * How an {@link Auction} prices and fills: {@code reserveEcpm} is the floor in dollars per 1000 impressions that a
 * candidate's eCPM must reach to take part (0 for none), and the price that the last winner pays when nobody ranks
 * below it; {@code maxSlots} caps the slots one request may fill.
 */
public record AuctionSettings(double reserveEcpm, int maxSlots) {
    /** The most slots any request may ask for, whatever the configuration says. */
    public static final int SLOTS_LIMIT = 1000;

    /** Reads {@code adsml.platform.auction}. */
    public static AuctionSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.platform.auction");
        return new AuctionSettings(r.doubleIn("reserve-ecpm", 0, 1_000_000), r.intIn("max-slots", 1, SLOTS_LIMIT));
    }

    public AuctionSettings {
        if (!(reserveEcpm >= 0) || Double.isInfinite(reserveEcpm)) {
            throw new IllegalArgumentException("reserveEcpm must be a finite number >= 0, was " + reserveEcpm);
        }
        if (maxSlots < 1) {
            throw new IllegalArgumentException("maxSlots must be >= 1, was " + maxSlots);
        }
    }
}
