package adsml.actors.events;

/**
 * One event as a client reported it. {@code eventId} names it for good: an event whose id is already in the log is a
 * retry, acknowledged but not logged or counted again. {@code cost} is what the advertiser is charged for it, in
 * dollars (the auction's price for a billable event of the ad's bid type, else 0).
 */
public record Event(
        Type type, String eventId, String requestId, String userKey, int adId, long timestampMs, double cost) {

    public enum Type {
        IMPRESSION,
        CLICK,
        CONVERSION
    }
}
