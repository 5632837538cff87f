package adsml.platform.index.ann;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.offline.generator.InventoryGenerator;
import adsml.platform.offline.generator.InventoryGenerator.Query;
import adsml.platform.offline.generator.InventoryGenerator.Space;
import adsml.platform.testing.DelegatingScan;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class ScanBatcherTest {
    private static final Space SPACE = new Space(16, 4);
    private static final VectorAds INVENTORY = InventoryGenerator.ads(2, 3_000, SPACE);
    private static final List<Query> QUERIES = InventoryGenerator.queries(2, 3, 12, SPACE, 0.3);

    /** A scan whose first call waits for a latch, counting calls and requests. */
    private static final class HeldScan extends DelegatingScan {
        final CountDownLatch entered = new CountDownLatch(1);
        final CountDownLatch release = new CountDownLatch(1);
        final List<Integer> callSizes = new ArrayList<>();
        final AtomicInteger calls = new AtomicInteger();
        volatile RuntimeException failure;
        /** Thrown by the second call (the one after the held first). */
        volatile Error secondCallError;

        HeldScan() {
            super(new CpuInventoryScan(SPACE.dim(), 3_000));
            inner.write(InventoryRows.of(INVENTORY, new float[3_000]));
        }

        @Override
        public int[] search(int from, float[][] queries, AdFilter[] filters, BitSet exhausted, int k, long[][] out) {
            int call = calls.getAndIncrement();
            if (call == 1 && secondCallError != null) {
                throw secondCallError;
            }
            if (call == 0) {
                entered.countDown();
                try {
                    release.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            synchronized (callSizes) {
                callSizes.add(queries.length);
            }
            if (failure != null) {
                throw failure;
            }
            return inner.search(from, queries, filters, exhausted, k, out);
        }
    }

    @Test
    void requestsArrivingWhileTheScanWorks_rideTheNextCallTogether_withTheAnswersOfADirectSearch() throws Exception {
        HeldScan scan = new HeldScan();
        try (ScanBatcher batcher = new ScanBatcher(scan, BitSet::new, "test-scan")) {
            CompletableFuture<ScanBatcher.Found> first =
                    batcher.submit(0, QUERIES.get(0).embedding(), QUERIES.get(0).filter(), 50);
            assertTrue(scan.entered.await(5, TimeUnit.SECONDS));
            List<CompletableFuture<ScanBatcher.Found>> rest = new ArrayList<>();
            for (int i = 1; i < QUERIES.size(); i++) {
                // Different k per request: each gets its own, the call asks for the largest.
                rest.add(batcher.submit(
                        0, QUERIES.get(i).embedding(), QUERIES.get(i).filter(), 10 * i));
            }
            scan.release.countDown();
            first.get(5, TimeUnit.SECONDS);
            for (int i = 1; i < QUERIES.size(); i++) {
                ScanBatcher.Found found = rest.get(i - 1).get(5, TimeUnit.SECONDS);
                long[][] direct = new long[1][10 * i];
                int n = scan.inner()
                        .search(
                                new float[][] {QUERIES.get(i).embedding()},
                                new AdFilter[] {QUERIES.get(i).filter()},
                                new BitSet(),
                                10 * i,
                                direct)[0];
                assertEquals(n, found.count(), "request " + i);
                assertArrayEquals(Arrays.copyOf(direct[0], n), Arrays.copyOf(found.keys(), found.count()));
            }
            assertEquals(List.of(1, QUERIES.size() - 1), scan.callSizes, "one lone call, then one for the rest");
            assertEquals(QUERIES.size() / 2.0, batcher.meanRequestsPerCall(), 1e-9);
        }
    }

    /**
     * A tower's query and a light model's read different dimensions of the rows: they wait together but go in separate
     * calls, each answered over its own range.
     */
    @Test
    void requestsOfDifferentRanges_goInSeparateCalls_eachAnsweredOverItsRange() throws Exception {
        HeldScan scan = new HeldScan();
        try (ScanBatcher batcher = new ScanBatcher(scan, BitSet::new, "test-scan")) {
            CompletableFuture<ScanBatcher.Found> first =
                    batcher.submit(0, QUERIES.get(0).embedding(), QUERIES.get(0).filter(), 5);
            assertTrue(scan.entered.await(5, TimeUnit.SECONDS));
            int[] from = {0, 5, 0};
            float[][] queries = {
                Arrays.copyOf(QUERIES.get(1).embedding(), 5),
                Arrays.copyOfRange(QUERIES.get(2).embedding(), 5, SPACE.dim()),
                Arrays.copyOf(QUERIES.get(3).embedding(), 5)
            };
            List<CompletableFuture<ScanBatcher.Found>> answers = new ArrayList<>();
            for (int i = 0; i < queries.length; i++) {
                answers.add(
                        batcher.submit(from[i], queries[i], QUERIES.get(i + 1).filter(), 30));
            }
            scan.release.countDown();
            first.get(5, TimeUnit.SECONDS);
            for (int i = 0; i < queries.length; i++) {
                ScanBatcher.Found found = answers.get(i).get(5, TimeUnit.SECONDS);
                long[][] direct = new long[1][30];
                int n = scan.inner()
                        .search(
                                from[i],
                                new float[][] {queries[i]},
                                new AdFilter[] {QUERIES.get(i + 1).filter()},
                                new BitSet(),
                                30,
                                direct)[0];
                assertEquals(n, found.count(), "request " + i);
                assertArrayEquals(Arrays.copyOf(direct[0], n), Arrays.copyOf(found.keys(), found.count()));
            }
            assertEquals(List.of(1, 2, 1), scan.callSizes, "the first, then the two heads, then the tail");
        }
    }

    /**
     * An Error in one range's call ends the batcher: that call's requests fail with it, the other range's waiting in
     * the same batch with "stopped", and none is left waiting.
     */
    @Test
    void anErrorInOneRangesCall_failsTheOtherRangesRequestsToo() throws Exception {
        HeldScan scan = new HeldScan();
        scan.secondCallError = new InternalError("a simulated driver failure");
        try (ScanBatcher batcher = new ScanBatcher(scan, BitSet::new, "test-scan")) {
            CompletableFuture<ScanBatcher.Found> first =
                    batcher.submit(0, QUERIES.get(0).embedding(), QUERIES.get(0).filter(), 5);
            assertTrue(scan.entered.await(5, TimeUnit.SECONDS));
            CompletableFuture<ScanBatcher.Found> head = batcher.submit(
                    0,
                    Arrays.copyOf(QUERIES.get(1).embedding(), 5),
                    QUERIES.get(1).filter(),
                    5);
            CompletableFuture<ScanBatcher.Found> tail = batcher.submit(
                    5,
                    Arrays.copyOfRange(QUERIES.get(2).embedding(), 5, SPACE.dim()),
                    QUERIES.get(2).filter(),
                    5);
            scan.release.countDown();
            first.get(5, TimeUnit.SECONDS);
            ExecutionException headFailed = assertThrows(ExecutionException.class, () -> head.get(5, TimeUnit.SECONDS));
            assertInstanceOf(InternalError.class, headFailed.getCause());
            ExecutionException tailFailed = assertThrows(ExecutionException.class, () -> tail.get(5, TimeUnit.SECONDS));
            assertInstanceOf(IllegalStateException.class, tailFailed.getCause());
        }
    }

    /** A caller that waits past its timeout gets an error and answers otherwise; its request is not searched. */
    @Test
    void aCallerThatTimesOut_isRefusedAtOnce_andTheBatcherGoesOn() throws Exception {
        HeldScan scan = new HeldScan();
        try (ScanBatcher batcher = new ScanBatcher(scan, BitSet::new, "test-scan")) {
            CompletableFuture<ScanBatcher.Found> first =
                    batcher.submit(0, QUERIES.get(0).embedding(), QUERIES.get(0).filter(), 5);
            assertTrue(scan.entered.await(5, TimeUnit.SECONDS));
            IllegalStateException late = assertThrows(
                    IllegalStateException.class,
                    () -> batcher.search(
                            0, QUERIES.get(1).embedding(), QUERIES.get(1).filter(), 5, Duration.ofMillis(50)));
            assertTrue(late.getMessage().contains("did not answer within 50 ms"), late.getMessage());
            scan.release.countDown();
            first.get(5, TimeUnit.SECONDS);
            assertTrue(
                    batcher.search(0, QUERIES.get(2).embedding(), QUERIES.get(2).filter(), 5, Duration.ofSeconds(5))
                                    .count()
                            > 0);
            assertEquals(List.of(1, 1), scan.callSizes, "the abandoned request was not searched");
        }
    }

    @Test
    void aFailingScanFailsItsCallsRequests_theNextCallTriesAgain_andCloseFailsTheWaiting() throws Exception {
        HeldScan scan = new HeldScan();
        scan.release.countDown();
        scan.failure = new IllegalStateException("device lost");
        ScanBatcher batcher = new ScanBatcher(scan, BitSet::new, "test-scan");
        ExecutionException failed = assertThrows(
                ExecutionException.class,
                () -> batcher.submit(
                                0, QUERIES.get(0).embedding(), QUERIES.get(0).filter(), 5)
                        .get(5, TimeUnit.SECONDS));
        assertEquals("device lost", failed.getCause().getMessage());
        scan.failure = null;
        assertTrue(batcher.search(0, QUERIES.get(1).embedding(), QUERIES.get(1).filter(), 5, Duration.ofSeconds(5))
                        .count()
                >= 0);
        assertThrows(
                IllegalArgumentException.class,
                () -> batcher.submit(SPACE.dim() - 2, new float[3], AdFilter.UNKNOWN, 5));
        assertThrows(IllegalArgumentException.class, () -> batcher.submit(0, new float[0], AdFilter.UNKNOWN, 5));
        assertThrows(
                IllegalArgumentException.class,
                () -> batcher.submit(0, QUERIES.get(0).embedding(), AdFilter.UNKNOWN, InventoryScan.MAX_K + 1));
        batcher.close();
        ExecutionException closed = assertThrows(
                ExecutionException.class,
                () -> batcher.submit(0, QUERIES.get(0).embedding(), AdFilter.UNKNOWN, 5)
                        .get(5, TimeUnit.SECONDS));
        assertInstanceOf(IllegalStateException.class, closed.getCause());
    }
}
