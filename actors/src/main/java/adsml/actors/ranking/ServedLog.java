package adsml.actors.ranking;

/**
 * Where a request's scored rows go once its auction is done: the feature log. Called on the coordinator's thread for
 * every request that has an id, so it must hand the rows on without blocking (copy what it keeps; the batch is not
 * touched again by the request, but it is not the log's either).
 */
@FunctionalInterface
public interface ServedLog {
    /** Logs nothing. */
    ServedLog NONE = (query, features, version, shownRows) -> {};

    /** @param shownRows the batch rows of the winners, in slot order */
    void served(RankQuery query, FeatureAssembler.Features features, String version, int[] shownRows);
}
