package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoopRoundsTest {
    private static LoopRounds.Round round(int hour, double ess, Double realized) {
        return new LoopRounds.Round(
                Instant.parse("2025-03-01T12:00:00Z"),
                hour,
                "ctr/" + (hour + 2),
                "ctr/1",
                4.2,
                3.9,
                4.5,
                4.0,
                ess,
                realized,
                1200,
                true,
                "estimated RPM 4.20 against ctr/1's 4.00");
    }

    @Test
    void keepsTheLastRounds_oldestFirst() {
        LoopRounds rounds = new LoopRounds();
        for (int i = 0; i < LoopRounds.MAX_ROUNDS + 5; i++) {
            rounds.add(round(i % 25, 300, 4.1));
        }
        assertEquals(LoopRounds.MAX_ROUNDS, rounds.list().size());
        assertEquals(5, rounds.list().get(0).hour(), "the 5 oldest went");
    }

    @Test
    void aRound_namesTheFieldThatIsWrong_andNaNMeansNotKnown() {
        assertNull(round(3, 300, Double.NaN).realizedRpm());
        LoopRounds.Round noInterval = new LoopRounds.Round(
                Instant.EPOCH, 1, "ctr/2", "ctr/1", 4.2, Double.NaN, 4.5, 4.0, 300, null, 0, false, "");
        assertNull(noInterval.estimatedRpmLow());
        assertNull(noInterval.estimatedRpmHigh());
        LoopRounds.Round unjudged = new LoopRounds.Round(
                Instant.EPOCH,
                1,
                "ctr/2",
                "ctr/1",
                Double.NaN,
                Double.NaN,
                Double.NaN,
                Double.NaN,
                0,
                null,
                0,
                false,
                "");
        assertNull(unjudged.estimatedRpm(), "no request to replay on");
        assertNull(unjudged.baselineLoggedRpm());
        var e = assertThrows(IllegalArgumentException.class, () -> round(25, 300, 4.1));
        assertTrue(e.getMessage().startsWith("hour"), e::getMessage);
        e = assertThrows(IllegalArgumentException.class, () -> round(3, -1, 4.1));
        assertTrue(e.getMessage().startsWith("ess"), e::getMessage);
        e = assertThrows(IllegalArgumentException.class, () -> round(3, 300, Double.POSITIVE_INFINITY));
        assertTrue(e.getMessage().startsWith("realizedRpm"), e::getMessage);
        e = assertThrows(
                IllegalArgumentException.class,
                () -> new LoopRounds.Round(
                        Instant.EPOCH, 1, "ctr/2", "ctr/1", 4.2, 3.9, null, 4.0, 300, null, 0, false, ""));
        assertTrue(e.getMessage().startsWith("estimatedRpmLow"), e::getMessage);
        assertThrows(IllegalArgumentException.class, () -> new LoopRounds().add(null));
    }
}
