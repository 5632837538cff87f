package adsml.platform.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ModelFolderTest {
    @TempDir
    Path models;

    private static Model.Dcn demo() {
        ModelSpec spec =
                ModelPreset.DEMO.spec("ctr", "0").withCalibration(Map.of("ctr", new Calibration.Platt(1.1, -0.2)));
        return new Model.Dcn(spec, DcnWeights.random(spec, 42));
    }

    @Test
    void save_thenLoad_roundTripsSpecAndWeights() throws IOException {
        Model.Dcn model = demo();
        Path v1 = ModelFolder.saveNextVersion(model, models.resolve("ctr"));
        assertEquals("1", v1.getFileName().toString());
        Model.Dcn loaded = (Model.Dcn) ModelFolder.load(v1);
        assertEquals("1", loaded.spec().version());
        assertEquals(model.spec().schema(), loaded.spec().schema());
        assertEquals(model.spec().mlp(), loaded.spec().mlp());
        assertEquals(new Calibration.Platt(1.1, -0.2), loaded.spec().calibrationOf("ctr"));
        assertArrayEquals(model.weights().embedding(), loaded.weights().embedding());
        assertArrayEquals(model.weights().crossWeight()[1], loaded.weights().crossWeight()[1]);
        assertArrayEquals(model.weights().headBias(), loaded.weights().headBias());
    }

    @Test
    void save_neverOverwrites_picksNextVersion() throws IOException {
        Path v1 = ModelFolder.saveNextVersion(demo(), models.resolve("ctr"));
        byte[] before = Files.readAllBytes(v1.resolve(ModelFolder.WEIGHTS));
        Path v2 = ModelFolder.saveNextVersion(demo(), models.resolve("ctr"));
        assertEquals("2", v2.getFileName().toString());
        assertArrayEquals(before, Files.readAllBytes(v1.resolve(ModelFolder.WEIGHTS)));
        try (var leftovers = Files.list(models.resolve("ctr"))) {
            assertEquals(
                    List.of("1", "2"),
                    leftovers.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void versionsByName_listsLoadableFolders_numericOrder_skipsHiddenAndEmpty() throws IOException {
        for (int i = 0; i < 10; i++) {
            ModelFolder.saveNextVersion(demo(), models.resolve("ctr"));
        }
        Files.createDirectories(models.resolve("ctr").resolve("11")); // no model.json: not a version
        Files.createDirectories(models.resolve("ctr").resolve(".12.writing-1"));
        Files.writeString(models.resolve("ctr").resolve(".12.writing-1").resolve(ModelFolder.MODEL_JSON), "{}");
        Files.createDirectories(models.resolve("empty"));
        Map<String, List<String>> versions = ModelFolder.versionsByName(models);
        assertEquals(Map.of("ctr", List.of("1", "2", "3", "4", "5", "6", "7", "8", "9", "10")), versions);
        assertEquals(Map.of(), ModelFolder.versionsByName(models.resolve("absent")));
    }

    @Test
    void load_missingFolder_namesIt() {
        InvalidModelException e =
                assertThrows(InvalidModelException.class, () -> ModelFolder.load(models.resolve("nope")));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
    }

    @Test
    void load_missingModelJson_namesFile() throws IOException {
        Path v = ModelFolder.saveNextVersion(demo(), models.resolve("ctr"));
        Files.delete(v.resolve(ModelFolder.MODEL_JSON));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelFolder.load(v));
        assertTrue(e.getMessage().contains("model.json") && e.getMessage().contains("missing"), e.getMessage());
    }

    @Test
    void load_corruptModelJson_namesFile() throws IOException {
        Path v = ModelFolder.saveNextVersion(demo(), models.resolve("ctr"));
        Files.writeString(v.resolve(ModelFolder.MODEL_JSON), "{\"format\": 1, \"name\": ");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelFolder.load(v));
        assertTrue(e.getMessage().startsWith("model.json: not valid JSON"), e.getMessage());
    }

    @Test
    void load_unknownArchitecture_namesField() throws IOException {
        Path v = ModelFolder.saveNextVersion(demo(), models.resolve("ctr"));
        rewriteJson(v, "\"architecture\" : \"dcn\"", "\"architecture\" : \"transformer\"");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelFolder.load(v));
        assertTrue(
                e.getMessage().contains("field 'architecture'")
                        && e.getMessage().contains("transformer"),
                e.getMessage());
    }

    @Test
    void load_missingField_namesField() throws IOException {
        Path v = ModelFolder.saveNextVersion(demo(), models.resolve("ctr"));
        rewriteJson(v, "\"cross_layers\" : 2,", "");
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelFolder.load(v));
        assertTrue(e.getMessage().contains("field 'cross_layers': missing"), e.getMessage());
    }

    @Test
    void load_tensorWithWrongShape_namesTensorAndShapes() throws IOException {
        Model.Dcn model = demo();
        Path v = ModelFolder.saveNextVersion(model, models.resolve("ctr"));
        List<Tensor> tensors = new ArrayList<>(model.weights().toTensors(model.spec()));
        tensors.replaceAll(t ->
                t.name().equals("mlp.1.weight") ? Tensor.ofFloats("mlp.1.weight", new float[128 * 255], 128, 255) : t);
        Safetensors.write(v.resolve(ModelFolder.WEIGHTS), Map.of(), tensors);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelFolder.load(v));
        assertTrue(e.getMessage().contains("mlp.1.weight") && e.getMessage().contains("255"), e.getMessage());
    }

    @Test
    void load_tensorWithWrongDtype_namesTensor() throws IOException {
        Model.Dcn model = demo();
        Path v = ModelFolder.saveNextVersion(model, models.resolve("ctr"));
        List<Tensor> tensors = new ArrayList<>(model.weights().toTensors(model.spec()));
        tensors.replaceAll(t -> t.name().equals("head.bias") ? Tensor.ofInts("head.bias", new int[] {1, 2}, 2) : t);
        Safetensors.write(v.resolve(ModelFolder.WEIGHTS), Map.of(), tensors);
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelFolder.load(v));
        assertTrue(e.getMessage().contains("head.bias"), e.getMessage());
    }

    @Test
    void load_nanWeight_namesTensor() throws IOException {
        Model.Dcn model = demo();
        model.weights().crossBias()[0][3] = Float.NaN;
        Path v = ModelFolder.saveNextVersion(model, models.resolve("ctr"));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelFolder.load(v));
        assertTrue(e.getMessage().contains("cross.0.bias") && e.getMessage().contains("index 3"), e.getMessage());
    }

    @Test
    void load_truncatedWeights_namesFile() throws IOException {
        Path v = ModelFolder.saveNextVersion(demo(), models.resolve("ctr"));
        Path weights = v.resolve(ModelFolder.WEIGHTS);
        byte[] bytes = Files.readAllBytes(weights);
        Files.write(weights, java.util.Arrays.copyOf(bytes, bytes.length / 2));
        InvalidModelException e = assertThrows(InvalidModelException.class, () -> ModelFolder.load(v));
        assertTrue(e.getMessage().contains("weights.safetensors"), e.getMessage());
    }

    private static void rewriteJson(Path version, String from, String to) throws IOException {
        Path json = version.resolve(ModelFolder.MODEL_JSON);
        String text = Files.readString(json);
        assertTrue(text.contains(from), "model.json has no " + from + ":\n" + text);
        Files.writeString(json, text.replace(from, to));
    }
}
