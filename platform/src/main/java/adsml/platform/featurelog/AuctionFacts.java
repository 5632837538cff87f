package adsml.platform.featurelog;

/**
 * What the auction knew and did with one logged row: enough to run another model's auction on a request logged whole
 * and to weigh what its user did by how likely the serving policy was to show it.
 *
 * @param surface the request's surface ({@code Vocab.SURFACES} index), whose reserve applies
 * @param slots the slots the request asked for
 * @param wholeRequest whether every candidate of the request is in the log (replay reads only such requests)
 * @param campaign the ad's campaign
 * @param advertiser the campaign's advertiser
 * @param bid the campaign's bid, in its bid type's unit
 * @param bidType the bid type's ordinal ({@code BidType})
 * @param satOut whether the day left the candidate out (budget spent, paced out), whatever its scores
 * @param budgetLeft the campaign's budget left that the auction read, in dollars (it bounds the bid of a campaign with
 *     less left than one charge)
 * @param adShownToday the user's impressions of the ad today (frequency caps), -1 when unknown
 * @param campaignShownToday the user's impressions of the campaign today, -1 when unknown
 * @param scoreCtr the serving model's calibrated pCTR
 * @param scoreCvr the serving model's calibrated pCVR
 * @param propensity for a shown row, the probability that the serving policy showed that ad in that slot; 0 otherwise
 * @param priceBid for a shown row, the price in the bid's unit; 0 otherwise
 * @param priceEcpm for a shown row, the price as an eCPM; 0 otherwise
 */
public record AuctionFacts(
        int surface,
        int slots,
        boolean wholeRequest,
        int campaign,
        int advertiser,
        float bid,
        int bidType,
        boolean satOut,
        double budgetLeft,
        float adShownToday,
        float campaignShownToday,
        float scoreCtr,
        float scoreCvr,
        double propensity,
        double priceBid,
        double priceEcpm) {
    /** For rows whose auction is not known (written by code that has none): never read whole. */
    public static final AuctionFacts UNKNOWN =
            new AuctionFacts(0, 0, false, -1, -1, 0f, 0, false, 0, -1f, -1f, Float.NaN, Float.NaN, 0, 0, 0);
}
