package adsml.platform.featurelog;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import adsml.platform.features.FeatureSchema;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.stream.Stream;

/** A small feature set, rows of it, and the waits that the writer's thread needs. */
final class LogFixtures {
    static final FeatureSchema SCHEMA = new FeatureSchema(
            "testset",
            List.of(new FeatureSchema.Slot("user_bucket", 10), new FeatureSchema.Slot("ad_category", 5)),
            List.of("ad_ctr_1h", "user_age", "bid"));

    private LogFixtures() {}

    /** {@code n} rows of request {@code requestId}, ad {@code firstAd + i} at position {@code i}. */
    static ServedRows rows(String requestId, int firstAd, int n, long servedAtMs) {
        ServedRows rows = new ServedRows(SCHEMA, n);
        for (int i = 0; i < n; i++) {
            rows.add(
                    requestId,
                    "user-" + requestId,
                    firstAd + i,
                    i,
                    "v1",
                    servedAtMs,
                    AuctionFacts.UNKNOWN,
                    new int[] {i % 10, 10 + i % 5},
                    0,
                    new float[] {0.01f * i, 30f + i, 1.5f},
                    0);
        }
        return rows;
    }

    /** Polls {@code condition} until it holds, for at most ten seconds. */
    static void await(String what, BooleanSupplier condition) {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                fail("waited 10 s for " + what);
            }
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail("interrupted waiting for " + what);
            }
        }
    }

    /** The names in {@code dir} that start with {@code prefix}, sorted. */
    static List<String> names(Path dir, String prefix) {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.startsWith(prefix))
                    .sorted()
                    .toList();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static void assertSameRow(ServedRows want, int wantRow, ServedRows got, int gotRow) {
        String at = "row " + gotRow;
        assertEquals(want.requestId(wantRow), got.requestId(gotRow), at);
        assertEquals(want.userId(wantRow), got.userId(gotRow), at);
        assertEquals(want.adId(wantRow), got.adId(gotRow), at);
        assertEquals(want.position(wantRow), got.position(gotRow), at);
        assertEquals(want.modelVersion(wantRow), got.modelVersion(gotRow), at);
        assertEquals(want.servedAtMs(wantRow), got.servedAtMs(gotRow), at);
        assertEquals(want.auction(wantRow), got.auction(gotRow), at + " auction facts");
        for (int s = 0; s < SCHEMA.sparseSlots(); s++) {
            assertEquals(want.sparse(wantRow, s), got.sparse(gotRow, s), at + " slot " + s);
        }
        for (int d = 0; d < SCHEMA.denseDims(); d++) {
            assertEquals(
                    Float.floatToRawIntBits(want.dense(wantRow, d)),
                    Float.floatToRawIntBits(got.dense(gotRow, d)),
                    at + " dense " + d);
        }
    }
}
