package adsml.actors.events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class IdSetTest {
    @Test
    void holdsWhatWasAdded_acrossGrowth_andNothingElse() {
        IdSet ids = new IdSet();
        for (int i = 0; i < 100_000; i++) {
            ids.add(IdSet.hash("e" + i));
        }
        ids.add(IdSet.hash("e7")); // again: no second entry
        assertEquals(100_000, ids.size());
        for (int i = 0; i < 100_000; i++) {
            assertTrue(ids.contains(IdSet.hash("e" + i)), "e" + i);
        }
        for (int i = 100_000; i < 200_000; i++) {
            assertFalse(ids.contains(IdSet.hash("e" + i)), "e" + i + " was never added");
        }
    }

    @Test
    void theHashThatMarksAnEmptySlot_isStillAnId() {
        IdSet ids = new IdSet();
        assertFalse(ids.contains(0));
        ids.add(0);
        assertTrue(ids.contains(0));
        assertEquals(1, ids.size());
    }
}
