package adsml.platform.index;

import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * The ads that may be shown, and retrieval of the best eligible ones for a request.
 *
 * <p>Contract: an ad is eligible for a user when its campaign's targeting matches the user (countries, devices, age
 * buckets, interests; see {@link adsml.platform.domain.Targeting#matches}), the ad is not paused and its campaign's
 * daily budget is not exhausted. {@code retrieve} writes up to {@code max} eligible ad ids, best first by the index's
 * retrieval score, ties to the lower ad id, and returns how many it wrote: for {@link ExactAdIndex} the affinity of the
 * latent factors {@code user.embedding . ad.embedding}, exactly; for {@link IvfAdIndex} the dot product of the
 * {@link RetrievalTower}'s vectors, approximately (it may miss some of the true top). A user with a zero embedding (a
 * cold start) ties every ad: the ids in order. Writes ({@link #upsert}, {@link #setPaused}) are visible to every
 * retrieval that starts after they return. Implementations are thread-safe.
 */
public interface AdIndex {

    /**
     * Writes up to {@code max} eligible ad ids for {@code user} into {@code outAdIds[0..count)}, best first, and
     * returns the count. Does not allocate.
     *
     * @throws IllegalArgumentException when {@code max < 0} or {@code outAdIds} is shorter than {@code max}
     */
    int retrieve(User user, Context context, int max, int[] outAdIds);

    /**
     * As {@link #retrieve(User, Context, int, int[])}, for an audience that may be partly or wholly unknown (a
     * cold-start request: pass {@link Audience#UNKNOWN}).
     */
    int retrieve(Audience audience, Context context, int max, int[] outAdIds);

    /**
     * As {@link #retrieve(Audience, Context, int, int[])}, for a caller that must not wait: an index whose retrieval
     * waits on a device answers when the device does, on a thread of its own, and runs what CPU work a failure leaves
     * (its fallback search) on {@code cpu}; {@code outAdIds} is written when the stage completes with the count. An
     * index on the heap searches in the caller's thread and returns a completed stage.
     *
     * @throws IllegalArgumentException as {@code retrieve} does, in the caller's thread
     */
    default CompletionStage<Integer> retrieveLater(
            Audience audience, Context context, int max, int[] outAdIds, Executor cpu) {
        return CompletableFuture.completedFuture(retrieve(audience, context, max, outAdIds));
    }

    /** The ad with this id, its campaign and its paused flag; empty when the index does not hold it. */
    Optional<AdEntry> get(int adId);

    /**
     * The ads of {@code adIds[0..count)} with their campaigns' attributes, as columns, read from one consistent state
     * of the index: row {@code k} is the k-th id the index holds, and its position in {@code adIds} is
     * {@code positions()[k]} (an id the index no longer holds is skipped).
     */
    AdColumns resolve(int[] adIds, int count);

    /**
     * Adds the ad, or replaces it (keeping its paused flag), and sets its campaign, which every ad of that campaign
     * then shares (bid, budget, targeting).
     *
     * @throws IllegalArgumentException when {@code campaign.id() != ad.campaignId()}
     */
    void upsert(Ad ad, Campaign campaign);

    /** Pauses or resumes an ad; returns false (and changes nothing) when the index does not hold it. */
    boolean setPaused(int adId, boolean paused);

    /** Number of ads held, paused ones included. */
    int size();
}
