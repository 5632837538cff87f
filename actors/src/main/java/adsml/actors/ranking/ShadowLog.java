package adsml.actors.ranking;

import adsml.platform.auction.AuctionResult;

/**
 * Where a shadow version's scores of a live request go, to be compared with the live ones. Called from the thread that
 * completes the shadow job (a scheduler worker), after the request was answered, so it must count and return: no
 * blocking, no per-row allocation.
 */
public interface ShadowLog {
    /** Counts nothing. */
    ShadowLog NONE = new ShadowLog() {
        @Override
        public void scored(
                String shadowVersion,
                String requestId,
                float[] livePctr,
                float[] shadowScores,
                AuctionResult auction) {}

        @Override
        public void shed(String shadowVersion) {}
    };

    /**
     * The shadow scored the rows the live version scored.
     *
     * @param requestId the request's id, null when it had none (its shown ads cannot meet their events then)
     * @param livePctr per batch row, the pCTR the auction read
     * @param shadowScores the shadow's row-major {@code [rows, heads]} scores of the same rows, pCTR first
     * @param auction the live auction's result: which rows were shown, in which slot
     */
    void scored(String shadowVersion, String requestId, float[] livePctr, float[] shadowScores, AuctionResult auction);

    /**
     * The shadow did not score a request's rows: the scheduler shed the job (shadow work yields to live work), it
     * failed, or the rows were built with another feature set than the shadow reads.
     */
    void shed(String shadowVersion);
}
