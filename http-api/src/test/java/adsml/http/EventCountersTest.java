package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.actors.events.Event;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventCountersTest {
    private final EventCounters counters = new EventCounters();

    private void record(Event.Type type, int adId, double cost) {
        counters.record(new Event(type, "e1", "r1", "u1", adId, 0, cost));
    }

    @Test
    void countsPerAdAndInTotal_spendOnlyFromCosts() {
        record(Event.Type.IMPRESSION, 3, 0.002);
        record(Event.Type.IMPRESSION, 3, 0);
        record(Event.Type.CLICK, 3, 0.4);
        record(Event.Type.CONVERSION, 3, 2.0);
        record(Event.Type.IMPRESSION, 9, 0);

        assertEquals(new EventCounters.Counts(2, 1, 1, 2.402), counters.ad(3));
        assertEquals(0.5, counters.ad(3).ctr(), 1e-12);
        assertEquals(new EventCounters.Counts(3, 1, 1, 2.402), counters.total());
        assertEquals(EventCounters.Counts.ZERO, counters.ad(4), "an ad without events counts zeros");
        assertTrue(Double.isNaN(counters.ad(4).ctr()), "no impression, no CTR");
    }

    @Test
    void busiest_mostImpressionsFirst_tiesToTheLowerId_upToTheLimit() {
        for (int ad : new int[] {5, 5, 2, 9, 9, 9, 7}) {
            record(Event.Type.IMPRESSION, ad, 0);
        }
        List<Integer> order =
                counters.busiest(3).stream().map(EventCounters.AdCounts::adId).toList();
        assertEquals(List.of(9, 5, 2), order);
        assertEquals(4, counters.busiest(10).size());
    }
}
