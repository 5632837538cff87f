package adsml.platform.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelJsonTest {
    @TempDir
    Path dir;

    private String refusal(String json) throws IOException {
        Path f = dir.resolve("model.json");
        Files.writeString(f, json);
        String reason = assertThrows(InvalidModelException.class, () -> ModelJson.read(f))
                .getMessage();
        assertTrue(reason.startsWith("model.json: "), reason);
        return reason;
    }

    @Test
    void read_deepNestingOrALongNumber_isInvalid_withoutJacksonsInternals() throws IOException {
        for (String json : new String[] {
            "{\"format\":" + "[".repeat(5000) + "]".repeat(5000) + "}", "{\"format\":1" + "0".repeat(5000) + "}"
        }) {
            String reason = refusal(json);
            assertTrue(reason.contains("past the parser's bounds"), reason);
            assertFalse(reason.contains("StreamReadConstraints"), reason);
        }
    }

    @Test
    void read_aKeyGivenTwice_isInvalid() throws IOException {
        assertTrue(refusal("{\"format\":1,\"format\":2}").contains("Duplicate field 'format'"));
    }

    @Test
    void read_contentAfterTheObject_isInvalid() throws IOException {
        assertTrue(refusal("{\"format\":1} {}").startsWith("model.json: not valid JSON"));
    }

    @Test
    void read_aFileLargerThanTheBound_isInvalid_unread() throws IOException {
        String reason = refusal("{\"format\":1,\"pad\":\"" + " ".repeat((int) ModelJson.MAX_BYTES) + "\"}");
        assertTrue(reason.contains("more than a model.json may have"), reason);
    }

    @Test
    void read_aSlicedCalibration_needsASlotOfTheSchemaAndAnOffsetPerId() throws IOException {
        ModelSpec spec = ModelPreset.DEMO.spec("ctr", "1");
        int categories = spec.schema()
                .slots()
                .get(spec.schema().slotIndex("ad_category"))
                .vocab();
        var good = new Calibration.Sliced(new Calibration.Platt(1, 0), "ad_category", new float[categories]);
        Path f = dir.resolve("model.json");
        ModelJson.write(spec.withCalibration(Map.of("ctr", good)), f);
        assertEquals(good, ModelJson.read(f).calibrationOf("ctr"));

        var json = ModelJson.toJson(spec.withCalibration(Map.of("ctr", good)));
        var sliced = (com.fasterxml.jackson.databind.node.ObjectNode)
                json.get("calibration").get("ctr");
        sliced.put("slot", "ad_colour");
        String reason = refusal(json.toString());
        assertTrue(reason.contains("'calibration.ctr'") && reason.contains("no sparse slot 'ad_colour'"), reason);

        sliced.put("slot", "ad_category");
        ((com.fasterxml.jackson.databind.node.ArrayNode) sliced.get("offsets")).remove(0);
        reason = refusal(json.toString());
        assertTrue(reason.contains("'offsets'") && reason.contains(categories + " ids"), reason);
        assertThrows(
                IllegalArgumentException.class,
                () -> spec.withCalibration(
                        Map.of("ctr", new Calibration.Sliced(Calibration.identity(), "ad_category", new float[3]))),
                "a spec built in code is held to the same");
    }
}
