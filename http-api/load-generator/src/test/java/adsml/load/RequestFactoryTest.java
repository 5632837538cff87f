package adsml.load;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class RequestFactoryTest {
    private static final ObjectMapper JSON = new ObjectMapper();

    @Test
    void sameSeed_sameBodies_otherSeed_otherBodies() {
        RequestFactory a = new RequestFactory(42, 1000, 5, 200);
        RequestFactory b = new RequestFactory(42, 1000, 5, 200);
        RequestFactory c = new RequestFactory(43, 1000, 5, 200);
        int differ = 0;
        for (long i = 0; i < 100; i++) {
            assertEquals(a.body(i), b.body(i));
            differ += a.body(i).equals(c.body(i)) ? 0 : 1;
        }
        assertTrue(differ > 90, differ + " of 100 bodies differ");
        assertNotEquals(a.body(0), a.body(1));
    }

    @Test
    void bodies_areRankRequestsWithinTheirRanges() throws Exception {
        RequestFactory f = new RequestFactory(1, 50, 3, 150);
        Set<String> surfaces = new HashSet<>();
        Set<String> devices = new HashSet<>();
        Set<String> countries = new HashSet<>();
        Set<Integer> hours = new HashSet<>();
        for (long i = 0; i < 2000; i++) {
            JsonNode body = JSON.readTree(f.body(i));
            int user = Integer.parseInt(body.get("userId").asText().substring(1));
            assertTrue(body.get("userId").asText().startsWith("u") && user >= 0 && user < 50, body.toString());
            surfaces.add(body.at("/context/surface").asText());
            devices.add(body.at("/context/device").asText());
            countries.add(body.at("/context/country").asText());
            hours.add(body.at("/context/hour").asInt());
            assertEquals(3, body.get("slots").asInt());
            assertEquals(150, body.get("deadlineMs").asInt());
        }
        assertEquals(Set.of("home_feed", "search", "video", "article"), surfaces);
        assertEquals(Set.of("ios", "android", "desktop"), devices);
        assertEquals(Set.copyOf(List.of("US", "GB", "DE", "FR", "BR", "IN", "JP", "CA", "AU", "MX")), countries);
        assertEquals(24, hours.size());
        assertTrue(hours.stream().allMatch(h -> h >= 0 && h < 24));
    }
}
