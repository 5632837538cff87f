package adsml.platform.features;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * The feature sets a server or a trainer has, by id ({@code demo-v1}), each compiled once: the sets that ship with
 * adsml ({@link #BUILT_IN}, declared under {@code adsml/features/} on the class path) and any {@code *.conf} in a
 * folder of the user's. A model version whose set is not here is refused.
 */
public final class FeatureSets {
    /** The declarations shipped in the jar. */
    public static final java.util.List<String> BUILT_IN =
            java.util.List.of("demo-v1", "demo-v2", "demo-v3", "demo-v4", "wide-v1", "light-v1");

    /** The set the demo world's models are trained on unless told otherwise. */
    public static final String DEFAULT = "demo-v1";

    private final Map<String, FeatureAssembly> sets;

    private FeatureSets(Map<String, FeatureAssembly> sets) {
        this.sets = Map.copyOf(sets);
    }

    /** The built-in sets, read and compiled once per process. */
    public static FeatureSets builtIn() {
        return BuiltIn.SETS;
    }

    private static final class BuiltIn {
        static final FeatureSets SETS = load();

        private static FeatureSets load() {
            Map<String, FeatureAssembly> sets = new LinkedHashMap<>();
            for (String id : BUILT_IN) {
                add(sets, readResource(id), id + ".conf");
            }
            return new FeatureSets(sets);
        }
    }

    /**
     * The built-in sets and every {@code *.conf} in {@code folder} (none when it does not exist). A file that declares
     * a set already known under the same id is an error unless it declares exactly the same set.
     */
    public static FeatureSets builtInAnd(Path folder) {
        Map<String, FeatureAssembly> sets = new LinkedHashMap<>(builtIn().sets);
        if (Files.isDirectory(folder)) {
            try (DirectoryStream<Path> files = Files.newDirectoryStream(folder, "*.conf")) {
                for (Path file : files) {
                    add(sets, FeatureSetFile.read(file), file.getFileName().toString());
                }
            } catch (IOException e) {
                throw new InvalidFeatureSetException(folder + ": cannot list: " + e.getMessage());
            }
        }
        return new FeatureSets(sets);
    }

    /** The built-in set {@code id}: what the trainer and the tests use without a catalog. */
    public static FeatureAssembly builtIn(String id) {
        return builtIn().get(id).orElseThrow(() -> new IllegalArgumentException("no built-in feature set " + id));
    }

    public Optional<FeatureAssembly> get(String id) {
        return Optional.ofNullable(sets.get(id));
    }

    /** The set {@code id}, or an error that names the sets there are. */
    public FeatureAssembly require(String id) {
        FeatureAssembly set = sets.get(id);
        if (set == null) {
            throw new InvalidFeatureSetException(
                    "no feature set '" + id + "' on this server (it has: " + String.join(", ", sets.keySet()) + ")");
        }
        return set;
    }

    public Collection<FeatureAssembly> all() {
        return sets.values();
    }

    private static void add(Map<String, FeatureAssembly> sets, FeatureSet set, String file) {
        FeatureAssembly known = sets.get(set.id());
        // Same columns are not enough: a changed prior, window or boundary would serve a trained model values other
        // than those it learned from.
        if (known != null && !known.set().fingerprint().equals(set.fingerprint())) {
            throw new InvalidFeatureSetException(file + ": declares feature set " + set.id()
                    + ", which is already declared differently: give the changed declaration a new version");
        }
        sets.put(set.id(), set.assembly());
    }

    private static FeatureSet readResource(String id) {
        String path = "adsml/features/" + id + ".conf";
        try (InputStream in = FeatureSets.class.getClassLoader().getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("the jar lacks " + path);
            }
            FeatureSet set = FeatureSetFile.parse(new String(in.readAllBytes(), StandardCharsets.UTF_8), id + ".conf");
            if (!set.id().equals(id)) {
                throw new IllegalStateException(path + " declares " + set.id());
            }
            return set;
        } catch (IOException e) {
            throw new IllegalStateException("cannot read " + path, e);
        }
    }
}
