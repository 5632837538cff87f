package adsml.platform.index;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Vocab;
import java.util.Arrays;
import java.util.List;

/**
 * The index's ads grouped by embedding (k-means), so that an exact retrieval can skip whole groups. For a query
 * {@code q}, every ad of a cluster with centroid {@code c} and radius {@code r} scores at most {@code q.c + |q| r}
 * (Cauchy-Schwarz). Visiting clusters best bound first, a retrieval stops once the k-th best score it holds beats the
 * next bound: no ad left can enter. On the demo world (100,000 ads, 64 per cluster) that happens after about a quarter
 * of the ads. Nothing is approximate: a bound only skips ads that cannot make the top.
 *
 * <p>Layout: cluster {@code k}'s ads occupy slots {@code [start[k], start[k + 1])}; per slot the ad id, the embedding
 * and what the index filters on ({@link Filters}), so that a cluster's ads are a few contiguous runs of memory. The
 * scan visits clusters in no memory order; looking up targeting and pauses by ad and campaign id instead cost a cache
 * miss or two per ad that passed the floor, the largest share of a retrieval in the server, whose caches the scorer
 * keeps flushing. Immutable: {@link #with} returns a copy with one ad placed in its nearest cluster. Centroids never
 * move and a radius only grows, so every bound stays an upper bound however many ads are upserted; a full rebuild (a
 * new index) tightens them again.
 */
final class AdClusters {
    static final int DIM = Vocab.EMBEDDING_DIM;
    /** Ads per cluster at build: smaller clusters have tighter bounds, but each costs a bound per retrieval. */
    static final int ADS_PER_CLUSTER = 64;

    private static final int ITERATIONS = 1;
    /**
     * Slack on each bound, relative to {@code |q| (|c| + r)}: a float dot product of 6 terms is off by at most about
     * 4e-7 of that, in the ad's score and in the bound alike, so 1e-5 keeps every bound above every score the scan can
     * compute (in float's normal range; a tiny query's norm is taken in double, see {@link #bounds}).
     */
    private static final double SLACK = 1e-5;

    final int count;
    final float[][] centroids; // [d][cluster]
    /**
     * Per cluster: the radius plus the slack, so that a bound is {@code q.c + |q| reach}; infinite when an ad is not
     * finite.
     */
    final float[] reach;

    final int[] start; // [count + 1]
    final int[] slotAd;
    /** Per slot, its ad's embedding: {@code [slot * DIM, (slot + 1) * DIM)}, so a cluster's are one contiguous run. */
    final float[] slotEmb;
    /** Per slot, {@link Filters#word}, {@link Filters#interests} and {@link Filters#campaign} of its ad. */
    final int[] slotFilter;

    final long[] slotInterests;
    final int[] slotCampaign;

    /**
     * What the index filters each ad on, by ad id, packed as the index likes; read for every slot whenever one changes.
     */
    interface Filters {
        int word(int adId);

        long interests(int adId);

        /** Its campaign, whose budget is live, so asked for at each retrieval. */
        int campaign(int adId);
    }

    private AdClusters(
            float[][] centroids, float[] reach, int[] start, int[] slotAd, float[] slotEmb, Filters filters) {
        this.count = reach.length;
        this.centroids = centroids;
        this.reach = reach;
        this.start = start;
        this.slotAd = slotAd;
        this.slotEmb = slotEmb;
        this.slotFilter = new int[slotAd.length];
        this.slotInterests = new long[slotAd.length];
        this.slotCampaign = new int[slotAd.length];
        for (int slot = 0; slot < slotAd.length; slot++) {
            slotFilter[slot] = filters.word(slotAd[slot]);
            slotInterests[slot] = filters.interests(slotAd[slot]);
            slotCampaign[slot] = filters.campaign(slotAd[slot]);
        }
    }

    /**
     * Clusters {@code ads} with k-means from evenly spaced seeds, one round of moving the centroids (more rounds barely
     * tightened the bounds and tripled the build): the same ads give the same clusters.
     */
    static AdClusters of(List<Ad> ads, Filters filters) {
        return of(ads, filters, Math.max(1, (ads.size() + ADS_PER_CLUSTER - 1) / ADS_PER_CLUSTER));
    }

    /** As {@link #of(List, Filters)}, in {@code k} clusters (one: no k-means, bounds that prune nothing). */
    static AdClusters of(List<Ad> ads, Filters filters, int k) {
        int n = ads.size();
        float[][] x = new float[DIM][n];
        for (int i = 0; i < n; i++) {
            float[] e = ads.get(i).embedding();
            for (int d = 0; d < DIM; d++) {
                x[d][i] = e[d];
            }
        }
        float[][] centroids = new float[DIM][k];
        for (int j = 0; j < k && n > 0; j++) {
            for (int d = 0; d < DIM; d++) {
                centroids[d][j] = x[d][(int) ((long) j * n / k)];
            }
        }
        int[] cluster = new int[n];
        float[] distances = new float[k];
        for (int round = 0; ; round++) {
            for (int i = 0; i < n; i++) {
                cluster[i] = nearest(centroids, x, i, distances);
            }
            if (round == ITERATIONS) {
                break;
            }
            moveToMeans(centroids, x, cluster);
        }

        int[] start = new int[k + 1];
        for (int i = 0; i < n; i++) {
            start[cluster[i] + 1]++;
        }
        for (int j = 0; j < k; j++) {
            start[j + 1] += start[j];
        }
        int[] fill = Arrays.copyOf(start, k);
        int[] slotAd = new int[n];
        float[] slotEmb = new float[n * DIM];
        double[] radius2 = new double[k];
        for (int i = 0; i < n; i++) {
            int j = cluster[i];
            int slot = fill[j]++;
            slotAd[slot] = ads.get(i).id();
            for (int d = 0; d < DIM; d++) {
                slotEmb[slot * DIM + d] = x[d][i];
            }
            radius2[j] = Math.max(radius2[j], distance2(centroids, j, x, i));
        }
        float[] reach = new float[k];
        for (int j = 0; j < k; j++) {
            reach[j] = reachOf(centroids, j, radius2[j]);
        }
        return new AdClusters(centroids, reach, start, slotAd, slotEmb, filters);
    }

    /**
     * These clusters with ad {@code adId} (embedding {@code embedding}) in its nearest cluster, and out of the slot it
     * had, if any; every slot's filters read again (a campaign's targeting is every one of its ads').
     */
    AdClusters with(int adId, float[] embedding, Filters filters) {
        int old = -1;
        for (int slot = 0; slot < slotAd.length; slot++) {
            if (slotAd[slot] == adId) {
                old = slot;
                break;
            }
        }
        float[][] e = new float[DIM][1];
        for (int d = 0; d < DIM; d++) {
            e[d][0] = embedding[d];
        }
        int target = nearest(centroids, e, 0, new float[count]);
        float[] newReach = reach.clone();
        newReach[target] = Math.max(reach[target], reachOf(centroids, target, distance2(centroids, target, e, 0)));

        int insertAt = start[target + 1];
        int length = slotAd.length + (old < 0 ? 1 : 0);
        int[] newSlotAd = new int[length];
        int gap = copyWithGap(slotAd, slotAd.length, old, insertAt, newSlotAd, 1);
        newSlotAd[gap] = adId;
        float[] newSlotEmb = new float[length * DIM];
        copyWithGap(slotEmb, slotAd.length, old, insertAt, newSlotEmb, DIM);
        System.arraycopy(embedding, 0, newSlotEmb, gap * DIM, DIM);
        int[] newStart = new int[count + 1];
        for (int j = 0; j <= count; j++) {
            newStart[j] = start[j] - (old >= 0 && old < start[j] ? 1 : 0) + (j > target ? 1 : 0);
        }
        return new AdClusters(centroids, newReach, newStart, newSlotAd, newSlotEmb, filters);
    }

    /** These clusters with every slot's filters read again. */
    AdClusters withFilters(Filters filters) {
        return new AdClusters(centroids, reach, start, slotAd, slotEmb, filters);
    }

    /**
     * Each cluster's bound for {@code query} with its index, as {@link #boundKey} longs, into {@code keys[0, count)} in
     * cluster order.
     */
    void bounds(float[] query, long[] keys) {
        float q0 = query[0], q1 = query[1], q2 = query[2], q3 = query[3], q4 = query[4], q5 = query[5];
        // In double and rounded up: in float, the squares of a tiny query (components below about
        // 1e-19) round to 0, and a bound without its radius term is no bound.
        float norm = Math.nextUp((float) Math.sqrt((double) q0 * q0
                + (double) q1 * q1
                + (double) q2 * q2
                + (double) q3 * q3
                + (double) q4 * q4
                + (double) q5 * q5));
        float[] c0 = centroids[0],
                c1 = centroids[1],
                c2 = centroids[2],
                c3 = centroids[3],
                c4 = centroids[4],
                c5 = centroids[5];
        for (int j = 0; j < count; j++) {
            float bound = q0 * c0[j] + q1 * c1[j] + q2 * c2[j] + q3 * c3[j] + q4 * c4[j] + q5 * c5[j] + norm * reach[j];
            keys[j] = boundKey(bound, j);
        }
    }

    /**
     * (bound, cluster) as a long that orders by bound; an undefined bound (NaN) ranks first, so that its cluster is
     * always scanned.
     */
    static long boundKey(float bound, int cluster) {
        float b = bound != bound ? Float.POSITIVE_INFINITY : bound + 0f;
        int bits = Float.floatToRawIntBits(b);
        return ((long) (bits ^ ((bits >> 31) & 0x7fffffff)) << 32) | cluster;
    }

    static float boundOf(long key) {
        int sortable = (int) (key >> 32);
        return Float.intBitsToFloat(sortable ^ ((sortable >> 31) & 0x7fffffff));
    }

    static int clusterOf(long key) {
        return (int) key;
    }

    /**
     * The centroid nearest to ad {@code i} of {@code x} ([d][ad]); {@code distances} is scratch of one float per
     * cluster.
     */
    private static int nearest(float[][] centroids, float[][] x, int i, float[] distances) {
        float e0 = x[0][i], e1 = x[1][i], e2 = x[2][i], e3 = x[3][i], e4 = x[4][i], e5 = x[5][i];
        float[] c0 = centroids[0],
                c1 = centroids[1],
                c2 = centroids[2],
                c3 = centroids[3],
                c4 = centroids[4],
                c5 = centroids[5];
        int k = distances.length;
        // One pass over every centroid, each row indexed alike, which the JIT vectorises; then the minimum.
        for (int j = 0; j < k; j++) {
            float d0 = c0[j] - e0, d1 = c1[j] - e1, d2 = c2[j] - e2, d3 = c3[j] - e3, d4 = c4[j] - e4, d5 = c5[j] - e5;
            distances[j] = d0 * d0 + d1 * d1 + d2 * d2 + d3 * d3 + d4 * d4 + d5 * d5;
        }
        int best = 0; // where an ad that is not finite, nearest to none, goes
        float bestDistance = Float.POSITIVE_INFINITY;
        for (int j = 0; j < k; j++) {
            if (distances[j] < bestDistance) {
                best = j;
                bestDistance = distances[j];
            }
        }
        return best;
    }

    /**
     * Moves each centroid to the mean of its ads with a finite embedding (one NaN would make the centroid NaN, nearest
     * to no ad); a centroid without such ads stays where it is.
     */
    private static void moveToMeans(float[][] centroids, float[][] x, int[] cluster) {
        int k = centroids[0].length;
        double[][] sum = new double[DIM][k];
        int[] members = new int[k];
        for (int i = 0; i < cluster.length; i++) {
            if (!finite(x, i)) {
                continue;
            }
            int j = cluster[i];
            members[j]++;
            for (int d = 0; d < DIM; d++) {
                sum[d][j] += x[d][i];
            }
        }
        for (int j = 0; j < k; j++) {
            if (members[j] > 0) {
                for (int d = 0; d < DIM; d++) {
                    centroids[d][j] = (float) (sum[d][j] / members[j]);
                }
            }
        }
    }

    private static boolean finite(float[][] x, int i) {
        for (int d = 0; d < DIM; d++) {
            if (!Float.isFinite(x[d][i])) {
                return false;
            }
        }
        return true;
    }

    private static double distance2(float[][] centroids, int j, float[][] x, int i) {
        double s = 0;
        for (int d = 0; d < DIM; d++) {
            double diff = (double) x[d][i] - centroids[d][j];
            s += diff * diff;
        }
        return s;
    }

    /** The radius plus the slack, rounded up to a float; infinite when the distance is not finite (a NaN embedding). */
    private static float reachOf(float[][] centroids, int j, double radius2) {
        if (!(radius2 < Double.POSITIVE_INFINITY)) {
            return Float.POSITIVE_INFINITY;
        }
        double norm2 = 0;
        for (int d = 0; d < DIM; d++) {
            norm2 += (double) centroids[d][j] * centroids[d][j];
        }
        double r = Math.sqrt(radius2);
        return Math.nextUp((float) (r + SLACK * (Math.sqrt(norm2) + r)));
    }

    /**
     * Copies slots {@code [0, len)} of {@code src} into {@code dst}, leaving out slot {@code remove} (-1: none) and
     * opening a gap before slot {@code insertAt}; returns the gap's slot in {@code dst}. A slot is {@code width}
     * elements.
     */
    private static int copyWithGap(Object src, int len, int remove, int insertAt, Object dst, int width) {
        if (remove < 0) {
            copy(src, 0, dst, 0, insertAt, width);
            copy(src, insertAt, dst, insertAt + 1, len - insertAt, width);
            return insertAt;
        }
        if (remove < insertAt) {
            copy(src, 0, dst, 0, remove, width);
            copy(src, remove + 1, dst, remove, insertAt - remove - 1, width);
            copy(src, insertAt, dst, insertAt, len - insertAt, width);
            return insertAt - 1;
        }
        copy(src, 0, dst, 0, insertAt, width);
        copy(src, insertAt, dst, insertAt + 1, remove - insertAt, width);
        copy(src, remove + 1, dst, remove + 1, len - remove - 1, width);
        return insertAt;
    }

    private static void copy(Object src, int srcSlot, Object dst, int dstSlot, int slots, int width) {
        System.arraycopy(src, srcSlot * width, dst, dstSlot * width, slots * width);
    }
}
