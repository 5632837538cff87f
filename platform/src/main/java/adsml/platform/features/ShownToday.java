package adsml.platform.features;

import adsml.platform.counters.CounterStore;
import adsml.platform.counters.CounterStoreException;
import adsml.platform.counters.Counters;
import adsml.platform.domain.AdColumns;

/**
 * How often the requesting user was shown each candidate's ad and each candidate's campaign today, row for row: the
 * {@code today} impressions of the {@code user_ad} and {@code user_campaign} counters, what frequency caps are checked
 * against. One read of the counter store per request, whatever the feature set reads.
 */
public record ShownToday(float[] ads, float[] campaigns) {
    private static final int AT = Counters.index(Counters.TODAY, Counters.IMPRESSIONS);

    /** A thread's arrays for one request's keys and values: grown once, reused. */
    private static final class Scratch {
        long[] keys = new long[0];
        float[] values = new float[0];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);

    /**
     * Reads them for {@code q}'s user and the rows of {@code ads} as of {@code nowMs}; null when there is no store or
     * it cannot answer, which caps nothing: the request is served without its counters, as its features are.
     */
    public static ShownToday read(CounterStore store, RequestRow q, AdColumns ads, long nowMs) {
        if (store == null) {
            return null;
        }
        int rows = ads.rows();
        Scratch scratch = SCRATCH.get();
        if (scratch.keys.length < 2 * rows) {
            scratch.keys = new long[2 * rows];
            scratch.values = new float[2 * rows * Counters.VALUES];
        }
        long[] keys = scratch.keys;
        float[] values = scratch.values;
        for (int r = 0; r < rows; r++) {
            keys[2 * r] = CounterEntity.USER_AD.key(q, ads, r);
            keys[2 * r + 1] = CounterEntity.USER_CAMPAIGN.key(q, ads, r);
        }
        try {
            store.read(keys, 2 * rows, nowMs, values);
        } catch (CounterStoreException e) {
            return null;
        }
        float[] ad = new float[rows];
        float[] campaign = new float[rows];
        for (int r = 0; r < rows; r++) {
            ad[r] = values[2 * r * Counters.VALUES + AT];
            campaign[r] = values[(2 * r + 1) * Counters.VALUES + AT];
        }
        return new ShownToday(ad, campaign);
    }
}
