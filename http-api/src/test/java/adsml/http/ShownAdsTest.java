package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class ShownAdsTest {
    @Test
    void heldAds_answerTheirVersionAndPctr_othersNone() {
        ShownAds shown = new ShownAds(1024);
        long r1 = ShownAds.requestHash("boot-1");
        long r2 = ShownAds.requestHash("boot-2");
        shown.put(ShownAds.key(r1, 17), 1, 0.0123f, true);
        shown.put(ShownAds.key(r2, 17), ShownAds.MAX_VERSION, 0.5f, false);

        long first = shown.get(ShownAds.key(r1, 17));
        assertEquals(1, ShownAds.version(first));
        assertEquals(true, ShownAds.top(first));
        assertEquals(false, ShownAds.top(shown.get(ShownAds.key(r2, 17))));
        assertEquals(0.0123f, ShownAds.pCtr(first), 0.0123f * 0.004, "bfloat16: within 0.4%");
        assertEquals(ShownAds.MAX_VERSION, ShownAds.version(shown.get(ShownAds.key(r2, 17))));
        assertEquals(0.5f, ShownAds.pCtr(shown.get(ShownAds.key(r2, 17))), "a power of two is exact");
        assertEquals(ShownAds.NONE, shown.get(ShownAds.key(r1, 18)), "another ad of the request");
        assertEquals(ShownAds.NONE, shown.get(ShownAds.key(ShownAds.requestHash("boot-3"), 17)), "another request");
    }

    @Test
    void aFullTable_forgetsTheOldestFirst_andKeepsTheLatestCapacityMostly() {
        int capacity = 1 << 12;
        ShownAds shown = new ShownAds(capacity);
        int puts = 4 * capacity;
        for (int i = 0; i < puts; i++) {
            shown.put(ShownAds.key(ShownAds.requestHash("r" + i), 1), 3, 0.01f, i % 2 == 0);
        }
        int oldHeld = 0;
        for (int i = 0; i < capacity; i++) {
            oldHeld += shown.get(ShownAds.key(ShownAds.requestHash("r" + i), 1)) == ShownAds.NONE ? 0 : 1;
        }
        int recentHeld = 0;
        for (int i = puts - capacity / 4; i < puts; i++) {
            recentHeld += shown.get(ShownAds.key(ShownAds.requestHash("r" + i), 1)) == ShownAds.NONE ? 0 : 1;
        }
        assertEquals(0, oldHeld, "nothing of 3 tables ago is held");
        // The last quarter table's worth: a bucket takes 2 of them on average, it holds 8.
        assertEquals(capacity / 4, recentHeld, 3, "the newest are held");
    }

    @Test
    void capacity_mustBeAPowerOfTwoOfAtLeastABucket() {
        assertThrows(IllegalArgumentException.class, () -> new ShownAds(1000));
        assertThrows(IllegalArgumentException.class, () -> new ShownAds(4));
    }
}
