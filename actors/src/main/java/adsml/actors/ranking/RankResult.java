package adsml.actors.ranking;

import adsml.platform.auction.Outcome;
import java.util.List;
import java.util.Map;

/**
 * The answer to one rank request: the winning ads in slot order, the model version that scored them and the light
 * model's that cut retrieval for it (null when none did: no light model is active, or retrieval found no more than the
 * heavy model scores), how many candidates retrieval found and the heavy model scored, and how long each stage took.
 * With {@code debug}, every scored candidate with its features and auction outcome, and the feature set's groups (group
 * name to feature names) for showing them.
 */
public record RankResult(
        String modelVersion,
        String lightModelVersion,
        List<RankedAd> ads,
        int retrieved,
        int scored,
        Timings timings,
        List<Candidate> candidates,
        Map<String, List<String>> featureGroups) {

    /**
     * A winner: its scores, its eCPM (dollars per 1000 impressions), the price it pays in its bid's unit and the same
     * price as an eCPM ({@code priceEcpm / 1000} per impression: what a marketplace that bills every bid type by the
     * impression charges). Money is a float, as the bid is: written at one precision, a price capped at its bid reads
     * as the bid, not 2e-7 above it as a double widened from the float bid did (rounding to float keeps price <= bid
     * and priceEcpm <= ecpm).
     */
    public record RankedAd(
            int adId,
            int campaignId,
            String bidType,
            float bid,
            float pctr,
            float pcvr,
            float ecpm,
            float price,
            float priceEcpm,
            int slot,
            double propensity) {}

    /** Milliseconds per stage, from the coordinator's start; {@code lightRankMs} is 0 without a light model. */
    public record Timings(
            double retrievalMs,
            double lightRankMs,
            double featuresMs,
            double scoringMs,
            double auctionMs,
            double totalMs) {}

    /**
     * One scored candidate, for the explainer: how retrieval found it and where it ranked it, its main features (the
     * user-ad embedding affinity retrieval ranked by, the user's interest in its category), its scores, eCPM, and why
     * it won or lost.
     *
     * @param retrievalSource {@code "embedding"}: among the ads whose targeting matches the user, the top ones by
     *     user-ad embedding affinity; {@code "cold-start"}: the same for an unknown user, whose zero embedding leaves
     *     ties to the lower ad id; {@code "light-model"}: retrieved by affinity among many more, then kept by the light
     *     model's eCPM, which {@code retrievalRank} then orders by
     * @param affinity user embedding . ad embedding: the exact index's retrieval score; the IVF index ranks by its
     *     towers' vectors, whose score is this plus the ad tower's error
     * @param slot the slot it won, or null when it lost
     * @param price what it pays in its bid's unit when it won, else null
     * @param reason the outcome in words, with the figures that decided it
     * @param features every declared feature's name and the value it was served (a sparse slot's id within the slot)
     */
    public record Candidate(
            int adId,
            int campaignId,
            String bidType,
            float bid,
            int category,
            String creativeType,
            String retrievalSource,
            int retrievalRank,
            float affinity,
            float interestInCategory,
            float pctr,
            float pcvr,
            float ecpm,
            Outcome outcome,
            Integer slot,
            Float price,
            String reason,
            Map<String, Number> features) {}
}
