package adsml.actors.ranking;

import adsml.platform.domain.Context;
import adsml.platform.index.Audience;
import adsml.platform.index.IvfAdIndex;
import java.time.Duration;
import java.util.concurrent.CompletionStage;

/**
 * The index partitioned by ad across a cluster's nodes (Vespa's flat distribution): this node searches its own
 * partition and asks every other node for its best ads of the same request, then merges the answers by score.
 */
public interface RemotePartitions {

    /** This node's partition: its IVF holds this partition's ads, its store every ad. */
    IvfAdIndex local();

    /**
     * Asks every other partition for up to {@code max} (score, ad id) keys for {@code audience}, and completes within
     * {@code timeout} with those that answered; never exceptionally (a partition that is down or late is missing).
     */
    CompletionStage<Gathered> search(Audience audience, Context context, int max, Duration timeout);

    /** How long to wait for the other partitions at most, whatever the request's deadline leaves. */
    Duration timeout();

    /** The other partitions' answers: {@code keys[i][0..counts[i])}, and how many of them did not answer in time. */
    record Gathered(long[][] keys, int[] counts, int missing) {}
}
