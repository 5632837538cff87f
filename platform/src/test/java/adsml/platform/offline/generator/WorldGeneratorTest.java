package adsml.platform.offline.generator;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.domain.Ad;
import adsml.platform.domain.User;
import adsml.platform.world.ImpressionLog;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class WorldGeneratorTest {
    private static final WorldConfig CONFIG = new WorldConfig(11, 2_000, 500, 5_000, 1_000);
    private static World world;

    @BeforeAll
    static void generate() {
        world = WorldGenerator.generate(CONFIG, ProgressListener.NONE);
    }

    @Test
    void generate_sameSeedSameWorld() {
        World again = WorldGenerator.generate(CONFIG, ProgressListener.NONE);
        assertEquals(world.advertisers(), again.advertisers());
        assertEquals(world.campaigns(), again.campaigns());
        assertEquals(world.ads(), again.ads());
        assertEquals(world.users(), again.users());
        assertEquals(world.train(), again.train());
        assertEquals(world.heldout(), again.heldout());
    }

    @Test
    void generate_impressionCountDoesNotChangeEntities() {
        World other = WorldGenerator.generate(new WorldConfig(11, 2_000, 500, 77, 3), ProgressListener.NONE);
        assertEquals(world.campaigns(), other.campaigns());
        assertEquals(world.ads(), other.ads());
        assertEquals(world.users(), other.users());
        // And the held-out stream does not depend on the train count.
        World moreTrain = WorldGenerator.generate(new WorldConfig(11, 2_000, 500, 6_000, 1_000), ProgressListener.NONE);
        assertEquals(world.heldout(), moreTrain.heldout());
    }

    @Test
    void generate_differentSeedDifferentAds() {
        World other = WorldGenerator.generate(new WorldConfig(12, 2_000, 500, 10, 10), ProgressListener.NONE);
        assertNotEquals(world.ads(), other.ads());
    }

    @Test
    void generate_countsAndDenseIds() {
        assertEquals(CONFIG.advertisers(), world.advertisers().size());
        assertEquals(CONFIG.campaigns(), world.campaigns().size());
        assertEquals(CONFIG.ads(), world.ads().size());
        assertEquals(CONFIG.users(), world.users().size());
        assertEquals(CONFIG.trainImpressions(), world.train().size());
        assertEquals(CONFIG.heldoutImpressions(), world.heldout().size());
        assertEquals(17, world.ad(17).id());
        assertEquals(17, world.user(17).id());
        assertEquals(17, world.campaign(17).id());
        for (int i = 0; i < world.train().size(); i++) {
            assertEquals(i, world.train().requestId()[i]);
        }
    }

    @Test
    void generate_usersHaveDistinctWeightedInterests() {
        for (User u : world.users()) {
            float[] w = u.interestWeights();
            assertTrue(w[0] >= w[1] && w[1] >= w[2] && w[2] > 0, u.toString());
            assertEquals(1.0, w[0] + w[1] + w[2], 1e-5);
        }
    }

    @Test
    void generate_everyCampaignHasAnAdOfItsCategory() {
        boolean[] seen = new boolean[world.campaigns().size()];
        for (Ad a : world.ads()) {
            assertEquals(world.campaign(a.campaignId()).category(), a.category());
            seen[a.campaignId()] = true;
        }
        for (boolean s : seen) {
            assertTrue(s);
        }
    }

    @Test
    void generate_loggedAdsMatchTargetingAndConversionNeedsClick() {
        ImpressionLog log = world.train();
        int matched = 0;
        for (int i = 0; i < log.size(); i++) {
            assertTrue(!log.conversion()[i] || log.click()[i]);
            Ad ad = world.ad(log.adId()[i]);
            if (world.campaign(ad.campaignId()).targeting().matches(world.user(log.userId()[i]))) {
                matched++;
            }
        }
        assertTrue(matched > 0.99 * log.size(), "matched " + matched);
    }

    @Test
    void generate_randomUserMatchesAFairShareOfAds() {
        SplittableRandom r = new SplittableRandom(1);
        List<Ad> ads = world.ads();
        int match = 0;
        int total = 0;
        for (int k = 0; k < 300; k++) {
            User u = world.user(r.nextInt(world.users().size()));
            for (int j = 0; j < 100; j++) {
                total++;
                if (world.campaign(ads.get(r.nextInt(ads.size())).campaignId())
                        .targeting()
                        .matches(u)) {
                    match++;
                }
            }
        }
        double rate = (double) match / total;
        assertTrue(rate > 0.25 && rate < 0.65, "match rate " + rate);
    }

    @Test
    void generate_reportsProgress() {
        long[] updates = new long[1];
        WorldGenerator.generate(new WorldConfig(1, 100, 50, 100, 10), (phase, done, total) -> {
            assertTrue(done <= total);
            updates[0]++;
        });
        assertTrue(updates[0] >= 6);
    }

    @Test
    void evalRequests_distinctEligibleCandidatesAtTop() {
        GroundTruth truth =
                GroundTruth.create(CONFIG.seed(), world.advertisers().size());
        EvalRequest[] reqs = WorldGenerator.evalRequests(world, truth, 5, 50, 40);
        assertEquals(50, reqs.length);
        for (EvalRequest q : reqs) {
            assertEquals(0, q.context().position());
            assertEquals(40, q.candidateAdIds().length);
            User u = world.user(q.userId());
            int[] c = q.candidateAdIds().clone();
            java.util.Arrays.sort(c);
            for (int i = 0; i < c.length; i++) {
                assertTrue(i == 0 || c[i] != c[i - 1]);
                assertTrue(
                        world.campaign(world.ad(c[i]).campaignId()).targeting().matches(u));
            }
        }
        assertArrayEquals(reqs, WorldGenerator.evalRequests(world, truth, 5, 50, 40));
    }
}
