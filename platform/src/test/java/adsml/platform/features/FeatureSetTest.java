package adsml.platform.features;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.counters.CounterKeys;
import adsml.platform.counters.CounterUpdates;
import adsml.platform.counters.Counters;
import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.offline.train.CounterReplay;
import adsml.platform.offline.train.TrainingData;
import adsml.platform.testing.CandidateColumns;
import adsml.platform.world.ImpressionLog;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.util.Arrays;
import java.util.Map;
import org.junit.jupiter.api.Test;

class FeatureSetTest {
    private final World world = WorldGenerator.generate(new WorldConfig(3, 500, 200, 2_000, 10), ProgressListener.NONE);
    private final FeatureAssembly demo = FeatureSets.builtIn("demo-v1");

    @Test
    void demoV1_declaredInAFile_fillsTheRowsOfTheHandWrittenDefinition_bitForBit() {
        assertEquals(HandWrittenDemoFeatures.SCHEMA.slots(), demo.schema().slots());
        assertEquals(HandWrittenDemoFeatures.SCHEMA.dense(), demo.schema().dense());
        assertEquals("demo-v1", demo.schema().name());
        Ad[] ads = world.ads().toArray(Ad[]::new);
        Campaign[] campaigns = new Campaign[ads.length];
        for (int i = 0; i < ads.length; i++) {
            campaigns[i] = world.campaign(ads[i].campaignId());
        }
        AdColumns columns = CandidateColumns.of(ads, campaigns);
        Context context = new Context(2, 7, 1);
        for (int u = 0; u < 60; u++) {
            User user = world.user(u);
            boolean cold = u % 3 == 0;
            HandWrittenDemoFeatures.UserRow old = cold
                    ? HandWrittenDemoFeatures.coldStart(user.country(), u % 2 == 0 ? -1 : user.device())
                    : HandWrittenDemoFeatures.user(user);
            RequestRow row = cold
                    ? RequestRow.coldStart(user.country(), u % 2 == 0 ? -1 : user.device(), 7L, context)
                    : RequestRow.of(user, context);
            FeatureBatch expected = FeatureBatch.forSchema(HandWrittenDemoFeatures.SCHEMA, ads.length);
            HandWrittenDemoFeatures.fillRows(expected, old, columns, context);
            FeatureBatch actual = demo.batch(ads.length);
            demo.fill(actual, 0, row, columns, null, 0);
            assertArrayEquals(expected.sparse(), actual.sparse(), "user " + u);
            assertArrayEquals(bits(expected.dense()), bits(actual.dense()), "user " + u);
        }
    }

    @Test
    void everyBuiltInSet_putsEveryIdInsideItsSlot() {
        AdColumns columns = allAds();
        for (FeatureAssembly set : FeatureSets.builtIn().all()) {
            int[] offsets = set.schema().offsets();
            FeatureBatch batch = set.batch(columns.rows());
            for (RequestRow row : new RequestRow[] {
                RequestRow.of(world.user(5), new Context(3, 23, 4)),
                RequestRow.coldStart(-1, -1, 1L, new Context(0, 0, 0))
            }) {
                set.fill(batch, 0, row, columns, new FixedCounters(), 0);
                int slots = set.schema().sparseSlots();
                for (int r = 0; r < columns.rows(); r++) {
                    for (int s = 0; s < slots; s++) {
                        int id = batch.sparse()[r * slots + s];
                        assertTrue(
                                id >= offsets[s]
                                        && id
                                                < offsets[s]
                                                        + set.schema()
                                                                .slots()
                                                                .get(s)
                                                                .vocab(),
                                set.set().id() + " slot " + s + " id " + id);
                    }
                }
                for (int i = 0; i < columns.rows() * set.schema().denseDims(); i++) {
                    assertTrue(Float.isFinite(batch.dense()[i]), set.set().id() + " dense value " + i);
                }
            }
        }
    }

    @Test
    void wideV1_hasAThousandDenseValues_ofWhichTwoHundredAreRealTimeCounters() {
        FeatureAssembly wide = FeatureSets.builtIn("wide-v1");
        assertTrue(wide.schema().sparseSlots() + wide.schema().denseDims() >= 1000);
        long realtime =
                wide.set().denseGroups().stream().filter("realtime"::equals).count();
        assertTrue(realtime >= 200, "real-time values: " + realtime);
    }

    @Test
    void counterFeatures_readOneBatchedRead_andNameWhatTheyCountAndTheWindow() {
        FeatureAssembly v2 = FeatureSets.builtIn("demo-v2");
        AdColumns columns = allAds();
        RequestRow row = RequestRow.of(world.user(1), new Context(0, 12, 0));
        FixedCounters counters = new FixedCounters();
        CounterUpdates updates = new CounterUpdates();
        long ad0 = CounterKeys.of(CounterKeys.AD, columns.adIds()[0]);
        for (int i = 0; i < 200; i++) {
            updates.add(ad0, Counters.IMPRESSIONS, 1f, 0);
        }
        for (int i = 0; i < 20; i++) {
            updates.add(ad0, Counters.CLICKS, 1f, 0);
        }
        counters.add(updates);
        FeatureBatch batch = v2.batch(columns.rows());
        v2.fill(batch, 0, row, columns, counters, 0);
        assertEquals(1, counters.reads, "one read for every candidate's keys");
        int perRow = v2.counterEntities().size();
        assertTrue(
                counters.lastKeys < columns.rows() * perRow,
                "a key shared by candidates (a category, a creative type) is read once: " + counters.lastKeys);

        Map<String, Number> realtime = v2.describe(batch, 0);
        assertEquals((float) Math.log1p(20), realtime.get("ad_clicks_1h_log").floatValue(), 1e-4);
        assertEquals((20 + 0.02f * 100) / (200 + 100), realtime.get("ad_ctr_1d").floatValue(), 1e-6);
        Map<String, Number> other = v2.describe(batch, 1);
        assertEquals(0f, other.get("ad_clicks_1h_log").floatValue(), "another ad counts nothing");
        assertEquals(0.02f, other.get("ad_ctr_1d").floatValue(), 1e-6, "a rate without events is the prior");
    }

    @Test
    void describe_namesEveryDeclaredFeature_grouped() {
        AdColumns columns = allAds();
        FeatureBatch batch = demo.batch(columns.rows());
        demo.fill(batch, 0, RequestRow.of(world.user(2), new Context(1, 3, 0)), columns, null, 0);
        Map<String, Number> values = demo.describe(batch, 4);
        assertEquals(demo.schema().sparseSlots() + demo.schema().denseDims(), values.size());
        assertEquals(columns.categories()[4], values.get("ad_category"));
        Map<String, java.util.List<String>> groups = demo.groups();
        assertEquals(
                java.util.List.of("user", "ad", "campaign", "advertiser", "context", "cross"),
                java.util.List.copyOf(groups.keySet()));
        assertEquals(
                values.size(),
                groups.values().stream().mapToInt(java.util.List::size).sum());
        assertTrue(groups.get("ad").contains("ad_category"));
    }

    @Test
    void trainingRows_equalServingRows_forEveryLoggedImpression_countersIncluded() {
        for (String id : new String[] {"demo-v1", "demo-v2"}) {
            FeatureAssembly set = FeatureSets.builtIn(id);
            CounterReplay replay = new CounterReplay(new FixedCounters());
            ImpressionLog log = world.train();
            TrainingData training = TrainingData.of(world, log, set, replay);

            // The serving path: each request's candidates as columns, the request's row, the counters before it.
            CounterReplay served = new CounterReplay(new FixedCounters());
            FeatureBatch serving = set.batch(1);
            int slots = set.schema().sparseSlots(), dense = set.schema().denseDims();
            long[] requests = log.requestId();
            for (int from = 0, to; from < log.size(); from = to) {
                to = from + 1;
                while (to < log.size() && requests[to] == requests[from]) {
                    to++;
                }
                for (int i = from; i < to; i++) {
                    Ad ad = world.ad(log.adId()[i]);
                    AdColumns one =
                            CandidateColumns.of(new Ad[] {ad}, new Campaign[] {world.campaign(ad.campaignId())});
                    RequestRow row = RequestRow.of(world.user(log.userId()[i]), log.context(i));
                    set.fill(serving, 0, row, one, served.store(), served.nowMs());
                    assertArrayEquals(
                            Arrays.copyOfRange(training.features().sparse(), i * slots, (i + 1) * slots),
                            Arrays.copyOf(serving.sparse(), slots),
                            id + " impression " + i);
                    assertArrayEquals(
                            bits(Arrays.copyOfRange(training.features().dense(), i * dense, (i + 1) * dense)),
                            bits(Arrays.copyOf(serving.dense(), dense)),
                            id + " impression " + i);
                }
                served.countLog(world, slice(log, from, to), set);
            }
        }
    }

    @Test
    void aDeclarationError_namesTheFileTheFeatureAndTheKey() {
        String bad = "name = t\nversion = 1\nsparse = [{name = a, group = user, kind = hashed, source = user.id, "
                + "buckets = 8, colour = red}]\n";
        InvalidFeatureSetException e =
                assertThrows(InvalidFeatureSetException.class, () -> FeatureSetFile.parse(bad, "t-v1.conf"));
        assertEquals(
                "t-v1.conf: sparse[0] (a): unknown key 'colour' for kind hashed (known: name, group, kind, source,"
                        + " buckets)",
                normalizeKnown(e.getMessage()));
        assertThrows(
                InvalidFeatureSetException.class,
                () -> FeatureSetFile.parse(
                        "name = t\nversion = 1\ndense = [{name = x, group = ad, kind = attribute, source = ad.nope}]",
                        "t-v1.conf"));
        InvalidFeatureSetException kind = assertThrows(
                InvalidFeatureSetException.class,
                () -> FeatureSetFile.parse(
                        "name = t\nversion = 1\nsparse = [{name = x, group = ad, kind = id, source = ad.id}]",
                        "t-v1.conf"));
        assertTrue(kind.getMessage().contains("source ad.id is id, this kind needs categorical"), kind.getMessage());
    }

    @Test
    void aValueComputedPerRow_isRefusedWhereAPlainVectorIsRead() {
        InvalidFeatureSetException e = assertThrows(
                InvalidFeatureSetException.class,
                () -> FeatureSetFile.parse(
                        "name = t\nversion = 1\ndense = [{name = p, group = ad, kind = projection,"
                                + " source = user.interest_in_ad_category, dims = 4, seed = 1}]",
                        "t-v1.conf"));
        assertTrue(e.getMessage().startsWith("t-v1.conf: dense[0] (p): user.interest_in_ad_category"), e.getMessage());
    }

    @Test
    void aSetDeclaredAgainWithOtherValues_isRefused_evenWithTheSameColumns(
            @org.junit.jupiter.api.io.TempDir java.nio.file.Path folder) throws Exception {
        String demo;
        try (var in = FeatureSets.class.getResourceAsStream("/adsml/features/demo-v2.conf")) {
            demo = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        }
        java.nio.file.Files.writeString(
                folder.resolve("mine.conf"), demo.replace("ctr = 0.02, cvr = 0.05", "ctr = 0.03, cvr = 0.05"));
        InvalidFeatureSetException e =
                assertThrows(InvalidFeatureSetException.class, () -> FeatureSets.builtInAnd(folder));
        assertTrue(e.getMessage().startsWith("mine.conf: declares feature set demo-v2"), e.getMessage());
        java.nio.file.Files.writeString(folder.resolve("mine.conf"), demo);
        assertEquals(
                FeatureSets.builtIn().all().size(),
                FeatureSets.builtInAnd(folder).all().size(),
                "the same again");
    }

    @Test
    void aSetReadingSpend_cannotBeTrainedFromTheWorldsLog() {
        FeatureAssembly spend = FeatureSetFile.parse(
                        "name = s\nversion = 1\ndense = [{group = realtime, kind = counters, entities = [ad],"
                                + " measures = [spend], windows = [1d]}]",
                        "s-v1.conf")
                .assembly();
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class,
                () -> TrainingData.of(world, world.train(), spend, new CounterReplay(new FixedCounters())));
        assertTrue(e.getMessage().contains("train it with --from-log"), e.getMessage());
    }

    private AdColumns allAds() {
        Ad[] ads = world.ads().toArray(Ad[]::new);
        Campaign[] campaigns = new Campaign[ads.length];
        for (int i = 0; i < ads.length; i++) {
            campaigns[i] = world.campaign(ads[i].campaignId());
        }
        return CandidateColumns.of(ads, campaigns);
    }

    /** The known keys are listed from a set: their order is not the point. */
    private static String normalizeKnown(String message) {
        int at = message.indexOf("(known: ");
        if (at < 0) {
            return message;
        }
        String[] keys = message.substring(at + 8, message.length() - 1).split(", ");
        java.util.List<String> order = java.util.List.of("name", "group", "kind", "source", "buckets");
        Arrays.sort(keys, java.util.Comparator.comparingInt(order::indexOf));
        return message.substring(0, at + 8) + String.join(", ", keys) + ")";
    }

    private static ImpressionLog slice(ImpressionLog log, int from, int to) {
        ImpressionLog part = ImpressionLog.ofRows(to - from);
        for (int i = from; i < to; i++) {
            part.requestId()[i - from] = log.requestId()[i];
            part.userId()[i - from] = log.userId()[i];
            part.adId()[i - from] = log.adId()[i];
            part.surface()[i - from] = log.surface()[i];
            part.hour()[i - from] = log.hour()[i];
            part.position()[i - from] = log.position()[i];
            part.click()[i - from] = log.click()[i];
            part.conversion()[i - from] = log.conversion()[i];
        }
        return part;
    }

    private static int[] bits(float[] values) {
        int[] bits = new int[values.length];
        for (int i = 0; i < values.length; i++) {
            bits[i] = Float.floatToRawIntBits(values[i]);
        }
        return bits;
    }
}
