package adsml.platform.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

class CalibrationTest {
    private static final ObjectMapper MAPPER = new ObjectMapper();
    private static final String WHERE = "model.json: calibration";

    private static double sigmoid(double z) {
        return 1 / (1 + Math.exp(-z));
    }

    @Test
    void identity_returnsInput() {
        Calibration c = Calibration.identity();
        assertEquals(0.3f, c.apply(0.3f));
        float[] p = {0.1f, 0.9f};
        c.applyInPlace(p, 0, 2);
        assertArrayEquals(new float[] {0.1f, 0.9f}, p);
        assertEquals(new Calibration.Identity(), c);
    }

    @Test
    void platt_unitSlopeZeroBiasIsIdentityAndEndpointsStayFinite() {
        Calibration.Platt c = new Calibration.Platt(1, 0);
        assertEquals(0.25f, c.apply(0.25f), 1e-6f);
        assertEquals(0f, c.apply(0f), 1e-6f);
        assertEquals(1f, c.apply(1f), 1e-6f);
        assertTrue(Float.isNaN(c.apply(Float.NaN)));
        float[] p = {0.5f, 0.5f, 0.5f};
        new Calibration.Platt(2, 1).applyInPlace(p, 1, 2);
        assertEquals(0.5f, p[0]);
        assertEquals((float) sigmoid(1), p[1], 1e-6f);
        assertEquals(0.5f, p[2]);
    }

    @Test
    void isotonic_interpolatesBetweenBreakpointsAndIsConstantOutside() {
        Calibration.Isotonic c =
                new Calibration.Isotonic(new float[] {0.2f, 0.4f, 0.8f}, new float[] {0.1f, 0.3f, 0.5f});
        assertEquals(0.1f, c.apply(0f));
        assertEquals(0.1f, c.apply(0.2f));
        assertEquals(0.2f, c.apply(0.3f), 1e-6f);
        assertEquals(0.3f, c.apply(0.4f), 1e-6f);
        assertEquals(0.4f, c.apply(0.6f), 1e-6f);
        assertEquals(0.5f, c.apply(0.8f));
        assertEquals(0.5f, c.apply(1f));
        float[] p = {0.3f, 0.6f, 0.9f};
        c.applyInPlace(p, 0, 2);
        assertArrayEquals(new float[] {0.2f, 0.4f, 0.9f}, p, 1e-6f);
    }

    @Test
    void isotonic_rejectsInvalidBreakpointsInConstructor() {
        assertThrows(IllegalArgumentException.class, () -> new Calibration.Isotonic(new float[0], new float[0]));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Calibration.Isotonic(new float[] {0.5f, 0.5f}, new float[] {0.1f, 0.2f}));
        assertThrows(
                IllegalArgumentException.class,
                () -> new Calibration.Isotonic(new float[] {0.2f, 0.5f}, new float[] {0.3f, 0.2f}));
    }

    @Test
    void json_roundTripsEveryType() throws Exception {
        Calibration[] all = {
            Calibration.identity(),
            new Calibration.Platt(1.25, -0.3333333333333333),
            new Calibration.Isotonic(new float[] {0.01f, 0.1f, 0.7f}, new float[] {0f, 0.123456f, 1f}),
            new Calibration.Sliced(new Calibration.Platt(1.1, -0.2), "ad_category", new float[] {0.5f, 0f, -1.25f})
        };
        for (Calibration c : all) {
            String text = MAPPER.writeValueAsString(c.toJson());
            Calibration back = Calibration.fromJson(MAPPER.readTree(text), WHERE);
            assertEquals(c, back, text);
        }
        assertEquals(
                "{\"type\":\"identity\"}",
                MAPPER.writeValueAsString(Calibration.identity().toJson()));
        assertSame(Calibration.identity(), Calibration.fromJson(MAPPER.readTree("{\"type\":\"identity\"}"), WHERE));
    }

    private static void badJson(String json, String... parts) throws Exception {
        JsonNode node = MAPPER.readTree(json);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> Calibration.fromJson(node, WHERE));
        assertTrue(e.getMessage().startsWith(WHERE + ": "), e.getMessage());
        for (String part : parts) {
            assertTrue(e.getMessage().contains(part), () -> "'" + part + "' not in: " + e.getMessage());
        }
    }

    @Test
    void fromJson_rejectsNonObjectAndMissingType() throws Exception {
        badJson("[1]", "not a JSON object");
        badJson("{\"a\":1}", "'type'");
        badJson("{\"type\":3}", "'type'");
    }

    @Test
    void fromJson_rejectsUnknownType() throws Exception {
        badJson("{\"type\":\"beta\"}", "'type'", "'beta'");
    }

    @Test
    void fromJson_rejectsPlattMissingOrNonNumericFields() throws Exception {
        badJson("{\"type\":\"platt\",\"b\":0}", "'a'");
        badJson("{\"type\":\"platt\",\"a\":1}", "'b'");
        badJson("{\"type\":\"platt\",\"a\":\"1\",\"b\":0}", "'a'");
    }

    @Test
    void fromJson_rejectsIsotonicWithMismatchedLengths() throws Exception {
        badJson("{\"type\":\"isotonic\",\"x\":[0.1,0.2],\"y\":[0.5]}", "'x'", "'y'", "2 vs 1");
        badJson("{\"type\":\"isotonic\",\"y\":[0.5]}", "'x'");
    }

    @Test
    void fromJson_rejectsIsotonicXNotIncreasing() throws Exception {
        badJson("{\"type\":\"isotonic\",\"x\":[0.3,0.2],\"y\":[0.1,0.2]}", "'x'", "increasing", "element 1");
    }

    @Test
    void fromJson_rejectsIsotonicYOutsideUnitInterval() throws Exception {
        badJson("{\"type\":\"isotonic\",\"x\":[0.1,0.2],\"y\":[0.1,1.5]}", "'y'", "[0, 1]");
        badJson("{\"type\":\"isotonic\",\"x\":[0.1],\"y\":[\"a\"]}", "'y'", "not a number");
    }

    @Test
    void sliced_appliesItsBaseThenTheSlicesOffsetOnTheLogit() {
        var platt = new Calibration.Platt(1.2, -0.3);
        var sliced = new Calibration.Sliced(platt, "ad_category", new float[] {0.7f, 0f, -1.5f});
        float p = 0.02f;
        float base = platt.apply(p);
        assertThrows(UnsupportedOperationException.class, () -> sliced.apply(p), "without a row: refused");
        assertThrows(UnsupportedOperationException.class, () -> sliced.applyInPlace(new float[] {p}, 0, 1));
        assertEquals(sigmoid(Math.log(base / (1.0 - base)) + 0.7), sliced.offset(base, 0), 1e-7);
        assertEquals(base, sliced.offset(base, 1), "a zero offset");
        assertEquals(sigmoid(Math.log(base / (1.0 - base)) - 1.5), sliced.offset(base, 2), 1e-7);
        assertEquals(base, sliced.offset(base, 3), "an id past the table has no offset");
        assertEquals(base, sliced.offset(base, -1));
        assertTrue(Float.isNaN(sliced.offset(Float.NaN, 0)), "NaN stays NaN");
        assertSame(platt, sliced.base());
        assertSame(platt, platt.base());
    }

    @Test
    void sliced_rejectsBadOffsetsAndASlicedBase() throws Exception {
        badJson("{\"type\":\"sliced\",\"offsets\":[0.1],\"base\":{\"type\":\"identity\"}}", "'slot'");
        badJson("{\"type\":\"sliced\",\"slot\":\"ad_category\",\"offsets\":[0.1]}", "'base'", "not a JSON object");
        badJson("{\"type\":\"sliced\",\"slot\":\"s\",\"offsets\":[],\"base\":{\"type\":\"identity\"}}", "'offsets'");
        badJson(
                "{\"type\":\"sliced\",\"slot\":\"s\",\"offsets\":[0, 21],\"base\":{\"type\":\"identity\"}}",
                "'offsets'",
                "element 1");
        badJson(
                "{\"type\":\"sliced\",\"slot\":\"s\",\"offsets\":[0],"
                        + "\"base\":{\"type\":\"sliced\",\"slot\":\"s\",\"offsets\":[0],\"base\":{\"type\":\"identity\"}}}",
                "'base'",
                "sliced again");
        assertThrows(
                IllegalArgumentException.class,
                () -> new Calibration.Sliced(Calibration.identity(), "s", new float[] {Float.NaN}));
    }
}
