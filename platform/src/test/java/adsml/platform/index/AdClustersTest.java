package adsml.platform.index;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Vocab;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class AdClustersTest {
    private static final int DIM = Vocab.EMBEDDING_DIM;

    /** Filters that name their ad, so that a slot holding another ad's shows. */
    private static final AdClusters.Filters BY_ID = new AdClusters.Filters() {
        @Override
        public int word(int adId) {
            return adId * 3 + 1;
        }

        @Override
        public long interests(int adId) {
            return adId * 7L + 2;
        }

        @Override
        public int campaign(int adId) {
            return adId * 5 + 3;
        }
    };

    private static float[] randomEmbedding(SplittableRandom random, double scale) {
        float[] e = new float[DIM];
        for (int d = 0; d < DIM; d++) {
            e[d] = (float) ((random.nextDouble() * 2 - 1) * scale);
        }
        return e;
    }

    @Test
    void everyAdScoresAtMostItsClustersBound_afterBuildAndUpserts() {
        SplittableRandom random = new SplittableRandom(11);
        Map<Integer, float[]> current = new HashMap<>();
        List<Ad> ads = new ArrayList<>();
        for (int id = 0; id < 2_000; id++) {
            float[] e = randomEmbedding(random, 1);
            ads.add(new Ad(id, 0, 0, 0, e));
            current.put(id, e);
        }
        AdClusters clusters = AdClusters.of(ads, BY_ID);
        assertEquals((2_000 + AdClusters.ADS_PER_CLUSTER - 1) / AdClusters.ADS_PER_CLUSTER, clusters.count);
        for (int round = 0; round < 300; round++) {
            // Moves an ad, adds one past the end, or puts one far outside every cluster.
            int id = round % 3 == 1 ? 2_000 + round : random.nextInt(2_000);
            float[] e = randomEmbedding(random, round % 3 == 2 ? 5 : 1);
            clusters = clusters.with(id, e, BY_ID);
            current.put(id, e);
        }
        assertLayoutHolds(clusters, current);
        long[] bounds = new long[clusters.count];
        for (int q = 0; q < 200; q++) {
            float[] query = randomEmbedding(random, 2);
            clusters.bounds(query, bounds);
            for (int b = 0; b < clusters.count; b++) {
                int c = AdClusters.clusterOf(bounds[b]);
                float bound = AdClusters.boundOf(bounds[b]);
                assertEquals(b, c);
                for (int slot = clusters.start[c]; slot < clusters.start[c + 1]; slot++) {
                    float score = 0f;
                    for (int d = 0; d < DIM; d++) {
                        score += query[d] * clusters.slotEmb[slot * DIM + d];
                    }
                    assertTrue(
                            score <= bound,
                            "ad " + clusters.slotAd[slot] + " scores " + score + " above its bound " + bound);
                }
            }
        }
    }

    @Test
    void aClusterWithANaNEmbeddingHasTheBestBound() {
        List<Ad> ads = new ArrayList<>();
        SplittableRandom random = new SplittableRandom(2);
        for (int id = 0; id < 500; id++) {
            ads.add(new Ad(id, 0, 0, 0, randomEmbedding(random, 1)));
        }
        float[] broken = randomEmbedding(random, 1);
        broken[3] = Float.NaN;
        AdClusters clusters = AdClusters.of(ads, BY_ID).with(17, broken, BY_ID);
        long[] bounds = new long[clusters.count];
        clusters.bounds(randomEmbedding(random, 1), bounds);
        Arrays.sort(bounds);
        int first = AdClusters.clusterOf(bounds[clusters.count - 1]);
        assertEquals(Float.POSITIVE_INFINITY, AdClusters.boundOf(bounds[clusters.count - 1]));
        boolean holds17 = false;
        for (int slot = clusters.start[first]; slot < clusters.start[first + 1]; slot++) {
            holds17 |= clusters.slotAd[slot] == 17;
        }
        assertTrue(holds17, "the NaN ad's cluster has an infinite bound");
    }

    @Test
    void noAdsMakeOneEmptyCluster() {
        AdClusters clusters = AdClusters.of(List.of(), BY_ID);
        assertEquals(1, clusters.count);
        assertEquals(0, clusters.start[1]);
        clusters = clusters.with(4, new float[DIM], BY_ID);
        assertLayoutHolds(clusters, Map.of(4, new float[DIM]));
    }

    /** Every ad in exactly one slot, with its current embedding and filters; clusters cover the slots in order. */
    private static void assertLayoutHolds(AdClusters clusters, Map<Integer, float[]> current) {
        assertEquals(0, clusters.start[0]);
        assertEquals(current.size(), clusters.start[clusters.count]);
        assertEquals(current.size(), clusters.slotAd.length);
        for (int c = 0; c < clusters.count; c++) {
            assertTrue(clusters.start[c] <= clusters.start[c + 1], "cluster " + c);
        }
        Map<Integer, Integer> seen = new HashMap<>();
        for (int slot = 0; slot < clusters.slotAd.length; slot++) {
            int ad = clusters.slotAd[slot];
            assertEquals(null, seen.put(ad, slot), "ad " + ad + " in two slots");
            assertEquals(BY_ID.word(ad), clusters.slotFilter[slot], "ad " + ad);
            assertEquals(BY_ID.interests(ad), clusters.slotInterests[slot], "ad " + ad);
            assertEquals(BY_ID.campaign(ad), clusters.slotCampaign[slot], "ad " + ad);
            float[] e = current.get(ad);
            for (int d = 0; d < DIM; d++) {
                assertEquals(e[d], clusters.slotEmb[slot * DIM + d], "ad " + ad + " dimension " + d);
            }
        }
    }
}
