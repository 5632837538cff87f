package adsml.platform.offline.generator;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.index.ann.ExactScan;
import adsml.platform.index.ann.VectorAds;
import adsml.platform.offline.generator.InventoryGenerator.Query;
import adsml.platform.offline.generator.InventoryGenerator.Space;
import java.util.BitSet;
import java.util.List;
import org.junit.jupiter.api.Test;

class InventoryGeneratorTest {
    private static final Space SPACE = new Space(32, 8);

    @Test
    void theSameSeed_givesTheSameAds_onAnyNumberOfThreads() {
        assertEquals(
                InventoryGenerator.ads(9, 70_000, SPACE).fingerprint(),
                InventoryGenerator.ads(9, 70_000, SPACE).fingerprint());
        assertTrue(InventoryGenerator.ads(9, 70_000, SPACE).fingerprint()
                != InventoryGenerator.ads(10, 70_000, SPACE).fingerprint());
    }

    @Test
    void feedRequestsMatchAThirdToHalfOfTheAds_andSomeSearchesUnderOnePercent() {
        VectorAds ads = InventoryGenerator.ads(9, 50_000, SPACE);
        List<Query> queries = InventoryGenerator.queries(9, 10, 300, SPACE, 0.3);
        ExactScan exact = new ExactScan(ads, new BitSet());
        double feedSum = 0, smallestSearch = 1;
        int feeds = 0, searches = 0;
        for (Query q : queries) {
            double share = exact.countEligible(q.filter()) / (double) ads.size;
            if (q.isSearch()) {
                searches++;
                smallestSearch = Math.min(smallestSearch, share);
            } else {
                feeds++;
                feedSum += share;
            }
        }
        assertTrue(searches > 50 && feeds > 150, searches + " searches, " + feeds + " feeds");
        double feedMean = feedSum / feeds;
        assertTrue(feedMean > 0.2 && feedMean < 0.6, "a feed request matches " + feedMean + " of the ads");
        assertTrue(smallestSearch < 0.01, "the most selective search matches " + smallestSearch);
    }

    @Test
    void embeddingsVaryAlongTheirLatentDimensions_mostly() {
        VectorAds ads = InventoryGenerator.ads(9, 20_000, new Space(64, 16));
        float[] v = ads.vector(0);
        double norm = 0;
        for (float x : v) {
            norm += x * x;
        }
        assertTrue(norm > 0.3 && norm < 3, "an ad's squared length is about 1: " + norm);
        assertThrows(IllegalArgumentException.class, () -> new Space(8, 9));
        assertThrows(IllegalArgumentException.class, () -> InventoryGenerator.ads(1, 40_000_000, new Space(64, 8)));
    }
}
