package adsml.http;

import adsml.actors.ranking.RankResult;
import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.util.ByteArrayBuilder;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The body of a {@code POST /v1/rank} answer, written field by field: an answer per request is the hot path, where
 * serialising records and maps through reflection took a quarter of the request's time on Pekko's dispatcher (JFR).
 * Numbers go through Jackson's shortest-representation writer, which reads back as the same float or double. The
 * {@code debug} list, off the hot path, is left to the object mapper.
 */
final class RankResponseJson {
    private static final ObjectMapper JSON =
            JsonResponses.JSON.copy().enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER.mappedFeature());

    private RankResponseJson() {}

    static byte[] write(String requestId, RankResult r) {
        ByteArrayBuilder out = new ByteArrayBuilder(1024);
        try (JsonGenerator g = JSON.createGenerator(out, JsonEncoding.UTF8)) {
            g.writeStartObject();
            g.writeStringField("requestId", requestId);
            g.writeStringField("modelVersion", r.modelVersion());
            g.writeStringField("lightModelVersion", r.lightModelVersion());
            g.writeArrayFieldStart("ads");
            for (RankResult.RankedAd ad : r.ads()) {
                g.writeStartObject();
                g.writeNumberField("adId", ad.adId());
                g.writeNumberField("campaignId", ad.campaignId());
                g.writeStringField("bidType", ad.bidType());
                g.writeNumberField("bid", ad.bid());
                g.writeNumberField("pctr", ad.pctr());
                g.writeNumberField("pcvr", ad.pcvr());
                g.writeNumberField("ecpm", ad.ecpm());
                g.writeNumberField("price", ad.price());
                g.writeNumberField("priceEcpm", ad.priceEcpm());
                g.writeNumberField("slot", ad.slot());
                g.writeNumberField("propensity", ad.propensity());
                g.writeEndObject();
            }
            g.writeEndArray();
            g.writeObjectFieldStart("candidates");
            g.writeNumberField("retrieved", r.retrieved());
            g.writeNumberField("scored", r.scored());
            g.writeEndObject();
            RankResult.Timings t = r.timings();
            g.writeObjectFieldStart("timingsMs");
            g.writeNumberField("retrievalMs", t.retrievalMs());
            g.writeNumberField("lightRankMs", t.lightRankMs());
            g.writeNumberField("featuresMs", t.featuresMs());
            g.writeNumberField("scoringMs", t.scoringMs());
            g.writeNumberField("auctionMs", t.auctionMs());
            g.writeNumberField("totalMs", t.totalMs());
            g.writeEndObject();
            if (!r.candidates().isEmpty()) {
                g.writeFieldName("debug");
                g.writeObject(r.candidates());
                g.writeFieldName("featureGroups");
                g.writeObject(r.featureGroups());
            }
            g.writeEndObject();
        } catch (IOException e) {
            throw new UncheckedIOException("rank answer not writable", e); // in memory: does not happen
        }
        return out.toByteArray();
    }
}
