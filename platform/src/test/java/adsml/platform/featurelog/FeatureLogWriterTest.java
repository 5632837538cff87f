package adsml.platform.featurelog;

import static adsml.platform.featurelog.LogFixtures.SCHEMA;
import static adsml.platform.featurelog.LogFixtures.assertSameRow;
import static adsml.platform.featurelog.LogFixtures.await;
import static adsml.platform.featurelog.LogFixtures.names;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.testing.FakeClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FeatureLogWriterTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");

    @TempDir
    Path root;

    private final FakeClock clock = new FakeClock(T0);

    private FeatureLogWriter writer(Duration maxAge, long maxBytes, int maxQueued) {
        return new FeatureLogWriter(root, SCHEMA, new FeatureLogSettings(maxAge, maxBytes, maxQueued), clock);
    }

    private Path dir() {
        return root.resolve(SCHEMA.name());
    }

    private ServedRows readAll() throws IOException {
        List<ServedRows> parts = new ArrayList<>();
        int n = 0;
        for (String name : names(dir(), "served-")) {
            ServedRows part = ServedRowsReader.read(dir().resolve(name), SCHEMA);
            parts.add(part);
            n += part.rows();
        }
        ServedRows all = new ServedRows(SCHEMA, n);
        for (ServedRows part : parts) {
            for (int r = 0; r < part.rows(); r++) {
                all.add(
                        part.requestId(r),
                        part.userId(r),
                        part.adId(r),
                        part.position(r),
                        part.modelVersion(r),
                        part.servedAtMs(r),
                        part.auction(r),
                        part.sparse(),
                        r * SCHEMA.sparseSlots(),
                        part.dense(),
                        r * SCHEMA.denseDims());
            }
        }
        return all;
    }

    @Test
    void close_leavesACompleteFileOfEveryRowAppended() throws IOException {
        ServedRows a = LogFixtures.rows("req-a", 1, 3, 1000);
        ServedRows b = LogFixtures.rows("req-b", 7, 4, 2000);
        try (FeatureLogWriter log = writer(Duration.ofMinutes(1), 64 << 20, 8)) {
            assertTrue(log.append(a));
            assertTrue(log.append(b));
        }

        ServedRows read = readAll();
        assertEquals(List.of("served-" + T0.toEpochMilli() + "-0.parquet"), names(dir(), ""));
        assertEquals(7, read.rows());
        for (int r = 0; r < 3; r++) {
            assertSameRow(a, r, read, r);
        }
        for (int r = 0; r < 4; r++) {
            assertSameRow(b, r, read, 3 + r);
        }
    }

    @Test
    void append_rotatesIntoAnotherFileOnceAFileReachesMaxBytes() throws IOException {
        FeatureLogWriter log = writer(Duration.ofMinutes(1), 1, 8);
        for (int i = 0; i < 3; i++) {
            log.append(LogFixtures.rows("req-" + i, 10 * i, 2, 1000 + i));
        }
        log.close();

        assertEquals(3, names(dir(), "served-").size());
        assertEquals(3, log.stats().files());
        ServedRows read = readAll();
        assertEquals(6, read.rows());
        assertEquals("req-2", read.requestId(5));
        assertEquals(
                names(dir(), "served-").stream()
                        .mapToLong(n -> dir().resolve(n).toFile().length())
                        .sum(),
                log.stats().bytesWritten());
    }

    @Test
    void aFileIsCompletedWhenItsAgePassesEvenWithoutNewRows() {
        try (FeatureLogWriter log = writer(Duration.ofSeconds(15), 64 << 20, 8)) {
            log.append(LogFixtures.rows("req-a", 1, 3, 1000));
            await("the rows to reach the open file", () -> log.stats().rowsOpen() == 3);
            clock.advance(Duration.ofSeconds(14));
            assertEquals(0, log.stats().files(), "a file 14 s old stays open");

            clock.advance(Duration.ofSeconds(1));

            await("the file to be completed", () -> log.stats().files() == 1);
            assertEquals(3, log.stats().rowsWritten());
            assertEquals(0, log.stats().rowsOpen());
            assertEquals(1, names(dir(), "served-").size());
        }
    }

    @Test
    void anOpenFileHasAHiddenTemporaryNameUntilComplete() {
        try (FeatureLogWriter log = writer(Duration.ofSeconds(15), 64 << 20, 8)) {
            log.append(LogFixtures.rows("req-a", 1, 3, 1000));
            await("the rows to reach the open file", () -> log.stats().rowsOpen() == 3);

            assertEquals(List.of(".served-" + T0.toEpochMilli() + "-0.parquet.tmp"), names(dir(), ""));

            clock.advance(Duration.ofSeconds(15));
            await("the file to be completed", () -> log.stats().files() == 1);
            assertEquals(List.of("served-" + T0.toEpochMilli() + "-0.parquet"), names(dir(), ""));
        }
    }

    @Test
    void start_deletesTemporaryFilesLeftByACrash() throws IOException {
        Files.createDirectories(dir());
        Path leftover = Files.writeString(dir().resolve(".served-5-0.parquet.tmp"), "half a file");
        Path complete = Files.writeString(dir().resolve("served-4-0.parquet"), "someone else's");

        try (FeatureLogWriter log = writer(Duration.ofSeconds(15), 64 << 20, 8)) {
            await("the leftover to be deleted", () -> !Files.exists(leftover));
            assertEquals(List.of("served-4-0.parquet"), names(log.directory(), ""));
        }
        assertTrue(Files.exists(complete), "complete files are kept");
    }

    @Test
    void append_dropsAndCountsBatchesWithoutWaitingWhenTheQueueIsFull() throws Exception {
        CountDownLatch disk = new CountDownLatch(1);
        // The writer thread reads the clock when it opens a file: holding the clock holds the writer, as a slow disk
        // would.
        Clock slowDisk = new Clock() {
            @Override
            public Instant instant() {
                try {
                    disk.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                return clock.instant();
            }

            @Override
            public ZoneId getZone() {
                return clock.getZone();
            }

            @Override
            public Clock withZone(ZoneId zone) {
                throw new UnsupportedOperationException();
            }
        };
        FeatureLogWriter log = new FeatureLogWriter(
                root, SCHEMA, new FeatureLogSettings(Duration.ofMinutes(1), 64 << 20, 2), slowDisk);
        int accepted = 0;
        long start = System.nanoTime();
        for (int i = 0; i < 50; i++) {
            if (log.append(LogFixtures.rows("req-" + i, i, 2, 1000))) {
                accepted++;
            }
        }
        long appendNanos = System.nanoTime() - start;

        disk.countDown();
        log.close();

        assertTrue(accepted <= 3, "at most one batch being written and two queued, was " + accepted);
        assertTrue(appendNanos < Duration.ofSeconds(1).toNanos(), "50 appends took " + appendNanos / 1_000_000 + " ms");
        FeatureLogStats stats = log.stats();
        assertEquals(50 - accepted, stats.droppedBatches());
        assertEquals(2L * accepted, stats.rowsWritten());
    }

    @Test
    void aDirectoryThatCannotBeWrittenFailsBatchesQuietlyAndTheLogRecovers() throws IOException {
        // A plain file where the feature set's folder should be: no user, root included, can write under it.
        Files.writeString(dir(), "in the way");
        try (FeatureLogWriter log = writer(Duration.ofSeconds(15), 64 << 20, 8)) {
            assertTrue(log.append(LogFixtures.rows("req-a", 1, 3, 1000)));
            await("the failure to be counted", () -> log.stats().failedBatches() == 1);
            assertFalse(log.stats().lastError().isEmpty());

            Files.delete(dir());
            assertTrue(log.append(LogFixtures.rows("req-b", 1, 4, 2000)));
            await("the rows to reach a new file", () -> log.stats().rowsOpen() == 4);
            clock.advance(Duration.ofSeconds(15));
            await("the next file to be completed", () -> log.stats().files() == 1);
        }
        ServedRows read = readAll();
        assertEquals(4, read.rows());
        assertEquals("req-b", read.requestId(0));
    }

    @Test
    void append_afterClose_isDroppedAndCounted() {
        FeatureLogWriter log = writer(Duration.ofSeconds(15), 64 << 20, 8);
        log.close();

        assertFalse(log.append(LogFixtures.rows("req-a", 1, 3, 1000)));
        assertEquals(1, log.stats().droppedBatches());
    }

    @Test
    void stats_rowsPerSecondFollowsTheAppendRate() {
        try (FeatureLogWriter log = writer(Duration.ofMinutes(10), 64 << 20, 64)) {
            for (int s = 0; s < 60; s++) {
                ServedRows batch = LogFixtures.rows("req-" + s, 1, 10, 1000);
                log.append(batch);
                int second = s;
                await("second " + s + " to be written", () -> log.stats().rowsOpen() == 10L * (second + 1));
                clock.advance(Duration.ofSeconds(1));
            }
            double steady = log.stats().rowsPerSecond();
            clock.advance(Duration.ofMinutes(1));
            double idle = log.stats().rowsPerSecond();

            assertEquals(10.0, steady, 1.0);
            assertTrue(idle < 0.1, "a minute idle reads " + idle + " rows/s");
        }
    }
}
