package adsml.platform.index.ann;

import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * The lists of an {@link IvfIndex}: k-means (Lloyd's, squared distance) on a sample of the ads, then every ad assigned
 * to its nearest centroid. Assigning ten million ads to 3,000 centroids exactly is 2e12 multiply-adds, ten minutes on
 * two cores; so once there are more than {@link #FLAT_LIMIT} centroids, they are grouped by a k-means of their own and
 * an ad is compared with the centroids of its {@link #GROUPS_PROBED} nearest groups only. An ad that lands in a
 * near-best list costs recall nothing: the search probes lists by score, not by assignment.
 */
final class KMeans {
    static final int FLAT_LIMIT = 256;
    static final int GROUPS_PROBED = 4;
    private static final int SAMPLE_PER_LIST = 48;
    private static final int ITERATIONS = 8;

    private KMeans() {}

    /** {@code lists} centroids of {@code dim} values each, {@code [l * dim, (l + 1) * dim)}. */
    static float[] train(float[] vectors, int n, int dim, int lists, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        int sample = (int) Math.min(n, (long) lists * SAMPLE_PER_LIST);
        float[] points = new float[sample * dim];
        int[] picked = sampleWithoutReplacement(n, sample, r);
        for (int s = 0; s < sample; s++) {
            System.arraycopy(vectors, picked[s] * dim, points, s * dim, dim);
        }
        float[] centroids = new float[lists * dim];
        for (int l = 0; l < lists; l++) {
            System.arraycopy(points, (l % sample) * dim, centroids, l * dim, dim);
        }
        int[] assigned = new int[sample];
        for (int it = 0; it < ITERATIONS; it++) {
            assign(points, sample, dim, centroids, lists, assigned);
            double[] sums = new double[lists * dim];
            int[] counts = new int[lists];
            for (int s = 0; s < sample; s++) {
                int l = assigned[s];
                counts[l]++;
                for (int d = 0; d < dim; d++) {
                    sums[l * dim + d] += points[s * dim + d];
                }
            }
            for (int l = 0; l < lists; l++) {
                if (counts[l] == 0) {
                    // An empty list restarts at a random sample point rather than staying empty.
                    System.arraycopy(points, r.nextInt(sample) * dim, centroids, l * dim, dim);
                    continue;
                }
                for (int d = 0; d < dim; d++) {
                    centroids[l * dim + d] = (float) (sums[l * dim + d] / counts[l]);
                }
            }
        }
        return centroids;
    }

    /** Writes into {@code out[i]} the list of each of the {@code n} vectors; parallel over the machine's cores. */
    static void assign(float[] vectors, int n, int dim, float[] centroids, int lists, int[] out) {
        Nearest nearest = Nearest.of(centroids, lists, dim);
        IntStream.range(0, (n + 4095) / 4096).parallel().forEach(chunk -> {
            for (int i = chunk * 4096, end = Math.min(n, i + 4096); i < end; i++) {
                out[i] = nearest.of(vectors, i * dim);
            }
        });
    }

    /** The nearest centroid of a vector: all of them, or those of the nearest groups when there are many. */
    static final class Nearest {
        final float[] centroids;
        final float[] halfNorms; // |c|^2 / 2: nearest by distance is largest by c.x - |c|^2/2
        final int lists;
        final int dim;
        final float[] groupCentroids;
        final float[] groupHalfNorms;
        final int[][] groupMembers;

        private Nearest(float[] centroids, int lists, int dim, float[] groupCentroids, int[][] groupMembers) {
            this.centroids = centroids;
            this.lists = lists;
            this.dim = dim;
            this.halfNorms = halfNorms(centroids, lists, dim);
            this.groupCentroids = groupCentroids;
            this.groupMembers = groupMembers;
            this.groupHalfNorms = groupCentroids == null ? null : halfNorms(groupCentroids, groupMembers.length, dim);
        }

        static Nearest of(float[] centroids, int lists, int dim) {
            if (lists <= FLAT_LIMIT) {
                return new Nearest(centroids, lists, dim, null, null);
            }
            int groups = (int) Math.ceil(Math.sqrt(lists));
            float[] groupCentroids = train(centroids, lists, dim, groups, 7);
            Nearest flat = new Nearest(groupCentroids, groups, dim, null, null);
            int[] group = new int[lists];
            int[] sizes = new int[groups];
            for (int l = 0; l < lists; l++) {
                group[l] = flat.of(centroids, l * dim);
                sizes[group[l]]++;
            }
            int[][] members = new int[groups][];
            for (int g = 0; g < groups; g++) {
                members[g] = new int[sizes[g]];
            }
            Arrays.fill(sizes, 0);
            for (int l = 0; l < lists; l++) {
                members[group[l]][sizes[group[l]]++] = l;
            }
            return new Nearest(centroids, lists, dim, groupCentroids, members);
        }

        int of(float[] v, int offset) {
            if (groupCentroids == null) {
                return best(v, offset, centroids, halfNorms, lists);
            }
            int groups = groupMembers.length;
            int[] top = new int[GROUPS_PROBED];
            float[] topScore = new float[GROUPS_PROBED];
            Arrays.fill(topScore, Float.NEGATIVE_INFINITY);
            for (int g = 0; g < groups; g++) {
                float s = Dot.of(v, offset, groupCentroids, g * dim, dim) - groupHalfNorms[g];
                for (int t = 0; t < GROUPS_PROBED; t++) {
                    if (s > topScore[t]) {
                        System.arraycopy(topScore, t, topScore, t + 1, GROUPS_PROBED - t - 1);
                        System.arraycopy(top, t, top, t + 1, GROUPS_PROBED - t - 1);
                        topScore[t] = s;
                        top[t] = g;
                        break;
                    }
                }
            }
            int best = -1;
            float bestScore = Float.NEGATIVE_INFINITY;
            // A NaN vector ranks no group: it probes group 0, which may be empty; then the flat search answers.
            for (int t = 0; t < Math.min(GROUPS_PROBED, groups); t++) {
                for (int l : groupMembers[top[t]]) {
                    float s = Dot.of(v, offset, centroids, l * dim, dim) - halfNorms[l];
                    if (s > bestScore || best < 0) {
                        bestScore = s;
                        best = l;
                    }
                }
            }
            return best >= 0 ? best : best(v, offset, centroids, halfNorms, lists);
        }

        private int best(float[] v, int offset, float[] cs, float[] half, int count) {
            int best = 0;
            float bestScore = Float.NEGATIVE_INFINITY;
            for (int l = 0; l < count; l++) {
                float s = Dot.of(v, offset, cs, l * dim, dim) - half[l];
                if (s > bestScore) {
                    bestScore = s;
                    best = l;
                }
            }
            return best;
        }

        private static float[] halfNorms(float[] cs, int count, int dim) {
            float[] h = new float[count];
            for (int l = 0; l < count; l++) {
                double s = 0;
                for (int d = 0; d < dim; d++) {
                    s += (double) cs[l * dim + d] * cs[l * dim + d];
                }
                h[l] = (float) (s / 2);
            }
            return h;
        }
    }

    private static int[] sampleWithoutReplacement(int n, int k, SplittableRandom r) {
        if (k == n) {
            int[] all = new int[n];
            Arrays.setAll(all, i -> i);
            return all;
        }
        // Floyd's algorithm would need a set; a partial shuffle of a permutation is simpler at these sizes.
        int[] perm = new int[n];
        Arrays.setAll(perm, i -> i);
        for (int i = 0; i < k; i++) {
            int j = i + r.nextInt(n - i);
            int t = perm[i];
            perm[i] = perm[j];
            perm[j] = t;
        }
        return Arrays.copyOf(perm, k);
    }
}
