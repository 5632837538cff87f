package adsml.platform.index.ann;

import java.util.BitSet;
import java.util.function.IntPredicate;

/**
 * The exact answer over {@link VectorAds}: every ad's filter tested as {@link AdFilter#admits} says, a dot product for
 * each that passes, the same top-k rule and the same floats as {@link IvfIndex}. What recall is measured against; it
 * shares no bitmap or list with the index, so that it also checks them.
 */
public final class ExactScan {
    private static final ThreadLocal<TopK> TOP = ThreadLocal.withInitial(TopK::new);

    private final VectorAds ads;
    private final BitSet paused;

    /** The exact answers over {@code ads}, of which those in {@code paused} are not eligible. */
    public ExactScan(VectorAds ads, BitSet paused) {
        this.ads = ads;
        this.paused = paused;
    }

    /** How many ads pass the filter and are not paused (budgets aside). */
    public int countEligible(AdFilter filter) {
        int n = 0;
        for (int i = 0; i < ads.size; i++) {
            if (!paused.get(i) && filter.admits(ads.targetWord[i], ads.interests[i], ads.category[i])) {
                n++;
            }
        }
        return n;
    }

    /** As {@link IvfIndex#search}, exactly, over every ad not paused. */
    public int search(float[] query, AdFilter filter, IntPredicate exhausted, int k, int[] out) {
        if (!IvfIndex.searchable(ads.dim, query, k, out)) {
            return 0;
        }
        TopK top = TOP.get();
        top.reset(k);
        int dim = ads.dim;
        for (int i = 0; i < ads.size; i++) {
            if (paused.get(i) || !filter.admits(ads.targetWord[i], ads.interests[i], ads.category[i])) {
                continue;
            }
            float score = Dot.of(query, 0, ads.vectors, i * dim, dim);
            if (top.admits(score, i) && !exhausted.test(ads.campaign[i])) {
                top.offer(score, i);
            }
        }
        return top.drainBestFirst(out);
    }
}
