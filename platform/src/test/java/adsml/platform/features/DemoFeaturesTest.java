package adsml.platform.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.offline.train.TrainingData;
import adsml.platform.testing.CandidateColumns;
import adsml.platform.world.ImpressionLog;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class DemoFeaturesTest {
    private final World world = WorldGenerator.generate(new WorldConfig(3, 500, 200, 2_000, 10), ProgressListener.NONE);

    @Test
    void schema_isTheDemoShape() {
        assertEquals(20, DemoFeatures.SCHEMA.sparseSlots());
        assertEquals(16, DemoFeatures.SCHEMA.denseDims());
    }

    @Test
    void fill_everyIdFallsInsideItsSlot() {
        FeatureSchema schema = DemoFeatures.SCHEMA;
        int[] offsets = schema.offsets();
        FeatureBatch batch = FeatureBatch.forSchema(schema, world.ads().size());
        for (User user : world.users()) {
            DemoFeatures.UserRow row = DemoFeatures.user(user);
            for (Ad ad : world.ads()) {
                DemoFeatures.fill(batch, ad.id(), row, ad, world.campaign(ad.campaignId()), new Context(3, 23, 4));
            }
            for (int r = 0; r < world.ads().size(); r++) {
                for (int s = 0; s < schema.sparseSlots(); s++) {
                    int id = batch.sparse()[r * schema.sparseSlots() + s];
                    assertTrue(
                            id >= offsets[s]
                                    && id < offsets[s] + schema.slots().get(s).vocab(),
                            "slot " + schema.slots().get(s).name() + " id " + id);
                }
            }
        }
    }

    @Test
    void fillRows_equalsFillRowByRow() {
        Ad[] ads = world.ads().toArray(Ad[]::new);
        Campaign[] campaigns = new Campaign[ads.length];
        for (int i = 0; i < ads.length; i++) {
            campaigns[i] =
                    world.campaign(ads[(i * 37) % ads.length].campaignId()); // rows need not match their ad's campaign
        }
        Context context = new Context(2, 7, 1);
        for (DemoFeatures.UserRow user :
                new DemoFeatures.UserRow[] {DemoFeatures.user(world.user(3)), DemoFeatures.coldStart(1, -1)}) {
            FeatureBatch byRow = FeatureBatch.forSchema(DemoFeatures.SCHEMA, ads.length);
            for (int r = 0; r < ads.length; r++) {
                DemoFeatures.fill(byRow, r, user, ads[r], campaigns[r], context);
            }
            FeatureBatch together = FeatureBatch.forSchema(DemoFeatures.SCHEMA, ads.length);
            DemoFeatures.fillRows(together, user, CandidateColumns.of(ads, campaigns), context);
            assertArrayEquals(byRow.sparse(), together.sparse());
            assertArrayEquals(byRow.dense(), together.dense());
        }
    }

    @Test
    void trainingRows_equalServingRows() {
        TrainingData training = TrainingData.of(world, world.train());
        ImpressionLog log = world.train();
        FeatureBatch serving = FeatureBatch.forSchema(DemoFeatures.SCHEMA, 1);
        for (int i = 0; i < log.size(); i++) {
            Ad ad = world.ad(log.adId()[i]);
            DemoFeatures.fill(
                    serving,
                    0,
                    DemoFeatures.user(world.user(log.userId()[i])),
                    ad,
                    world.campaign(ad.campaignId()),
                    log.context(i));
            int slots = DemoFeatures.SCHEMA.sparseSlots();
            int dense = DemoFeatures.SCHEMA.denseDims();
            assertArrayEquals(
                    Arrays.copyOfRange(training.features().sparse(), i * slots, (i + 1) * slots),
                    Arrays.copyOf(serving.sparse(), slots),
                    "impression " + i);
            assertArrayEquals(
                    Arrays.copyOfRange(training.features().dense(), i * dense, (i + 1) * dense),
                    Arrays.copyOf(serving.dense(), dense),
                    "impression " + i);
        }
    }

    @Test
    void fill_carriesTheUsersInterestInTheAdsCategory() {
        int match = 2 * Vocab.EMBEDDING_DIM + Vocab.INTERESTS_PER_USER;
        FeatureBatch batch = FeatureBatch.forSchema(DemoFeatures.SCHEMA, 1);
        int checked = 0;
        for (User user : world.users()) {
            for (Ad ad : world.ads()) {
                DemoFeatures.fill(
                        batch, 0, DemoFeatures.user(user), ad, world.campaign(ad.campaignId()), new Context(0, 12, 0));
                float expected = 0f;
                for (int k = 0; k < user.interests().length; k++) {
                    if (user.interests()[k] == ad.category()) {
                        expected = user.interestWeights()[k];
                        checked++;
                    }
                }
                assertEquals(expected, batch.dense()[match]);
            }
        }
        assertTrue(checked > 0, "no user-ad pair with a matching interest");
    }

    @Test
    void coldStart_usesTheUnknownIds_andNoInterestMatch() {
        FeatureSchema schema = DemoFeatures.SCHEMA;
        int[] offsets = schema.offsets();
        FeatureBatch batch = FeatureBatch.forSchema(schema, 1);
        Ad ad = world.ads().get(0);
        DemoFeatures.fill(
                batch, 0, DemoFeatures.coldStart(2, 1), ad, world.campaign(ad.campaignId()), new Context(0, 9, 0));
        assertEquals(offsets[1] + 2, batch.sparse()[1], "country from the request");
        assertEquals(offsets[2] + 1, batch.sparse()[2], "device from the request");
        assertEquals(offsets[3] + Vocab.AGE_BUCKETS.length, batch.sparse()[3], "age unknown");
        assertEquals(offsets[4] + Vocab.NUM_CATEGORIES, batch.sparse()[4], "interest unknown");
        assertEquals(0f, batch.dense()[2 * Vocab.EMBEDDING_DIM + Vocab.INTERESTS_PER_USER]);
        assertEquals(0f, batch.dense()[0]);
    }
}
