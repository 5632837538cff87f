package adsml.platform.index;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.Targeting;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.index.ann.AdFilter;
import adsml.platform.index.ann.CpuInventoryScan;
import adsml.platform.index.ann.InventoryRows;
import adsml.platform.index.ann.InventoryScan;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.testing.DelegatingScan;
import adsml.platform.testing.FakeClock;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ScanAdIndexTest {
    private static final Context CTX = new Context(0, 12, 0);
    private static final World WORLD =
            WorldGenerator.generate(new WorldConfig(22, 8_000, 200, 0, 0), ProgressListener.NONE);
    private static final RetrievalTower TOWER = new RetrievalTower(64, 22);
    private static final float[][] AD_VECTORS =
            WORLD.ads().stream().map(TOWER::ad).toArray(float[][]::new);

    private final BudgetTracker budget = new BudgetTracker(new FakeClock(Instant.parse("2025-03-01T12:00:00Z")));

    @TempDir
    Path dir;

    private IvfAdIndex standby() throws Exception {
        return IvfAdIndex.open(WORLD, budget, TOWER, dir.resolve("ivf.bin"));
    }

    private ScanAdIndex open() throws Exception {
        return ScanAdIndex.open(standby(), TOWER, budget, CpuInventoryScan::new);
    }

    /** A new untargeted campaign with a budget: what the written ads of these tests belong to. */
    private Campaign everybody() {
        Campaign everybody =
                new Campaign(WORLD.campaigns().size(), 0, WORLD.campaign(0).bidType(), 1f, 1000f, 3, Targeting.ANY);
        budget.setBudget(everybody.id(), everybody.dailyBudget());
        return everybody;
    }

    /** An ad embedding along {@code user}'s, far above every generated ad's affinity: it is retrieved first. */
    private static float[] far(User user) {
        float[] like = user.embedding().clone();
        for (int d = 0; d < like.length; d++) {
            like[d] *= 40;
        }
        return like;
    }

    /**
     * Eligible ads best first by the tower's score in double: the exact answer, but for float rounding on near-ties.
     */
    private int[] exact(ScanAdIndex index, User user, int k) {
        float[] q = TOWER.user(user.embedding());
        double[] score = new double[WORLD.ads().size()];
        Arrays.setAll(score, a -> {
            double s = 0;
            for (int d = 0; d < q.length; d++) {
                s += q[d] * AD_VECTORS[a][d];
            }
            return s;
        });
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

    @Test
    void retrieve_isTheExactTop_ofEligibleAdsOnly() throws Exception {
        try (ScanAdIndex index = open()) {
            for (int a = 0; a < WORLD.ads().size(); a += 9) {
                index.setPaused(a, true);
            }
            for (int c = 0; c < WORLD.campaigns().size(); c += 13) {
                budget.charge(c, WORLD.campaign(c).dailyBudget() + 1);
            }
            int[] out = new int[200];
            long same = 0;
            long total = 0;
            for (int u = 0; u < WORLD.users().size(); u += 5) {
                User user = WORLD.user(u);
                int n = index.retrieve(user, CTX, 200, out);
                int[] truth = exact(index, user, 200);
                assertEquals(truth.length, n, "user " + u);
                for (int i = 0; i < n; i++) {
                    same += out[i] == truth[i] ? 1 : 0;
                }
                total += n;
            }
            assertTrue(total > 0);
            assertTrue(same >= total * 0.99, same + " of " + total + " at the exact rank");
        }
    }

    /** A light ranking whose prior is the {@code lifts} of an ad, 0 for the others. */
    private record Lifted(String id, Map<Integer, Float> lifts) implements ScanAdIndex.LightPriors {
        @Override
        public void priors(AdColumns ads, float[] out) {
            for (int r = 0; r < ads.rows(); r++) {
                out[r] = lifts.getOrDefault(ads.adIds()[r], 0f);
            }
        }
    }

    private static int count(CompletionStage<Integer> stage) {
        return stage.toCompletableFuture().join();
    }

    @Test
    void aLightRanking_ranksByItsQueryAndPriors_untilItEnds_andTowerRetrievalsMeanwhileAreTheStandbys()
            throws Exception {
        User user = WORLD.user(3);
        AdFilter filter = Audience.of(user).filter();
        try (ScanAdIndex index =
                ScanAdIndex.open(standby(), TOWER, budget, CpuInventoryScan::new, Duration.ofSeconds(10))) {
            int[] before = new int[100];
            int n = index.retrieve(user, CTX, 100, before);
            int lifted = before[50];
            int liftedLater = before[60];
            float[] query = new float[LightVector.DIM];
            index.lightRank(new Lifted("light/1", Map.of(lifted, 1e4f)));
            assertEquals(Optional.of("light/1"), index.lightRanking());
            int[] out = new int[100];
            assertEquals(100, count(index.lightRetrieveLater("light/1", query, filter, 100, out)));
            assertEquals(lifted, out[0], "the prior lifts its ad");
            // A query over the CTR block's category one-hot: category 9's CPC and CPA ads above the lifted one; not its
            // CPM ads,
            // whose light part is zeros.
            query[LightVector.CATEGORY + 9] = 1e5f;
            count(index.lightRetrieveLater("light/1", query, filter, 100, out));
            AdEntry first = index.get(out[0]).orElseThrow();
            assertEquals(9, first.ad().category());
            assertNotEquals(BidType.CPM, first.campaign().bidType());
            for (int i = 0; i < 100 && out[i] != lifted; i++) {
                assertEquals(9, index.get(out[i]).orElseThrow().ad().category(), "rank " + i);
            }

            // Another version's query is refused: the caller cuts on the CPU.
            assertThrows(
                    CompletionException.class,
                    () -> count(index.lightRetrieveLater("light/2", query, filter, 100, out)));

            // Tower retrievals ask the standby while the priors are the light ranking's.
            int[] standbyAnswer = new int[100];
            int m = standby().retrieve(Audience.of(user), CTX, 100, standbyAnswer);
            int[] meanwhile = new int[100];
            assertEquals(m, index.retrieve(user, CTX, 100, meanwhile));
            assertArrayEquals(Arrays.copyOf(standbyAnswer, m), Arrays.copyOf(meanwhile, m));

            // A new ad written meanwhile brings its prior; priors refreshed replace every ad's.
            Campaign everybody = everybody();
            int id = WORLD.ads().size() + 3;
            index.lightRank(new Lifted("light/1", Map.of(lifted, 1e4f, id, 1e6f)));
            index.upsert(new Ad(id, everybody.id(), 11, 0, new float[Vocab.EMBEDDING_DIM]), everybody);
            query[LightVector.CATEGORY + 9] = 0f;
            count(index.lightRetrieveLater("light/1", query, filter, 100, out));
            assertEquals(id, out[0], "the ad written, with its prior");
            index.lightRank(new Lifted("light/1", Map.of(liftedLater, 1e4f)));
            count(index.lightRetrieveLater("light/1", query, filter, 100, out));
            assertEquals(liftedLater, out[0], "refreshed priors");

            index.endLight();
            assertEquals(Optional.empty(), index.lightRanking());
            int[] after = new int[100];
            assertEquals(n, index.retrieve(user, CTX, 100, after));
            assertArrayEquals(Arrays.copyOf(before, n), Arrays.copyOf(after, n), "the tower's ranking, priors zero");
        }
    }

    /** An ad written while a ranking's priors are computed, outside the write lock, gets that ranking's prior. */
    @Test
    void anAdWrittenWhileAPriorsPassRuns_getsThatRankingsPrior() throws Exception {
        User user = WORLD.user(3);
        int id = WORLD.ads().size() + 3;
        CountDownLatch computing = new CountDownLatch(1);
        CountDownLatch written = new CountDownLatch(1);
        ScanAdIndex.LightPriors slow = new ScanAdIndex.LightPriors() {
            @Override
            public String id() {
                return "light/1";
            }

            @Override
            public void priors(AdColumns ads, float[] out) {
                computing.countDown();
                try {
                    assertTrue(written.await(10, TimeUnit.SECONDS));
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
                for (int r = 0; r < ads.rows(); r++) {
                    out[r] = ads.adIds()[r] == id ? 1e6f : 0f;
                }
            }
        };
        try (ScanAdIndex index =
                ScanAdIndex.open(standby(), TOWER, budget, CpuInventoryScan::new, Duration.ofSeconds(10))) {
            Thread ranking = new Thread(() -> index.lightRank(slow));
            ranking.start();
            assertTrue(computing.await(10, TimeUnit.SECONDS));
            Campaign everybody = everybody();
            index.upsert(new Ad(id, everybody.id(), 11, 0, new float[Vocab.EMBEDDING_DIM]), everybody);
            written.countDown();
            ranking.join(10_000);
            int[] out = new int[10];
            count(index.lightRetrieveLater(
                    "light/1", new float[LightVector.DIM], Audience.of(user).filter(), 10, out));
            assertEquals(id, out[0], "written with no ranking's prior, then again with this one's");
        }
    }

    @Test
    void writes_areVisibleToTheNextRetrieval_andColdStartsAreTheStoresWalk() throws Exception {
        try (ScanAdIndex index = open()) {
            User user = WORLD.user(7);
            int[] out = new int[20];
            int id = WORLD.ads().size() + 5;
            Campaign everybody = everybody();
            float[] like = far(user);
            index.upsert(new Ad(id, everybody.id(), 3, 0, like), everybody);
            index.retrieve(user, CTX, 20, out);
            assertEquals(id, out[0]);
            assertTrue(index.setPaused(id, true));
            index.retrieve(user, CTX, 20, out);
            assertFalse(Arrays.stream(out).anyMatch(a -> a == id));
            assertFalse(index.setPaused(WORLD.ads().size() + 50, true), "no such ad");

            Audience unknown = new Audience(0, 1, -1, 0L, new float[Vocab.EMBEDDING_DIM]);
            int[] scan = new int[50];
            int[] store = new int[50];
            int n = index.retrieve(unknown, CTX, 50, scan);
            int m = ExactAdIndex.of(WORLD, new BudgetTracker(new FakeClock(Instant.parse("2025-03-01T12:00:00Z"))))
                    .retrieve(unknown, CTX, 50, store);
            assertArrayEquals(Arrays.copyOf(store, m), Arrays.copyOf(scan, n));
        }
    }

    @Test
    void aFailingScan_isAnsweredByTheStandbyIvf_untilItAnswersAgain() throws Exception {
        FailingScan failing = new FailingScan(
                new CpuInventoryScan(ScanAdIndex.dim(TOWER), WORLD.ads().size() + 100_000));
        IvfAdIndex standby = standby();
        try (ScanAdIndex index = ScanAdIndex.open(standby, TOWER, budget, (dim, capacity) -> failing)) {
            User user = WORLD.user(3);
            int[] out = new int[100];
            int[] ivf = new int[100];
            failing.fail = true;
            int n = index.retrieve(user, CTX, 100, out);
            int m = standby.retrieve(user, CTX, 100, ivf);
            assertArrayEquals(Arrays.copyOf(ivf, m), Arrays.copyOf(out, n), "the IVF's answer");
            failing.fail = false;
            n = index.retrieve(user, CTX, 100, out);
            assertArrayEquals(exact(index, user, 100), Arrays.copyOf(out, n));
        }
    }

    /** A scan whose every search waits for {@code release}: a hung device. */
    private static DelegatingScan hungUntil(CountDownLatch release) {
        return new DelegatingScan(new CpuInventoryScan(ScanAdIndex.dim(TOWER), 200_000)) {
            @Override
            public int[] search(
                    int from, float[][] queries, AdFilter[] filters, BitSet exhausted, int k, long[][] out) {
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return inner().search(from, queries, filters, exhausted, k, out);
            }
        };
    }

    /** After a call the scan does not answer in time, requests skip it for a rest instead of each waiting it out. */
    @Test
    void afterALateCall_requestsSkipTheScanForARest_andGoToTheStandbyAtOnce() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        DelegatingScan hung = hungUntil(release);
        IvfAdIndex standby = standby();
        try (ScanAdIndex index =
                ScanAdIndex.open(standby, TOWER, budget, (dim, capacity) -> hung, Duration.ofMillis(50))) {
            Audience audience = Audience.of(WORLD.user(3));
            Executor cpu = Runnable::run;
            int[] out = new int[100];
            int n = index.retrieveLater(audience, CTX, 100, out, cpu)
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS); // the standby's, after the scan's 50 ms
            int[] ivf = new int[100];
            int m = standby.retrieve(audience, CTX, 100, ivf);
            assertArrayEquals(Arrays.copyOf(ivf, m), Arrays.copyOf(out, n));

            CompletableFuture<Integer> next =
                    index.retrieveLater(audience, CTX, 100, out, cpu).toCompletableFuture();
            assertTrue(next.isDone(), "the next is the standby's at once: the scan rests");
            assertArrayEquals(Arrays.copyOf(ivf, m), Arrays.copyOf(out, next.get()));
            assertEquals(Duration.ofSeconds(1), index.rest());
            release.countDown();
        }
    }

    /** Calls in flight when the device stalls time out together: one rest of 1 s for them, not one doubling each. */
    @Test
    void callsTimingOutTogether_beginOneRest() throws Exception {
        CountDownLatch release = new CountDownLatch(1);
        DelegatingScan hung = hungUntil(release);
        try (ScanAdIndex index =
                ScanAdIndex.open(standby(), TOWER, budget, (dim, capacity) -> hung, Duration.ofMillis(50))) {
            List<CompletableFuture<Integer>> inFlight = new ArrayList<>();
            for (int u = 0; u < 6; u++) {
                inFlight.add(index.retrieveLater(Audience.of(WORLD.user(u)), CTX, 100, new int[100], Runnable::run)
                        .toCompletableFuture());
            }
            for (CompletableFuture<Integer> f : inFlight) {
                f.get(10, TimeUnit.SECONDS);
            }
            assertEquals(Duration.ofSeconds(1), index.rest());
            release.countDown();
        }
    }

    /**
     * Retrieval for a caller that must not wait: the same ids as the blocking call, answered off the caller's thread;
     * when the scan fails, the standby's answer, searched on the executor the caller gave and nowhere else.
     */
    @Test
    void retrieveLater_answersAsRetrieve_andFallsBackOnTheCallersExecutor() throws Exception {
        FailingScan failing = new FailingScan(
                new CpuInventoryScan(ScanAdIndex.dim(TOWER), WORLD.ads().size() + 100_000));
        IvfAdIndex standby = standby();
        // A timeout no pause of a busy test machine reaches: every answer here is the scan's or the fallback's by
        // design.
        try (ScanAdIndex index =
                ScanAdIndex.open(standby, TOWER, budget, (dim, capacity) -> failing, Duration.ofSeconds(10))) {
            List<Runnable> given = new CopyOnWriteArrayList<>();
            Executor cpu = task -> {
                given.add(task);
                task.run();
            };
            for (int u = 0; u < 40; u++) {
                Audience audience = Audience.of(WORLD.user(u));
                int[] later = new int[100];
                int n = index.retrieveLater(audience, CTX, 100, later, cpu)
                        .toCompletableFuture()
                        .get(10, TimeUnit.SECONDS);
                int[] now = new int[100];
                int m = index.retrieve(audience, CTX, 100, now);
                assertArrayEquals(Arrays.copyOf(now, m), Arrays.copyOf(later, n), "user " + u);
            }
            assertTrue(given.isEmpty(), "a scan that answers needs no CPU thread of the caller's");

            failing.fail = true;
            Audience audience = Audience.of(WORLD.user(3));
            int[] out = new int[100];
            int n = index.retrieveLater(audience, CTX, 100, out, cpu)
                    .toCompletableFuture()
                    .get(10, TimeUnit.SECONDS);
            int[] ivf = new int[100];
            int m = standby.retrieve(audience, CTX, 100, ivf);
            assertArrayEquals(Arrays.copyOf(ivf, m), Arrays.copyOf(out, n), "the IVF's answer");
            assertEquals(1, given.size(), "the fallback searched on the caller's executor");
            assertThrows(
                    IllegalArgumentException.class,
                    () -> index.retrieveLater(audience, CTX, 101, out, cpu),
                    "a bad argument fails in the caller's thread");
        }
    }

    /**
     * The new ad that finds the scan full is served at once from the store, and the scan is rewritten in the background
     * with room for as many again, that ad included; retrieval then reads the new scan.
     */
    @Test
    void aNewAdPastTheScansRoom_growsIt() throws Exception {
        List<InventoryScan> opened = new CopyOnWriteArrayList<>();
        try (ScanAdIndex index = ScanAdIndex.open(standby(), TOWER, budget, (dim, capacity) -> {
            InventoryScan scan = new CpuInventoryScan(ScanAdIndex.dim(TOWER), capacity);
            opened.add(scan);
            return scan;
        })) {
            User user = WORLD.user(13);
            int past = index.scan().capacity();
            Campaign everybody = everybody();
            float[] like = far(user);
            index.upsert(new Ad(past, everybody.id(), 3, 0, like), everybody);
            int[] out = new int[10];
            long until = System.nanoTime() + 10_000_000_000L;
            while (opened.size() < 2 || index.scan() != opened.get(1)) {
                index.retrieve(user, CTX, 10, out);
                assertEquals(past, out[0], "served from the store meanwhile");
                assertTrue(System.nanoTime() < until, "the full scan was not rewritten in 10 s");
                Thread.sleep(10);
            }
            assertTrue(
                    index.scan().capacity() > past, "room grew: " + index.scan().capacity());
            int n = index.retrieve(user, CTX, 10, out);
            assertEquals(10, n);
            assertEquals(past, out[0], "the new scan holds the ad");
        }
    }

    /**
     * A write the scan refuses (its device quarantined) leaves the scan behind the store: retrieval goes to the IVF,
     * and the scan is rewritten from the store, the refused write included.
     */
    @Test
    void aRefusedWrite_sendsRetrievalToTheIvf_untilTheScanIsRewritten() throws Exception {
        List<FailingScan> opened = new CopyOnWriteArrayList<>();
        try (ScanAdIndex index = ScanAdIndex.open(standby(), TOWER, budget, (dim, capacity) -> {
            FailingScan scan = new FailingScan(new CpuInventoryScan(ScanAdIndex.dim(TOWER), capacity));
            opened.add(scan);
            return scan;
        })) {
            User user = WORLD.user(5);
            int[] out = new int[20];
            assertTrue(index.retrieve(user, CTX, 20, out) > 0);
            int first = out[0];
            opened.get(0).refuseWrites = true;
            assertTrue(index.setPaused(first, true), "the store takes the pause");
            long until = System.nanoTime() + 10_000_000_000L;
            while (opened.size() < 2 || index.scan() != opened.get(1)) {
                index.retrieve(user, CTX, 20, out); // on the IVF meanwhile; starts the rewrite
                assertTrue(System.nanoTime() < until, "the scan was not rewritten in 10 s");
                Thread.sleep(10);
            }
            int n = index.retrieve(user, CTX, 20, out);
            assertTrue(n > 0);
            assertFalse(Arrays.stream(out, 0, n).anyMatch(a -> a == first), "the refused pause holds in the new scan");
            assertArrayEquals(exact(index, user, 20), Arrays.copyOf(out, n));
        }
    }

    /**
     * A scan that loses its ads (as a GPU's after a context rebuild) is replaced in the background with every ad of the
     * store, an ad written and one paused before the loss included, and retrieval reads the new one.
     */
    @Test
    void aLostScan_isReplacedWithTheStoresAds_andRetrievalReadsItAgain() throws Exception {
        List<FailingScan> opened = new CopyOnWriteArrayList<>();
        try (ScanAdIndex index = ScanAdIndex.open(standby(), TOWER, budget, (dim, capacity) -> {
            FailingScan scan = new FailingScan(new CpuInventoryScan(ScanAdIndex.dim(TOWER), capacity));
            opened.add(scan);
            return scan;
        })) {
            User user = WORLD.user(11);
            int[] out = new int[50];
            int id = WORLD.ads().size() + 3;
            Campaign everybody = everybody();
            float[] like = far(user);
            index.upsert(new Ad(id, everybody.id(), 3, 0, like), everybody);
            index.retrieve(user, CTX, 50, out);
            int second = out[1];
            assertTrue(index.setPaused(second, true));
            int[] before = Arrays.copyOf(out, index.retrieve(user, CTX, 50, out));

            opened.get(0).fail = true;
            opened.get(0).lost = true;
            index.retrieve(user, CTX, 50, out); // answered from the store, and the scan replaced meanwhile
            long until = System.nanoTime() + 10_000_000_000L;
            while (opened.size() < 2 || index.scan() == opened.get(0)) {
                assertTrue(System.nanoTime() < until, "the lost scan was not replaced in 10 s");
                Thread.sleep(10);
            }
            assertEquals(WORLD.ads().size() + 4, index.scan().size(), "every ad, the written one too");
            int n = index.retrieve(user, CTX, 50, out);
            assertArrayEquals(before, Arrays.copyOf(out, n), "the same answer from the new scan, pause kept");
            assertEquals(id, out[0]);
        }
    }

    private static final class FailingScan extends DelegatingScan {
        volatile boolean fail;
        volatile boolean lost;
        volatile boolean refuseWrites;

        @Override
        public boolean lost() {
            return lost;
        }

        FailingScan(CpuInventoryScan inner) {
            super(inner);
        }

        @Override
        public int[] search(int from, float[][] queries, AdFilter[] filters, BitSet exhausted, int k, long[][] out) {
            if (fail) {
                throw new IllegalStateException("gpu0 is unhealthy");
            }
            return inner.search(from, queries, filters, exhausted, k, out);
        }

        @Override
        public void write(InventoryRows rows) {
            if (refuseWrites) {
                throw new IllegalStateException("gpu0 is unhealthy");
            }
            inner.write(rows);
        }

        @Override
        public void setPaused(int position, boolean paused) {
            if (refuseWrites) {
                throw new IllegalStateException("gpu0 is unhealthy");
            }
            inner.setPaused(position, paused);
        }

        @Override
        public void setPriors(float[] priors) {
            if (refuseWrites) {
                throw new IllegalStateException("gpu0 is unhealthy");
            }
            inner.setPriors(priors);
        }
    }
}
