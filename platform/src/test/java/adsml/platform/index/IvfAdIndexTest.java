package adsml.platform.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.Targeting;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.testing.FakeClock;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.Set;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class IvfAdIndexTest {
    private static final Context CTX = new Context(0, 12, 0);
    private static final World WORLD =
            WorldGenerator.generate(new WorldConfig(21, 20_000, 300, 0, 0), ProgressListener.NONE);
    private static final RetrievalTower TOWER = new RetrievalTower(64, 21);
    private static final float[][] AD_VECTORS =
            WORLD.ads().stream().map(TOWER::ad).toArray(float[][]::new);

    private final BudgetTracker budget = new BudgetTracker(new FakeClock(Instant.parse("2025-03-01T12:00:00Z")));

    @TempDir
    Path dir;

    private IvfAdIndex open() throws Exception {
        return IvfAdIndex.open(WORLD, budget, TOWER, dir.resolve("ivf.bin"));
    }

    /** Eligible ads (targeting, not paused, budget left) best first by the tower's score: the exact answer. */
    private int[] exact(IvfAdIndex index, User user, int k) {
        float[] q = TOWER.user(user.embedding());
        double[] score = new double[WORLD.ads().size()];
        Arrays.setAll(score, a -> dot(q, AD_VECTORS[a]));
        return IntStream.range(0, WORLD.ads().size())
                .filter(a -> index.get(a)
                        .filter(e -> !e.paused()
                                && e.campaign().targeting().matches(user)
                                && !budget.exhausted(e.campaign().id()))
                        .isPresent())
                .boxed()
                .sorted(Comparator.comparingDouble(a -> -score[a]))
                .limit(k)
                .mapToInt(Integer::intValue)
                .toArray();
    }

    private static double dot(float[] a, float[] b) {
        double s = 0;
        for (int i = 0; i < a.length; i++) {
            s += a[i] * b[i];
        }
        return s;
    }

    @Test
    void retrieve_findsMostOfTheExactTopAndOnlyEligibleAds() throws Exception {
        IvfAdIndex index = open();
        for (int a = 0; a < WORLD.ads().size(); a += 9) {
            index.setPaused(a, true);
        }
        for (int c = 0; c < WORLD.campaigns().size(); c += 13) {
            budget.charge(c, WORLD.campaign(c).dailyBudget() + 1);
        }
        int[] out = new int[200];
        double hits = 0, wanted = 0;
        for (int u = 0; u < WORLD.users().size(); u += 3) {
            User user = WORLD.user(u);
            int n = index.retrieve(user, CTX, 200, out);
            for (int i = 0; i < n; i++) {
                AdEntry e = index.get(out[i]).orElseThrow();
                assertFalse(e.paused(), "paused ad " + out[i]);
                assertTrue(e.campaign().targeting().matches(user), "ad " + out[i] + " does not target user " + u);
                assertFalse(budget.exhausted(e.campaign().id()), "ad " + out[i] + " has no budget");
            }
            Set<Integer> truth = new HashSet<>();
            Arrays.stream(exact(index, user, 200)).forEach(truth::add);
            hits += Arrays.stream(out, 0, n).filter(truth::contains).count();
            wanted += truth.size();
        }
        assertTrue(hits / wanted >= 0.9, "recall@200 " + hits / wanted);
    }

    @Test
    void partitions_holdTheirShareAndMergeToTheWholeIndexsRecall() throws Exception {
        int parts = 3;
        IvfAdIndex[] partition = new IvfAdIndex[parts];
        for (int p = 0; p < parts; p++) {
            partition[p] = IvfAdIndex.openPartition(
                    WORLD, budget, TOWER, dir.resolve("ivf-" + p + ".bin"), new Partition(p, parts));
            assertEquals(new Partition(p, parts).rowsOf(WORLD.ads().size()), partition[p].searchable());
            assertEquals(WORLD.ads().size(), partition[p].size(), "the store keeps every ad");
        }
        IvfAdIndex whole = open();
        long[][] keys = new long[parts][200];
        int[] counts = new int[parts];
        int[] merged = new int[200];
        double hits = 0, wanted = 0;
        for (int u = 0; u < WORLD.users().size(); u += 7) {
            User user = WORLD.user(u);
            for (int p = 0; p < parts; p++) {
                counts[p] = partition[p].retrieveKeys(Audience.of(user), CTX, 200, keys[p]);
                for (int i = 0; i < counts[p]; i++) {
                    int ad = RankKeys.adOf(keys[p][i]);
                    assertEquals(p, ad % parts, "partition " + p + " answered ad " + ad);
                    assertTrue(WORLD.campaign(WORLD.ad(ad).campaignId())
                            .targeting()
                            .matches(user));
                    if (i > 0) {
                        assertTrue(keys[p][i - 1] > keys[p][i], "best first");
                    }
                }
            }
            int n = IvfAdIndex.merge(keys, counts, 200, merged);
            assertEquals(200, n);
            Set<Integer> truth = new HashSet<>();
            Arrays.stream(exact(whole, user, 200)).forEach(truth::add);
            hits += Arrays.stream(merged, 0, n).filter(truth::contains).count();
            wanted += truth.size();
        }
        assertTrue(hits / wanted >= 0.9, "recall@200 of the merged partitions " + hits / wanted);
    }

    @Test
    void partitionWrites_fileOnlyTheirOwnAds() throws Exception {
        IvfAdIndex first = IvfAdIndex.openPartition(WORLD, budget, TOWER, dir.resolve("p0.bin"), new Partition(0, 2));
        User user = WORLD.user(3);
        Campaign everybody =
                new Campaign(WORLD.campaigns().size(), 0, WORLD.campaign(0).bidType(), 1f, 1000f, 3, Targeting.ANY);
        float[] like = user.embedding().clone();
        for (int d = 0; d < like.length; d++) {
            like[d] *= 40;
        }
        int even = WORLD.ads().size() + 10;
        int odd = even + 1;
        first.upsert(new Ad(even, everybody.id(), 3, 0, like), everybody);
        first.upsert(new Ad(odd, everybody.id(), 3, 0, like), everybody);
        long[] keys = new long[5];
        int n = first.retrieveKeys(Audience.of(user), CTX, 5, keys);
        assertEquals(even, RankKeys.adOf(keys[0]));
        assertTrue(Arrays.stream(keys, 0, n).noneMatch(k -> RankKeys.adOf(k) == odd), "ad of partition 1");
        assertTrue(first.get(odd).isPresent(), "the store holds every ad");
        assertTrue(first.setPaused(odd, true), "pausing another partition's ad pauses it in the store");
        assertTrue(first.get(odd).orElseThrow().paused());
        assertThrows(IllegalArgumentException.class, () -> Partition.parse("3/3"));
        assertThrows(IllegalArgumentException.class, () -> Partition.parse("1-3"));
        assertEquals(new Partition(1, 3), Partition.parse("1/3"));
    }

    @Test
    void coldStart_isTheStoresWalkInIdOrder() throws Exception {
        IvfAdIndex index = open();
        int[] ivf = new int[50];
        int[] store = new int[50];
        Audience unknown = new Audience(0, 1, -1, 0L, new float[Vocab.EMBEDDING_DIM]);
        int n = index.retrieve(unknown, CTX, 50, ivf);
        int m = ExactAdIndex.of(WORLD, new BudgetTracker(new FakeClock(Instant.parse("2025-03-01T12:00:00Z"))))
                .retrieve(unknown, CTX, 50, store);
        assertArrayEquals(Arrays.copyOf(store, m), Arrays.copyOf(ivf, n));
    }

    @Test
    void writes_areVisibleToTheNextRetrieval() throws Exception {
        IvfAdIndex index = open();
        User user = WORLD.user(7);
        int[] out = new int[20];
        int id = WORLD.ads().size() + 5;
        Campaign everybody =
                new Campaign(WORLD.campaigns().size(), 0, WORLD.campaign(0).bidType(), 1f, 1000f, 3, Targeting.ANY);
        float[] like = user.embedding().clone();
        for (int d = 0; d < like.length; d++) {
            like[d] *= 40; // far above every generated ad's affinity
        }
        index.upsert(new Ad(id, everybody.id(), 3, 0, like), everybody);
        index.retrieve(user, CTX, 20, out);
        assertEquals(id, out[0]);

        assertTrue(index.setPaused(id, true));
        index.retrieve(user, CTX, 20, out);
        assertFalse(Arrays.stream(out).anyMatch(a -> a == id));
        assertTrue(index.setPaused(id, false));

        // The campaign now targets a country the user is not in: the ad goes with it.
        int elsewhere = (user.country() + 1) % Vocab.COUNTRIES.length;
        Campaign moved = new Campaign(
                everybody.id(), 0, everybody.bidType(), 1f, 1000f, 3, new Targeting(1 << elsewhere, 0, 0, 0L));
        index.upsert(new Ad(id + 1, everybody.id(), 3, 0, WORLD.ad(0).embedding()), moved);
        index.retrieve(user, CTX, 20, out);
        assertFalse(Arrays.stream(out).anyMatch(a -> a == id), "ad " + id + " kept its campaign's old targeting");
        assertFalse(index.setPaused(Integer.MAX_VALUE, true));
    }

    @Test
    void open_readsTheFileWhenTheAdsAreTheSameAndRebuildsOtherwise() throws Exception {
        IvfAdIndex built = open();
        assertFalse(built.loadedFromFile());
        IvfAdIndex loaded = open();
        assertTrue(loaded.loadedFromFile());
        int[] a = new int[100];
        int[] b = new int[100];
        User user = WORLD.user(3);
        assertEquals(built.retrieve(user, CTX, 100, a), loaded.retrieve(user, CTX, 100, b));
        assertArrayEquals(a, b);

        IvfAdIndex otherTower = IvfAdIndex.open(WORLD, budget, new RetrievalTower(64, 22), dir.resolve("ivf.bin"));
        assertFalse(otherTower.loadedFromFile());

        Files.write(dir.resolve("ivf.bin"), new byte[] {1, 2, 3});
        assertFalse(open().loadedFromFile());
        assertTrue(open().loadedFromFile());
    }

    @Test
    void badInput_isRefused() throws Exception {
        IvfAdIndex index = open();
        Campaign c = WORLD.campaign(0);
        float[] nan = new float[Vocab.EMBEDDING_DIM];
        nan[2] = Float.NaN;
        assertThrows(IllegalArgumentException.class, () -> index.upsert(new Ad(1, c.id(), 0, 0, nan), c));
        assertThrows(
                IllegalArgumentException.class,
                () -> index.upsert(new Ad(1, c.id() + 1, 0, 0, WORLD.ad(1).embedding()), c));
        assertThrows(IllegalArgumentException.class, () -> index.retrieve(WORLD.user(0), CTX, 5, new int[4]));
        assertThrows(IllegalArgumentException.class, () -> new RetrievalTower(5, 1));
    }
}
