package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

import adsml.actors.ranking.RankResult;
import adsml.platform.auction.Outcome;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class RankResponseJsonTest {
    private static final List<RankResult.RankedAd> ADS = List.of(
            new RankResult.RankedAd(17, 3, "CPC", 0.85f, 0.0123f, 0f, 10.455f, 0.61234f, 7.5f, 0, 1.0),
            new RankResult.RankedAd(9, 4, "CPA", 12.5f, 1.0e-7f, 0.33333334f, 4.1666e-4f, 1.0e-9f, 3.3e-11f, 1, 0.25),
            // A price capped at the bid: the same number in the JSON, not the float bid widened to a double.
            new RankResult.RankedAd(5, 6, "CPM", 9.51f, 0.02f, 0f, 9510f, 9.51f, 9510f, 2, 1.0));
    private static final RankResult.Timings TIMINGS =
            new RankResult.Timings(0.412345, 1.25, 0.1, 3.999999, 0.05, 5.81789);

    /** What the answer was before it was written field by field: the records and a map, through the object mapper. */
    private static JsonNode throughTheMapper(String requestId, RankResult r) throws Exception {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("requestId", requestId);
        body.put("modelVersion", r.modelVersion());
        body.put("lightModelVersion", r.lightModelVersion());
        body.put("ads", r.ads());
        body.put("candidates", Map.of("retrieved", r.retrieved(), "scored", r.scored()));
        body.put("timingsMs", r.timings());
        if (!r.candidates().isEmpty()) {
            body.put("debug", r.candidates());
            body.put("featureGroups", r.featureGroups());
        }
        return JsonResponses.JSON.readTree(JsonResponses.JSON.writeValueAsBytes(body));
    }

    private static JsonNode written(String requestId, RankResult r) throws Exception {
        return JsonResponses.JSON.readTree(RankResponseJson.write(requestId, r));
    }

    @Test
    void answer_isWhatTheObjectMapperWrote_fieldForField() throws Exception {
        RankResult r = new RankResult("v3", "light/2", ADS, 10000, 998, TIMINGS, List.of(), Map.of());
        JsonNode json = written("k1-2", r);
        assertEquals(throughTheMapper("k1-2", r), json);
        assertFalse(json.has("debug"));
        assertEquals(0.0123f, json.get("ads").get(0).get("pctr").floatValue());
        assertEquals(1.0e-7f, json.get("ads").get(1).get("pctr").floatValue());
        assertEquals(4.1666e-4f, json.get("ads").get(1).get("ecpm").floatValue());
        JsonNode capped = json.get("ads").get(2);
        assertEquals(capped.get("bid").doubleValue(), capped.get("price").doubleValue(), capped::toString);
    }

    @Test
    void debug_listsEveryCandidate_asTheMapperDoes() throws Exception {
        List<RankResult.Candidate> debug = List.of(
                new RankResult.Candidate(
                        17,
                        3,
                        "CPC",
                        0.85f,
                        5,
                        "video",
                        "embedding",
                        0,
                        0.75f,
                        0.5f,
                        0.0123f,
                        0f,
                        10.455f,
                        Outcome.WON,
                        0,
                        0.61234f,
                        "won slot 0",
                        features(0.25f)),
                new RankResult.Candidate(
                        21,
                        8,
                        "CPM",
                        4f,
                        2,
                        "image",
                        "embedding",
                        1,
                        0.5f,
                        0f,
                        0.001f,
                        0f,
                        4.0f,
                        Outcome.BELOW_RESERVE,
                        null,
                        null,
                        "eCPM 4.0000 is below the reserve 5.0000",
                        features(0f)));
        RankResult r = new RankResult(
                "v3",
                null,
                ADS.subList(0, 1),
                2,
                2,
                TIMINGS,
                debug,
                Map.of("ad", List.of("ad_category"), "realtime", List.of("ad_clicks_5m_log")));
        JsonNode json = written("k1-3", r);
        assertEquals(throughTheMapper("k1-3", r), json);
        assertEquals("BELOW_RESERVE", json.get("debug").get(1).get("outcome").asText());
        assertEquals(2, json.get("debug").size());
        assertEquals(
                0.25,
                json.get("debug").get(0).get("features").get("ad_clicks_5m_log").doubleValue());
        assertEquals(
                5, json.get("debug").get(0).get("features").get("ad_category").intValue());
        assertEquals(
                "ad_clicks_5m_log",
                json.get("featureGroups").get("realtime").get(0).asText());
    }

    private static Map<String, Number> features(float clicks) {
        Map<String, Number> features = new LinkedHashMap<>();
        features.put("ad_category", 5);
        features.put("ad_clicks_5m_log", clicks);
        return features;
    }
}
