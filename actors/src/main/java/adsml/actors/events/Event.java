package adsml.actors.events;

/**
 * One logged event. {@code cost} is what the advertiser is charged for it, in dollars (the auction's price for a
 * billable event of the ad's bid type, else 0).
 */
public record Event(Type type, String requestId, String userKey, int adId, long timestampMs, double cost) {

    public enum Type {
        IMPRESSION,
        CLICK,
        CONVERSION
    }
}
