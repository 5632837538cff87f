package adsml.platform.featurelog;

import static adsml.platform.featurelog.LogFixtures.SCHEMA;
import static adsml.platform.featurelog.LogFixtures.assertSameRow;
import static adsml.platform.featurelog.LogFixtures.names;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import adsml.platform.featurelog.LabelEvent.Type;
import adsml.platform.testing.FakeClock;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ExampleJoinTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final long SERVED = T0.toEpochMilli();
    private static final Duration WINDOW = Duration.ofHours(1);

    @TempDir
    Path root;

    private final FakeClock clock = new FakeClock(T0);
    private ServedRows served;

    /** req-1 shows ads 11 and 12 and samples 13 unshown; req-2 shows ad 11. */
    @BeforeEach
    void logOneFile() {
        served = new ServedRows(SCHEMA, 4);
        int[] sparse = {1, 2};
        float[] dense = {0.5f, 0.25f, 2f};
        served.add("req-1", "u1", 11, 0, "v1", SERVED, AuctionFacts.UNKNOWN, sparse, 0, dense, 0);
        served.add("req-1", "u1", 12, 1, "v1", SERVED, AuctionFacts.UNKNOWN, sparse, 0, dense, 0);
        served.add("req-1", "u1", 13, ServedRows.NOT_SHOWN, "v1", SERVED, AuctionFacts.UNKNOWN, sparse, 0, dense, 0);
        served.add("req-2", "u2", 11, 0, "v1", SERVED + 1000, AuctionFacts.UNKNOWN, sparse, 0, dense, 0);
        try (FeatureLogWriter log = new FeatureLogWriter(
                root, SCHEMA, new FeatureLogSettings(Duration.ofSeconds(15), 64 << 20, 8), clock)) {
            log.append(served);
        }
    }

    private static LabelEvent click(String request, int ad, long atMs) {
        return new LabelEvent(Type.CLICK, request, ad, atMs);
    }

    private static LabelEvent conversion(String request, int ad, long atMs) {
        return new LabelEvent(Type.CONVERSION, request, ad, atMs);
    }

    private ExampleJoin join() {
        return new ExampleJoin(root, SCHEMA, WINDOW, clock);
    }

    private Path examplesFile() {
        return root.resolve(SCHEMA.name()).resolve("examples-" + SERVED + "-0.parquet");
    }

    @Test
    void run_labelsEachRowByItsRequestAndAdWithinTheWindow() throws IOException {
        List<LabelEvent> events = List.of(
                click("req-1", 11, SERVED + 10_000),
                conversion("req-1", 11, SERVED + Duration.ofMinutes(59).toMillis()), // late, still inside
                click("req-1", 12, SERVED + Duration.ofMinutes(61).toMillis()), // outside the window
                click("req-1", 13, SERVED + 20_000), // a row not shown cannot be clicked
                click("req-2", 11, SERVED + 5_000),
                click("req-2", 11, SERVED + 6_000), // a duplicate
                conversion("req-2", 11, SERVED - 1_000), // before the row was served
                click("req-2", 12, SERVED + 5_000), // ad 12 was shown for req-1, not req-2
                click("req-9", 11, SERVED + 5_000)); // another request
        clock.advance(WINDOW.plusSeconds(2));

        ExampleJoin.Report report = join().run((from, to) -> events);

        assertEquals(new ExampleJoin.Report(1, 4, 0, 0, 0), report);
        TrainingExamples examples = ServedRowsReader.readExamples(examplesFile(), SCHEMA);
        assertArrayEquals(new boolean[] {true, false, false, true}, examples.click());
        assertArrayEquals(new boolean[] {true, false, false, false}, examples.conversion());
        assertEquals(4, examples.rows().rows());
        for (int r = 0; r < 4; r++) {
            assertSameRow(served, r, examples.rows(), r);
        }
    }

    @Test
    void run_leavesAFileUntilItsNewestRowsWindowHasClosed() throws IOException {
        clock.advance(Duration.ofMinutes(30));

        ExampleJoin.Report early = join().run((from, to) -> List.of(click("req-1", 11, SERVED + 10_000)));

        assertEquals(new ExampleJoin.Report(0, 0, 1, 0, Duration.ofMinutes(30).toMillis()), early);
        assertEquals(List.of(), names(examplesFile().getParent(), "examples-"));

        clock.advance(Duration.ofMinutes(30)); // req-2's row, served a second later, is still inside its window
        assertEquals(1, join().run((from, to) -> List.of()).pendingFiles());

        clock.advance(Duration.ofSeconds(2));
        ExampleJoin.Report late = join().run((from, to) -> List.of(click("req-1", 11, SERVED + 10_000)));

        assertEquals(new ExampleJoin.Report(1, 4, 0, 0, 0), late);
        assertArrayEquals(
                new boolean[] {true, false, false, false},
                ServedRowsReader.readExamples(examplesFile(), SCHEMA).click());
    }

    @Test
    void run_joinsEachServedFileOnce() throws IOException {
        clock.advance(WINDOW.plusSeconds(2));
        AtomicInteger asked = new AtomicInteger();
        LabelSource labels = (from, to) -> {
            asked.incrementAndGet();
            return List.of(click("req-1", 11, SERVED + 10_000));
        };
        join().run(labels);
        byte[] first = Files.readAllBytes(examplesFile());

        ExampleJoin.Report again = join().run(labels);

        assertEquals(new ExampleJoin.Report(0, 0, 0, 0, 0), again);
        assertEquals(1, asked.get());
        assertArrayEquals(first, Files.readAllBytes(examplesFile()));
    }

    @Test
    void run_asksForTheEventsFromTheFirstRowToTheLastRowsWindowEnd() throws IOException {
        clock.advance(WINDOW.plusSeconds(2));
        long[] asked = new long[2];

        join().run((from, to) -> {
            asked[0] = from;
            asked[1] = to;
            return List.of();
        });

        assertArrayEquals(new long[] {SERVED, SERVED + 1000 + WINDOW.toMillis()}, asked);
    }
}
