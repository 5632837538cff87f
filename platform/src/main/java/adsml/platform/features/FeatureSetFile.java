package adsml.platform.features;

import adsml.platform.counters.Counters;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigParseOptions;
import com.typesafe.config.ConfigSyntax;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads a feature set's declaration: a HOCON file ({@code docs/FEATURES.md} documents it). Every error names the file,
 * the feature's place and the key: {@code wide-v1.conf: dense[4] (ad_content): unknown key 'dim'}.
 */
public final class FeatureSetFile {
    /** A declaration is a few KiB: a larger one is not read into memory. */
    public static final long MAX_BYTES = 1 << 20;

    private FeatureSetFile() {}

    public static FeatureSet read(Path file) {
        String where = file.getFileName().toString();
        try {
            if (Files.size(file) > MAX_BYTES) {
                throw new InvalidFeatureSetException(where + ": larger than " + MAX_BYTES + " bytes");
            }
            return parse(Files.readString(file), where);
        } catch (java.io.IOException e) {
            throw new InvalidFeatureSetException(where + ": cannot read: " + e.getMessage());
        }
    }

    /** Parses a declaration's text; {@code where} names it in errors. */
    public static FeatureSet parse(String text, String where) {
        Config root;
        try {
            root = ConfigFactory.parseString(
                            text,
                            ConfigParseOptions.defaults()
                                    .setSyntax(ConfigSyntax.CONF)
                                    .setOriginDescription(where))
                    .resolve();
        } catch (ConfigException e) {
            throw new InvalidFeatureSetException(where + ": not valid HOCON: " + e.getMessage());
        }
        known(root, where, "", Set.of("name", "version", "description", "sparse", "dense"));
        String name = string(root, "name", where);
        int version = integer(root, "version", where);
        List<FeatureSet.Sparse> sparse = new ArrayList<>();
        List<? extends Config> sparseList = list(root, "sparse", where);
        for (int i = 0; i < sparseList.size(); i++) {
            String at = where + ": sparse[" + i + "]";
            try {
                sparse.add(sparse(sparseList.get(i), at));
            } catch (ConfigException e) {
                throw new InvalidFeatureSetException(at + ": " + e.getMessage());
            }
        }
        List<FeatureSet.Dense> dense = new ArrayList<>();
        List<? extends Config> denseList = list(root, "dense", where);
        for (int i = 0; i < denseList.size(); i++) {
            String at = where + ": dense[" + i + "]";
            try {
                dense.addAll(dense(denseList.get(i), at));
            } catch (ConfigException e) {
                throw new InvalidFeatureSetException(at + ": " + e.getMessage());
            }
        }
        try {
            return new FeatureSet(name, version, sparse, dense);
        } catch (IllegalArgumentException e) {
            throw new InvalidFeatureSetException(where + ": " + e.getMessage());
        }
    }

    private static FeatureSet.Sparse sparse(Config c, String at) {
        String name = string(c, "name", at);
        String where = at + " (" + name + ")";
        String group = string(c, "group", where);
        String kind = string(c, "kind", where);
        return switch (kind) {
            case "id" -> {
                known(c, where, kind, Set.of("name", "group", "kind", "source"));
                yield new FeatureSet.IdSlot(name, group, source(c, "source", where, Source.Kind.CATEGORICAL));
            }
            case "hashed" -> {
                known(c, where, kind, Set.of("name", "group", "kind", "source", "buckets"));
                int buckets = integer(c, "buckets", where);
                if (buckets < 1 || buckets > (1 << 24)) {
                    throw new InvalidFeatureSetException(
                            where + ": 'buckets' must be within [1, 16777216], was " + buckets);
                }
                yield new FeatureSet.HashedSlot(name, group, source(c, "source", where, Source.Kind.ID), buckets);
            }
            case "crossed" -> {
                known(c, where, kind, Set.of("name", "group", "kind", "sources"));
                List<String> sources = c.getStringList("sources");
                if (sources.size() != 2) {
                    throw new InvalidFeatureSetException(where + ": 'sources' must name two categorical sources");
                }
                yield new FeatureSet.CrossedSlot(
                        name,
                        group,
                        checked(sources.get(0), where, Source.Kind.CATEGORICAL),
                        checked(sources.get(1), where, Source.Kind.CATEGORICAL));
            }
            case "bucketized" -> {
                known(c, where, kind, Set.of("name", "group", "kind", "source", "boundaries"));
                Source source = source(c, "source", where, Source.Kind.VECTOR);
                if (source.size() != 1) {
                    throw new InvalidFeatureSetException(where + ": 'source' must be a single value, "
                            + source.declared() + " has " + source.size());
                }
                List<Double> bounds = c.getDoubleList("boundaries");
                float[] boundaries = new float[bounds.size()];
                for (int i = 0; i < boundaries.length; i++) {
                    boundaries[i] = bounds.get(i).floatValue();
                    if (!Float.isFinite(boundaries[i]) || (i > 0 && boundaries[i] <= boundaries[i - 1])) {
                        throw new InvalidFeatureSetException(
                                where + ": 'boundaries' must be finite and strictly ascending");
                    }
                }
                yield new FeatureSet.BucketizedSlot(name, group, source, boundaries);
            }
            default ->
                throw new InvalidFeatureSetException(
                        where + ": 'kind' must be id, hashed, crossed or bucketized, was '" + kind + "'");
        };
    }

    private static List<FeatureSet.Dense> dense(Config c, String at) {
        String kind = string(c, "kind", at);
        String name = c.hasPath("name") ? c.getString("name") : kind;
        String where = at + " (" + name + ")";
        String group = string(c, "group", where);
        return switch (kind) {
            case "attribute" -> {
                known(c, where, kind, Set.of("name", "group", "kind", "source", "first-index", "default"));
                int first = c.hasPath("first-index") ? integer(c, "first-index", where) : 0;
                float missing = c.hasPath("default") ? (float) c.getDouble("default") : 0f;
                yield List.of(new FeatureSet.Attribute(
                        string(c, "name", where),
                        group,
                        source(c, "source", where, Source.Kind.VECTOR),
                        first,
                        missing));
            }
            case "outer" -> {
                known(c, where, kind, Set.of("name", "group", "kind", "sources"));
                List<String> sources = c.getStringList("sources");
                if (sources.size() != 2) {
                    throw new InvalidFeatureSetException(where + ": 'sources' must name two vector sources");
                }
                yield List.of(new FeatureSet.Outer(
                        string(c, "name", where),
                        group,
                        plainVector(checked(sources.get(0), where, Source.Kind.VECTOR), where),
                        plainVector(checked(sources.get(1), where, Source.Kind.VECTOR), where)));
            }
            case "projection" -> {
                known(c, where, kind, Set.of("name", "group", "kind", "source", "dims", "seed"));
                int dims = integer(c, "dims", where);
                if (dims < 1 || dims > 4096) {
                    throw new InvalidFeatureSetException(where + ": 'dims' must be within [1, 4096], was " + dims);
                }
                yield List.of(new FeatureSet.Projection(
                        string(c, "name", where),
                        group,
                        plainVector(source(c, "source", where, Source.Kind.VECTOR), where),
                        dims,
                        c.getLong("seed")));
            }
            case "counters" -> {
                known(c, where, kind, Set.of("group", "kind", "entities", "measures", "windows", "transform"));
                FeatureSet.Transform transform = c.hasPath("transform")
                        ? enumValue(FeatureSet.Transform.class, c.getString("transform"), where, "transform")
                        : FeatureSet.Transform.RAW;
                List<FeatureSet.Dense> out = new ArrayList<>();
                for (String entity : c.getStringList("entities")) {
                    for (String measure : c.getStringList("measures")) {
                        for (String window : c.getStringList("windows")) {
                            out.add(new FeatureSet.Counter(
                                    group,
                                    entity(entity, where),
                                    indexIn(Counters.MEASURE_NAMES, measure, where, "measures"),
                                    indexIn(Counters.WINDOW_NAMES, window, where, "windows"),
                                    transform));
                        }
                    }
                }
                yield out;
            }
            case "ratios" -> {
                known(c, where, kind, Set.of("group", "kind", "entities", "rates", "windows", "prior", "weight"));
                float weight = (float) c.getDouble("weight");
                if (!(weight > 0) || !Float.isFinite(weight)) {
                    throw new InvalidFeatureSetException(where + ": 'weight' must be positive, was " + weight);
                }
                List<FeatureSet.Dense> out = new ArrayList<>();
                for (String entity : c.getStringList("entities")) {
                    for (String rate : c.getStringList("rates")) {
                        FeatureSet.Rate r = enumValue(FeatureSet.Rate.class, rate, where, "rates");
                        String priorKey = "prior." + rate;
                        if (!c.hasPath(priorKey)) {
                            throw new InvalidFeatureSetException(
                                    where + ": 'prior' needs a value for each rate, missing '" + rate + "'");
                        }
                        float prior = (float) c.getDouble(priorKey);
                        for (String window : c.getStringList("windows")) {
                            out.add(new FeatureSet.Ratio(
                                    group,
                                    entity(entity, where),
                                    r,
                                    indexIn(Counters.WINDOW_NAMES, window, where, "windows"),
                                    prior,
                                    weight));
                        }
                    }
                }
                yield out;
            }
            default ->
                throw new InvalidFeatureSetException(where
                        + ": 'kind' must be attribute, outer, projection, counters or ratios, was '" + kind + "'");
        };
    }

    private static CounterEntity entity(String name, String where) {
        try {
            return CounterEntity.named(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidFeatureSetException(where + ": 'entities': " + e.getMessage());
        }
    }

    private static int indexIn(List<String> names, String value, String where, String key) {
        int i = names.indexOf(value);
        if (i < 0) {
            throw new InvalidFeatureSetException(
                    where + ": '" + key + "' may hold " + String.join(", ", names) + ", not '" + value + "'");
        }
        return i;
    }

    private static <E extends Enum<E>> E enumValue(Class<E> type, String value, String where, String key) {
        try {
            return Enum.valueOf(type, value.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new InvalidFeatureSetException(where + ": '" + key + "' cannot be '" + value + "'");
        }
    }

    /** Outer products and projections read a vector as it is; a value computed per row is for attributes only. */
    private static Source plainVector(Source source, String where) {
        if (source == Source.USER_INTEREST_IN_AD_CATEGORY) {
            throw new InvalidFeatureSetException(
                    where + ": " + source.declared() + " is computed per row; use it as an attribute");
        }
        return source;
    }

    private static Source source(Config c, String key, String where, Source.Kind kind) {
        return checked(string(c, key, where), where, kind);
    }

    private static Source checked(String name, String where, Source.Kind kind) {
        Source source;
        try {
            source = Source.named(name);
        } catch (IllegalArgumentException e) {
            throw new InvalidFeatureSetException(where + ": " + e.getMessage());
        }
        if (source.kind() != kind) {
            throw new InvalidFeatureSetException(where + ": source " + name + " is "
                    + source.kind().name().toLowerCase(Locale.ROOT) + ", this kind needs "
                    + kind.name().toLowerCase(Locale.ROOT));
        }
        return source;
    }

    private static void known(Config c, String where, String kind, Set<String> keys) {
        for (var entry : c.root().keySet()) {
            if (!keys.contains(entry)) {
                throw new InvalidFeatureSetException(where + ": unknown key '" + entry + "'"
                        + (kind.isEmpty() ? "" : " for kind " + kind) + " (known: " + String.join(", ", keys) + ")");
            }
        }
    }

    private static List<? extends Config> list(Config c, String key, String where) {
        try {
            return c.hasPath(key) ? c.getConfigList(key) : List.of();
        } catch (ConfigException e) {
            throw new InvalidFeatureSetException(where + ": '" + key + "' must be a list of objects");
        }
    }

    private static String string(Config c, String key, String where) {
        try {
            return c.getString(key);
        } catch (ConfigException.Missing e) {
            throw new InvalidFeatureSetException(where + ": '" + key + "' is missing");
        } catch (ConfigException e) {
            throw new InvalidFeatureSetException(where + ": '" + key + "' must be a string");
        }
    }

    private static int integer(Config c, String key, String where) {
        try {
            return c.getInt(key);
        } catch (ConfigException.Missing e) {
            throw new InvalidFeatureSetException(where + ": '" + key + "' is missing");
        } catch (ConfigException e) {
            throw new InvalidFeatureSetException(where + ": '" + key + "' must be an integer");
        }
    }
}
