package adsml.actors.ranking;

import adsml.platform.auction.AuctionResult;

/**
 * Where a request's scored rows go once its auction is done: the feature log. Called on the coordinator's thread for
 * every request that has an id, so it must hand the rows on without blocking (copy what it keeps; the batch is not
 * touched again by the request, but it is not the log's either).
 */
@FunctionalInterface
public interface ServedLog {
    /** Logs nothing. */
    ServedLog NONE = (query, features, version, pCtr, pCvr, auction) -> {};

    /**
     * @param pCtr per batch row, the model's calibrated pCTR the auction read
     * @param pCvr per batch row, its pCVR
     * @param auction the auction's result: the winners (batch rows) in slot order, their prices and propensities, and
     *     what became of every row
     */
    void served(
            RankQuery query,
            FeatureAssembler.Features features,
            String version,
            float[] pCtr,
            float[] pCvr,
            AuctionResult auction);
}
