package adsml.platform.model;

import adsml.platform.features.FeatureSchema;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads and writes {@code model.json}. Format 1:
 *
 * <pre>{@code
 * {"format": 1, "name": "ctr", "version": "3", "architecture": "dcn",
 *  "features": {"name": "demo-v1", "sparse": [{"name": "user_id", "vocab": 32768}, ...], "dense": ["...", ...]},
 *  "embedding_dim": 8, "cross_layers": 2, "mlp": [256, 128, 64], "heads": ["ctr", "cvr"],
 *  "calibration": {"ctr": {"type": "platt", "a": 1.0, "b": 0.0}, "cvr": {"type": "identity"}},
 *  "torchscript": {"file": "model.pt", "sparse_input": "sparse", "dense_input": "dense"},
 *  "training": {"examples": 1000000, ...}}
 * }</pre>
 *
 * {@code torchscript} only for that architecture. Every error names the file and the field.
 */
public final class ModelJson {
    public static final int FORMAT = 1;
    /** Far above any real model.json (a few KiB): a larger one is corrupt or hostile, and is not read into memory. */
    public static final long MAX_BYTES = 1 << 20;

    /** A key given twice, or anything after the object, is an error: which value would count is a guess. */
    private static final ObjectMapper JSON = JsonMapper.builder()
            .enable(SerializationFeature.INDENT_OUTPUT)
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private ModelJson() {}

    public static ModelSpec read(Path file) {
        String where = file.getFileName().toString();
        JsonNode root;
        try {
            long size = Files.size(file);
            if (size > MAX_BYTES) {
                throw new InvalidModelException(
                        where + ": " + size + " bytes, more than a model.json may have (" + MAX_BYTES + ")");
            }
            root = JSON.readTree(Files.readAllBytes(file));
        } catch (NoSuchFileException e) {
            throw new InvalidModelException(file + ": missing");
        } catch (JsonProcessingException e) {
            throw new InvalidModelException(where + ": not valid JSON: " + JsonProblem.of(e));
        } catch (IOException e) {
            throw new InvalidModelException(where + ": cannot read: " + e.getMessage(), e);
        }
        if (root == null || !root.isObject()) {
            throw new InvalidModelException(where + ": expected a JSON object");
        }
        int format = intField(root, "format", where);
        if (format != FORMAT) {
            throw new InvalidModelException(
                    where + ": field 'format': unsupported format " + format + " (this build reads " + FORMAT + ")");
        }
        Architecture architecture = Architecture.fromJson(textField(root, "architecture", where), where);
        FeatureSchema schema = schema(objectField(root, "features", where), where);
        List<String> heads = strings(arrayField(root, "heads", where), where, "heads");
        if (!heads.contains("ctr") || !heads.contains("cvr") || heads.size() != 2) {
            throw new InvalidModelException(
                    where + ": field 'heads': adsml ranks with exactly the heads ctr and cvr, got " + heads);
        }
        int embeddingDim = 0;
        int crossLayers = 0;
        List<Integer> mlp = List.of();
        if (architecture == Architecture.DCN) {
            embeddingDim = positive(root, "embedding_dim", where);
            crossLayers = intField(root, "cross_layers", where);
            if (crossLayers < 0) {
                throw new InvalidModelException(where + ": field 'cross_layers': must be >= 0, was " + crossLayers);
            }
            mlp = new ArrayList<>();
            for (JsonNode width : arrayField(root, "mlp", where)) {
                if (!width.canConvertToInt() || width.asInt() < 1) {
                    throw new InvalidModelException(
                            where + ": field 'mlp': widths must be positive integers, got " + width);
                }
                mlp.add(width.asInt());
            }
        }
        Map<String, Calibration> calibration = new LinkedHashMap<>();
        JsonNode cal = root.get("calibration");
        if (cal != null && !cal.isNull()) {
            if (!cal.isObject()) {
                throw new InvalidModelException(where + ": field 'calibration': expected an object keyed by head");
            }
            var names = cal.fieldNames();
            while (names.hasNext()) {
                String head = names.next();
                if (!heads.contains(head)) {
                    throw new InvalidModelException(
                            where + ": field 'calibration." + head + "': no such head (heads: " + heads + ")");
                }
                String field = where + ": field 'calibration." + head + "'";
                Calibration c = Calibration.fromJson(cal.get(head), field);
                if (c instanceof Calibration.Sliced sliced && ModelSpec.sliceProblem(sliced, schema) != null) {
                    throw new InvalidModelException(field + ": " + ModelSpec.sliceProblem(sliced, schema));
                }
                calibration.put(head, c);
            }
        }
        ModelSpec.TorchScriptSpec torchScript = null;
        if (architecture == Architecture.TORCHSCRIPT) {
            JsonNode ts = objectField(root, "torchscript", where);
            torchScript = new ModelSpec.TorchScriptSpec(
                    textField(ts, "file", where + ": field 'torchscript'"),
                    textField(ts, "sparse_input", where + ": field 'torchscript'"),
                    textField(ts, "dense_input", where + ": field 'torchscript'"));
        }
        Map<String, Object> training = new LinkedHashMap<>();
        JsonNode tr = root.get("training");
        if (tr != null && tr.isObject()) {
            training.putAll(JSON.convertValue(tr, new TypeReference<Map<String, Object>>() {}));
        }
        return new ModelSpec(
                textField(root, "name", where),
                textField(root, "version", where),
                architecture,
                schema,
                embeddingDim,
                crossLayers,
                mlp,
                heads,
                calibration,
                torchScript,
                training);
    }

    public static void write(ModelSpec spec, Path file) throws IOException {
        Files.writeString(file, JSON.writeValueAsString(toJson(spec)) + "\n");
    }

    static ObjectNode toJson(ModelSpec spec) {
        ObjectNode root = JSON.createObjectNode();
        root.put("format", FORMAT);
        root.put("name", spec.name());
        root.put("version", spec.version());
        root.put("architecture", spec.architecture().jsonName());
        ObjectNode features = root.putObject("features");
        features.put("name", spec.schema().name());
        ArrayNode sparse = features.putArray("sparse");
        for (FeatureSchema.Slot slot : spec.schema().slots()) {
            sparse.addObject().put("name", slot.name()).put("vocab", slot.vocab());
        }
        ArrayNode dense = features.putArray("dense");
        spec.schema().dense().forEach(dense::add);
        if (spec.architecture() == Architecture.DCN) {
            root.put("embedding_dim", spec.embeddingDim());
            root.put("cross_layers", spec.crossLayers());
            ArrayNode mlp = root.putArray("mlp");
            spec.mlp().forEach(mlp::add);
        }
        ArrayNode heads = root.putArray("heads");
        spec.heads().forEach(heads::add);
        ObjectNode cal = root.putObject("calibration");
        for (String head : spec.heads()) {
            cal.set(head, spec.calibrationOf(head).toJson());
        }
        if (spec.torchScript() != null) {
            root.putObject("torchscript")
                    .put("file", spec.torchScript().file())
                    .put("sparse_input", spec.torchScript().sparseInput())
                    .put("dense_input", spec.torchScript().denseInput());
        }
        root.set("training", JSON.valueToTree(spec.training()));
        return root;
    }

    private static FeatureSchema schema(JsonNode features, String where) {
        String name = textField(features, "name", where + ": field 'features'");
        List<FeatureSchema.Slot> slots = new ArrayList<>();
        for (JsonNode slot : arrayField(features, "sparse", where)) {
            String slotWhere = where + ": field 'features.sparse[" + slots.size() + "]'";
            slots.add(new FeatureSchema.Slot(textField(slot, "name", slotWhere), positive(slot, "vocab", slotWhere)));
        }
        return new FeatureSchema(name, slots, strings(arrayField(features, "dense", where), where, "features.dense"));
    }

    private static List<String> strings(JsonNode array, String where, String field) {
        List<String> values = new ArrayList<>();
        for (JsonNode v : array) {
            if (!v.isTextual()) {
                throw new InvalidModelException(where + ": field '" + field + "': expected strings, got " + v);
            }
            values.add(v.asText());
        }
        return values;
    }

    private static JsonNode field(JsonNode node, String field, String where) {
        JsonNode v = node.get(field);
        if (v == null || v.isNull()) {
            throw new InvalidModelException(where + ": field '" + field + "': missing");
        }
        return v;
    }

    private static String textField(JsonNode node, String field, String where) {
        JsonNode v = field(node, field, where);
        if (!v.isTextual() || v.asText().isBlank()) {
            throw new InvalidModelException(where + ": field '" + field + "': expected a non-empty string, got " + v);
        }
        return v.asText();
    }

    private static int intField(JsonNode node, String field, String where) {
        JsonNode v = field(node, field, where);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new InvalidModelException(where + ": field '" + field + "': expected an integer, got " + v);
        }
        return v.asInt();
    }

    private static int positive(JsonNode node, String field, String where) {
        int v = intField(node, field, where);
        if (v < 1) {
            throw new InvalidModelException(where + ": field '" + field + "': must be >= 1, was " + v);
        }
        return v;
    }

    private static JsonNode objectField(JsonNode node, String field, String where) {
        JsonNode v = field(node, field, where);
        if (!v.isObject()) {
            throw new InvalidModelException(where + ": field '" + field + "': expected an object");
        }
        return v;
    }

    private static JsonNode arrayField(JsonNode node, String field, String where) {
        JsonNode v = field(node, field, where);
        if (!v.isArray()) {
            throw new InvalidModelException(where + ": field '" + field + "': expected an array");
        }
        return v;
    }
}
