package adsml.platform.features;

import adsml.platform.counters.Counters;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * A declared feature set: its name and version, its sparse slots and its dense features in column order, each in a
 * named group (user, ad, campaign, advertiser, context, cross, realtime). Declared in a file ({@link FeatureSetFile},
 * documented in {@code docs/FEATURES.md}), never in Java; {@link #assembly()} compiles it into the one assembly that
 * both serving and training run.
 *
 * <p>A model version names the set it was trained on by its {@link #id()} ({@code demo-v1}), the name of the
 * {@link FeatureSchema} in its {@code model.json}.
 */
public record FeatureSet(String name, int version, List<Sparse> sparse, List<Dense> dense) {

    /**
     * The sparse slot that reads the ad's position as an id ({@code kind = id, source = context.position}), or -1: the
     * slot a row trained from the feature log gets the position its ad was shown in. A cross with the position keeps
     * the scored one.
     */
    public int positionSlot() {
        for (int s = 0; s < sparse.size(); s++) {
            if (sparse.get(s) instanceof IdSlot id && id.source() == Source.CONTEXT_POSITION) {
                return s;
            }
        }
        return -1;
    }

    /** A sparse slot: ids into its own rows of the model's embedding table. */
    public sealed interface Sparse {
        String name();

        String group();

        /** Ids the slot takes: the embedding rows it owns. */
        int vocab();
    }

    /** The category of a categorical source; unknown is its own last id. */
    public record IdSlot(String name, String group, Source source) implements Sparse {
        public int vocab() {
            return source.width();
        }
    }

    /** An id hashed into {@code buckets} rows. */
    public record HashedSlot(String name, String group, Source source, int buckets) implements Sparse {
        public int vocab() {
            return buckets;
        }
    }

    /** The pair of two categorical sources, one exact id per pair. */
    public record CrossedSlot(String name, String group, Source a, Source b) implements Sparse {
        public int vocab() {
            return a.width() * b.width();
        }
    }

    /** A scalar source cut at ascending {@code boundaries}: id {@code i} when below boundary {@code i}, else last. */
    public record BucketizedSlot(String name, String group, Source source, float[] boundaries) implements Sparse {
        public int vocab() {
            return boundaries.length + 1;
        }
    }

    /** Dense features: one or more named float columns each. */
    public sealed interface Dense {
        String group();

        List<String> columns();
    }

    /**
     * A vector source as it is, one column per value ({@code name} for one value, {@code name_i} from
     * {@code firstIndex} for more); {@code missing} stands in for a cold-start user's values.
     */
    public record Attribute(String name, String group, Source source, int firstIndex, float missing) implements Dense {
        public List<String> columns() {
            if (source.size() == 1) {
                return List.of(name);
            }
            List<String> columns = new ArrayList<>(source.size());
            for (int i = 0; i < source.size(); i++) {
                columns.add(name + "_" + (firstIndex + i));
            }
            return columns;
        }
    }

    /** Every product of a value of {@code a} with one of {@code b}: {@code name_i_j}. */
    public record Outer(String name, String group, Source a, Source b) implements Dense {
        public List<String> columns() {
            List<String> columns = new ArrayList<>(a.size() * b.size());
            for (int i = 0; i < a.size(); i++) {
                for (int j = 0; j < b.size(); j++) {
                    columns.add(name + "_" + i + "_" + j);
                }
            }
            return columns;
        }
    }

    /**
     * A fixed random projection of a vector source to {@code dims} columns (seeded, so the same in training and
     * serving): a stand-in for the wide dense blocks (content and profile embeddings) that real systems feed, where a
     * world has few raw signals.
     */
    public record Projection(String name, String group, Source source, int dims, long seed) implements Dense {
        public List<String> columns() {
            List<String> columns = new ArrayList<>(dims);
            for (int i = 0; i < dims; i++) {
                columns.add(name + "_" + i);
            }
            return columns;
        }
    }

    /** How a counter's value is fed: as counted, or {@code log(1 + count)} (see {@link FastLog}). */
    public enum Transform {
        RAW,
        LOG1P
    }

    /** One counter of one entity over one window: {@code ad_clicks_1h}, or {@code ad_clicks_1h_log} as log(1 + n). */
    public record Counter(String group, CounterEntity entity, int measure, int window, Transform transform)
            implements Dense {
        public String name() {
            return entity.declared() + "_" + Counters.MEASURE_NAMES.get(measure) + "_"
                    + Counters.WINDOW_NAMES.get(window) + (transform == Transform.LOG1P ? "_log" : "");
        }

        public List<String> columns() {
            return List.of(name());
        }
    }

    /** A rate and the measures it divides. */
    public enum Rate {
        CTR(Counters.CLICKS, Counters.IMPRESSIONS),
        CVR(Counters.CONVERSIONS, Counters.CLICKS);

        final int numerator;
        final int denominator;

        Rate(int numerator, int denominator) {
            this.numerator = numerator;
            this.denominator = denominator;
        }
    }

    /**
     * A smoothed rate over one window: {@code (numerator + prior * weight) / (denominator + weight)}, the prior's
     * {@code weight} pseudo-events pulling a young key's rate to {@code prior}: {@code ad_ctr_1d}.
     */
    public record Ratio(String group, CounterEntity entity, Rate rate, int window, float prior, float weight)
            implements Dense {
        public String name() {
            return entity.declared() + "_" + rate.name().toLowerCase(java.util.Locale.ROOT) + "_"
                    + Counters.WINDOW_NAMES.get(window);
        }

        public List<String> columns() {
            return List.of(name());
        }
    }

    public FeatureSet {
        Objects.requireNonNull(name, "name");
        if (!name.matches("[a-z][a-z0-9_]{0,39}")) {
            throw new IllegalArgumentException(
                    "name must be 1 to 40 of a-z 0-9 _ starting with a letter, was '" + name + "'");
        }
        if (version < 1) {
            throw new IllegalArgumentException("version must be >= 1, was " + version);
        }
        sparse = List.copyOf(sparse);
        dense = List.copyOf(dense);
        Set<String> seen = new HashSet<>();
        for (Sparse s : sparse) {
            if (!seen.add(s.name())) {
                throw new IllegalArgumentException("feature '" + s.name() + "' is declared twice");
            }
        }
        for (Dense d : dense) {
            for (String column : d.columns()) {
                if (!seen.add(column)) {
                    throw new IllegalArgumentException("feature '" + column + "' is declared twice");
                }
            }
        }
    }

    /**
     * Everything that decides the values the set fills, as text: two declarations with equal fingerprints fill equal
     * rows. (Records compare arrays by identity; the boundaries are spelled out here.)
     */
    public String fingerprint() {
        StringBuilder s = new StringBuilder(id());
        for (Sparse slot : sparse) {
            s.append('|').append(slot);
            if (slot instanceof BucketizedSlot b) {
                s.append(java.util.Arrays.toString(b.boundaries()));
            }
        }
        for (Dense d : dense) {
            s.append('|').append(d);
        }
        return s.toString();
    }

    /** What a model version names: {@code <name>-v<version>}. */
    public String id() {
        return name + "-v" + version;
    }

    /** The model's input shape: slots with their vocabularies, dense columns by name. */
    public FeatureSchema schema() {
        List<FeatureSchema.Slot> slots = new ArrayList<>();
        for (Sparse s : sparse) {
            slots.add(new FeatureSchema.Slot(s.name(), s.vocab()));
        }
        List<String> columns = new ArrayList<>();
        for (Dense d : dense) {
            columns.addAll(d.columns());
        }
        return new FeatureSchema(id(), slots, columns);
    }

    /** The group of each dense column, in column order. */
    public List<String> denseGroups() {
        List<String> groups = new ArrayList<>();
        for (Dense d : dense) {
            for (int i = 0; i < d.columns().size(); i++) {
                groups.add(d.group());
            }
        }
        return groups;
    }

    /** Whether any feature reads the spend counters, which only served traffic has (the world's log has no prices). */
    public boolean readsSpend() {
        return dense.stream().anyMatch(d -> d instanceof Counter c && c.measure() == Counters.SPEND);
    }

    /** Whether any feature reads the real-time counters. */
    public boolean readsCounters() {
        return dense.stream().anyMatch(d -> d instanceof Counter || d instanceof Ratio);
    }

    /** The compiled assembly of this set. */
    public FeatureAssembly assembly() {
        return new FeatureAssembly(this);
    }
}
