package adsml.platform.model;

import adsml.platform.io.AtomicFolder;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A model version on disk: {@code <models>/<name>/<version>/} holding {@code model.json} and
 * {@code weights.safetensors} (or the TorchScript file {@code model.json} names). Loading checks every tensor's name,
 * dtype, shape and that its values are finite; saving never touches an existing version: it writes a fresh folder
 * beside it and renames it into place.
 */
public final class ModelFolder {
    public static final String MODEL_JSON = "model.json";
    public static final String WEIGHTS = "weights.safetensors";

    private ModelFolder() {}

    /** Loads the version in {@code dir}; throws {@link InvalidModelException} naming the file and field. */
    public static Model load(Path dir) {
        if (!Files.isDirectory(dir)) {
            throw new InvalidModelException(dir + ": not a model version folder (missing or not a directory)");
        }
        ModelSpec spec = ModelJson.read(dir.resolve(MODEL_JSON));
        return switch (spec.architecture()) {
            case DCN -> {
                DcnWeights w = DcnWeights.read(weights(dir), spec);
                requireFinite(w.embedding(), "embedding");
                for (int l = 0; l < w.crossWeight().length; l++) {
                    requireFinite(w.crossWeight()[l], "cross." + l + ".weight");
                    requireFinite(w.crossBias()[l], "cross." + l + ".bias");
                }
                for (int l = 0; l < w.mlpWeight().length; l++) {
                    requireFinite(w.mlpWeight()[l], "mlp." + l + ".weight");
                    requireFinite(w.mlpBias()[l], "mlp." + l + ".bias");
                }
                requireFinite(w.headWeight(), "head.weight");
                requireFinite(w.headBias(), "head.bias");
                yield new Model.Dcn(spec, w);
            }
            case LR -> {
                LrWeights w = LrWeights.read(weights(dir), spec);
                requireFinite(w.sparse(), "lr.sparse");
                requireFinite(w.dense(), "lr.dense");
                requireFinite(w.bias(), "lr.bias");
                yield new Model.Lr(spec, w);
            }
            case TORCHSCRIPT -> {
                Path file = dir.resolve(spec.torchScript().file()).normalize();
                if (!file.startsWith(dir.normalize()) || !Files.isRegularFile(file)) {
                    throw new InvalidModelException(MODEL_JSON + ": field 'torchscript.file': '"
                            + spec.torchScript().file() + "' is not a file inside " + dir);
                }
                yield new Model.TorchScript(spec, file);
            }
        };
    }

    /**
     * Writes {@code model} as the next version under {@code modelDir} ({@code <models>/<name>}): one more than the
     * highest numbered version there, or 1. Returns the new version's folder.
     */
    public static Path saveNextVersion(Model model, Path modelDir) throws IOException {
        return writeNextVersion(modelDir, (version, dir) -> {
            ModelSpec spec = model.spec().withVersion(version);
            List<Tensor> tensors;
            if (model instanceof Model.Dcn dcn) {
                tensors = dcn.weights().toTensors(spec);
            } else if (model instanceof Model.Lr lr) {
                tensors = lr.weights().toTensors(spec);
            } else {
                throw new IllegalArgumentException("TorchScript versions are copied, not saved");
            }
            Safetensors.write(dir.resolve(WEIGHTS), Map.of("name", spec.name(), "version", version), tensors);
            ModelJson.write(spec, dir.resolve(MODEL_JSON));
        });
    }

    /** Writes a version's files into the folder it is given; that folder becomes the version when this returns. */
    interface VersionWriter {
        void write(String version, Path dir) throws IOException;
    }

    /**
     * Publishes the next version under {@code modelDir}: one more than the highest numbered version there, or 1.
     * {@code writer} fills a temporary folder beside the versions, which is then renamed into place, so no reader ever
     * sees a half-written version. Returns the new version's folder.
     */
    static Path writeNextVersion(Path modelDir, VersionWriter writer) throws IOException {
        Files.createDirectories(modelDir);
        String version = Integer.toString(highestVersion(modelDir) + 1);
        Path target = modelDir.resolve(version);
        AtomicFolder.publish(target, dir -> writer.write(version, dir));
        return target;
    }

    /** The highest numeric version folder under {@code modelDir}, or 0. */
    public static int highestVersion(Path modelDir) throws IOException {
        int highest = 0;
        if (!Files.isDirectory(modelDir)) {
            return 0;
        }
        try (DirectoryStream<Path> versions = Files.newDirectoryStream(modelDir)) {
            for (Path v : versions) {
                String name = v.getFileName().toString();
                // Any numeric name counts, folder or not, so a new version never lands on it.
                if (name.matches("\\d{1,9}")) {
                    highest = Math.max(highest, Integer.parseInt(name));
                }
            }
        }
        return highest;
    }

    /**
     * The version folders under {@code modelsRoot}: for each model name, the versions whose folder holds a
     * {@code model.json}, numeric ones in numeric order first. Hidden folders (a version still being written is one,
     * see {@link AtomicFolder}) are left out. What could be loaded, not whether it would load. Empty when the folder
     * does not exist.
     */
    public static Map<String, List<String>> versionsByName(Path modelsRoot) {
        Map<String, List<String>> byName = new TreeMap<>();
        if (!Files.isDirectory(modelsRoot)) {
            return byName;
        }
        try (DirectoryStream<Path> names = Files.newDirectoryStream(modelsRoot, Files::isDirectory)) {
            for (Path name : names) {
                if (name.getFileName().toString().startsWith(".")) {
                    continue;
                }
                List<String> versions = new ArrayList<>();
                try (DirectoryStream<Path> folders = Files.newDirectoryStream(name, Files::isDirectory)) {
                    for (Path v : folders) {
                        if (!v.getFileName().toString().startsWith(".") && Files.isRegularFile(v.resolve(MODEL_JSON))) {
                            versions.add(v.getFileName().toString());
                        }
                    }
                }
                versions.sort(Comparator.comparing((String v) -> !v.matches("\\d{1,9}"))
                        .thenComparing(v -> v.matches("\\d{1,9}") ? Integer.parseInt(v) : 0)
                        .thenComparing(Comparator.naturalOrder()));
                if (!versions.isEmpty()) {
                    byName.put(name.getFileName().toString(), versions);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("listing " + modelsRoot + ": " + e.getMessage(), e);
        }
        return byName;
    }

    private static SafetensorsFile weights(Path dir) {
        return Safetensors.read(dir.resolve(WEIGHTS));
    }

    private static void requireFinite(float[] values, String tensor) {
        for (int i = 0; i < values.length; i++) {
            if (!Float.isFinite(values[i])) {
                throw new InvalidModelException(
                        WEIGHTS + ": tensor '" + tensor + "': value " + values[i] + " at index " + i);
            }
        }
    }
}
