package adsml.simulate;

import static org.junit.jupiter.api.Assertions.assertEquals;

import adsml.platform.domain.Ad;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class SimulatedUsersTest {
    @Test
    void eachEventTypeOfOneAdInOneRequest_hasItsOwnId() {
        User user = new User(
                3, 0, 0, 0, new int[] {1, 2, 3}, new float[] {0.5f, 0.3f, 0.2f}, new float[Vocab.EMBEDDING_DIM]);
        Ad ad = new Ad(7, 0, 1, 0, new float[Vocab.EMBEDDING_DIM]);
        ArrayNode log = JsonNodeFactory.instance.arrayNode();
        for (String type : new String[] {"impression", "click", "conversion"}) {
            SimulatedUsers.add(log, type, "r1", user, ad, 1_000L, 0);
        }
        Set<String> ids = new HashSet<>();
        log.forEach(e -> ids.add(e.get("eventId").asText()));
        // The server drops an event whose id it has seen: a click and its conversion must not share one.
        assertEquals(3, ids.size(), ids::toString);
    }
}
