package adsml.platform.auction;

/**
 * The outcome of one {@link Auction#run}: the winners in slot order (slot 0 first) and, for every candidate in input
 * order, its eCPM and {@link Outcome}.
 *
 * <p>Prices: {@link #priceBid} is what the winner pays in its own bid unit (per click, per conversion, or per 1000
 * impressions), never above its bid; {@link #priceEcpm} is the same price as an eCPM, never above its own eCPM. Held as
 * arrays, not an object per candidate; the arrays are owned by the result and not exposed, so it is immutable.
 */
public final class AuctionResult {
    private final int[] winnerIndex;
    private final int[] winnerAdId;
    private final double[] winnerEcpm;
    private final double[] priceBid;
    private final double[] priceEcpm;
    private final int winners;
    private final double[] ecpm;
    private final Outcome[] outcomes;
    private final double[] propensity;
    private final boolean explored;
    private final double[] budgetLeft;

    AuctionResult(
            int winners,
            int[] winnerIndex,
            int[] winnerAdId,
            double[] winnerEcpm,
            double[] priceBid,
            double[] priceEcpm,
            double[] ecpm,
            Outcome[] outcomes,
            double[] propensity,
            boolean explored,
            double[] budgetLeft) {
        this.winners = winners;
        this.winnerIndex = winnerIndex;
        this.winnerAdId = winnerAdId;
        this.winnerEcpm = winnerEcpm;
        this.priceBid = priceBid;
        this.priceEcpm = priceEcpm;
        this.ecpm = ecpm;
        this.outcomes = outcomes;
        this.propensity = propensity;
        this.explored = explored;
        this.budgetLeft = budgetLeft;
    }

    /** Number of slots filled, 0 when no candidate cleared the reserve. */
    public int winners() {
        return winners;
    }

    /** Ad id of the winner in {@code slot} (0 = top). */
    public int adId(int slot) {
        return winnerAdId[checkSlot(slot)];
    }

    /** Position of the winner in {@code slot} in the input arrays. */
    public int candidateIndex(int slot) {
        return winnerIndex[checkSlot(slot)];
    }

    /** eCPM of the winner in {@code slot}, dollars per 1000 impressions. */
    public double ecpm(int slot) {
        return winnerEcpm[checkSlot(slot)];
    }

    /** Price of the winner in {@code slot} in its campaign's bid unit. */
    public double priceBid(int slot) {
        return priceBid[checkSlot(slot)];
    }

    /** Price of the winner in {@code slot} as an eCPM, dollars per 1000 impressions. */
    public double priceEcpm(int slot) {
        return priceEcpm[checkSlot(slot)];
    }

    /**
     * The probability that the serving policy puts this winner in {@code slot}: 1 where the marketplace does not
     * explore, else the greedy and the exploring policies' chances mixed by the exploration share (see
     * {@link AuctionSettings.Exploration}).
     */
    public double propensity(int slot) {
        return propensity[checkSlot(slot)];
    }

    /** Whether this auction's slate was drawn by exploration rather than ranked greedily. */
    public boolean explored() {
        return explored;
    }

    /**
     * The budget left, in dollars, that the auction read for candidate {@code i}'s campaign (today's spend and the
     * reservations of winners in flight taken off); 0 for a candidate the day left out before its scores counted
     * (budget spent, capped, paced out).
     */
    public double budgetLeft(int i) {
        return budgetLeft[i];
    }

    /** Number of candidates the auction saw. */
    public int candidates() {
        return outcomes.length;
    }

    /** eCPM of candidate {@code i} (input order), computed even when it lost. */
    public double candidateEcpm(int i) {
        return ecpm[i];
    }

    /** What became of candidate {@code i} (input order). */
    public Outcome outcome(int i) {
        return outcomes[i];
    }

    private int checkSlot(int slot) {
        if (slot < 0 || slot >= winners) {
            throw new IndexOutOfBoundsException("slot " + slot + " of " + winners + " winners");
        }
        return slot;
    }
}
