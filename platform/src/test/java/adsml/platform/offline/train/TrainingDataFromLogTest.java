package adsml.platform.offline.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import adsml.platform.domain.Vocab;
import adsml.platform.featurelog.AuctionFacts;
import adsml.platform.featurelog.ExampleJoin;
import adsml.platform.featurelog.FeatureLogSettings;
import adsml.platform.featurelog.FeatureLogWriter;
import adsml.platform.featurelog.LabelEvent;
import adsml.platform.featurelog.ServedRows;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import adsml.platform.testing.FakeClock;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TrainingDataFromLogTest {
    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final FeatureAssembly SET = FeatureSets.builtIn("demo-v4");

    @TempDir
    Path root;

    @Test
    void shownRows_readThePositionTheirAdWasShownIn_andNothingElseChanges() throws IOException {
        FeatureSchema schema = SET.schema();
        int position = SET.set().positionSlot();
        int offset = schema.offsets()[position];
        long served = T0.toEpochMilli();
        // Every candidate was scored at the top (position 0); ad 11 was shown second, ad 12 eighth (past the slots
        // the position feature tells apart: it reads the last one), ad 13 not at all.
        int[] sparse = new int[schema.sparseSlots()];
        for (int s = 0; s < sparse.length; s++) {
            sparse[s] = schema.offsets()[s];
        }
        float[] dense = new float[schema.denseDims()];
        ServedRows rows = new ServedRows(schema, 3);
        rows.add("r1", "u1", 11, 1, "ctr/1", served, AuctionFacts.UNKNOWN, sparse, 0, dense, 0);
        rows.add("r1", "u1", 12, 7, "ctr/1", served, AuctionFacts.UNKNOWN, sparse, 0, dense, 0);
        rows.add("r1", "u1", 13, ServedRows.NOT_SHOWN, "ctr/1", served, AuctionFacts.UNKNOWN, sparse, 0, dense, 0);
        FakeClock clock = new FakeClock(T0);
        try (FeatureLogWriter log = new FeatureLogWriter(
                root, schema, new FeatureLogSettings(Duration.ofSeconds(15), 64 << 20, 8), clock)) {
            log.append(rows);
        }
        clock.advance(Duration.ofHours(2));
        new ExampleJoin(root, schema, Duration.ofHours(1), clock)
                .run((from, to) -> List.of(new LabelEvent(LabelEvent.Type.CLICK, "r1", 12, served + 5_000)));

        TrainingData data = TrainingData.fromLog(root, SET);

        assertEquals(2, data.size(), "the row not shown is left out");
        assertArrayEquals(new boolean[] {false, true}, data.click());
        int slots = schema.sparseSlots();
        for (int r = 0; r < 2; r++) {
            for (int s = 0; s < slots; s++) {
                int expected = s == position ? offset + (r == 0 ? 1 : Vocab.MAX_POSITION - 1) : sparse[s];
                assertEquals(expected, data.features().sparse()[r * slots + s], "row " + r + ", slot " + s);
            }
        }
    }

    @Test
    void positionSlot_isTheIdSlotThatReadsContextPosition() {
        int declared = SET.set().sparse().stream().map(s -> s.name()).toList().indexOf("position");
        assertEquals(15, declared, "demo-v4 declares position as its 16th slot");
        assertEquals(declared, SET.set().positionSlot());
    }
}
