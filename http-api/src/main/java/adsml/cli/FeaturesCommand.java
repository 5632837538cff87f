package adsml.cli;

import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSet;
import adsml.platform.features.FeatureSets;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.PrintStream;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * {@code adsml features}: the feature sets adsml has, and one set's column layout, which is what a model trained
 * outside adsml must read: each sparse slot's rows in the concatenated embedding table, each dense column's position.
 */
final class FeaturesCommand {
    private FeaturesCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws Exception {
        Args args = Args.parse("features", argv, Set.of("set"), Set.of("json"));
        if (!args.flag("set")) {
            for (FeatureAssembly set : FeatureSets.builtIn().all()) {
                out.printf(
                        Locale.ROOT,
                        "%-10s %3d sparse slots, %4d dense columns  %s%n",
                        set.set().id(),
                        set.schema().sparseSlots(),
                        set.schema().denseDims(),
                        set.set().readsCounters() ? "(reads real-time counters)" : "");
            }
            out.println("adsml features --set ID [--json] prints a set's column layout; declarations can also be a"
                    + " .conf file: --set FILE.conf");
            return 0;
        }
        FeatureAssembly set = TrainCommand.features("features: --set", args.string("set", ""));
        out.print(args.flag("json") ? json(set) : table(set));
        return 0;
    }

    /** Human-readable: one line per slot and per dense column. */
    static String table(FeatureAssembly set) {
        FeatureSchema schema = set.schema();
        StringBuilder s = new StringBuilder();
        s.append(String.format(
                Locale.ROOT,
                "feature set %s: sparse int64[rows, %d] (global embedding rows), dense float32[rows, %d]%n",
                set.set().id(),
                schema.sparseSlots(),
                schema.denseDims()));
        s.append(String.format(
                Locale.ROOT,
                "embedding table: %d rows, slot s owns rows [offset, offset + vocab)%n%n",
                schema.totalRows()));
        s.append(String.format(
                Locale.ROOT,
                "%-5s %-22s %-10s %-10s %9s %9s  %s%n",
                "slot",
                "name",
                "group",
                "kind",
                "offset",
                "vocab",
                "source"));
        int[] offsets = schema.offsets();
        for (int i = 0; i < schema.sparseSlots(); i++) {
            FeatureSet.Sparse slot = set.set().sparse().get(i);
            s.append(String.format(
                    Locale.ROOT,
                    "%-5d %-22s %-10s %-10s %9d %9d  %s%n",
                    i,
                    slot.name(),
                    slot.group(),
                    kind(slot),
                    offsets[i],
                    slot.vocab(),
                    source(slot)));
        }
        s.append(String.format(Locale.ROOT, "%n%-6s %-32s %s%n", "dense", "name", "group"));
        List<String> groups = set.set().denseGroups();
        for (int k = 0; k < schema.denseDims(); k++) {
            s.append(String.format(
                    Locale.ROOT, "%-6d %-32s %s%n", k, schema.dense().get(k), groups.get(k)));
        }
        return s.toString();
    }

    /** The same, as JSON for a script that builds a model. */
    static String json(FeatureAssembly set) throws Exception {
        ObjectMapper mapper = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
        ObjectNode root = mapper.createObjectNode();
        FeatureSchema schema = set.schema();
        root.put("id", set.set().id());
        root.put("embedding_rows", schema.totalRows());
        ArrayNode sparse = root.putArray("sparse");
        int[] offsets = schema.offsets();
        for (int i = 0; i < schema.sparseSlots(); i++) {
            FeatureSet.Sparse slot = set.set().sparse().get(i);
            sparse.addObject()
                    .put("index", i)
                    .put("name", slot.name())
                    .put("group", slot.group())
                    .put("kind", kind(slot))
                    .put("offset", offsets[i])
                    .put("vocab", slot.vocab())
                    .put("source", source(slot));
        }
        ArrayNode dense = root.putArray("dense");
        List<String> groups = set.set().denseGroups();
        for (int k = 0; k < schema.denseDims(); k++) {
            dense.addObject().put("index", k).put("name", schema.dense().get(k)).put("group", groups.get(k));
        }
        return mapper.writeValueAsString(root) + "\n";
    }

    private static String kind(FeatureSet.Sparse slot) {
        if (slot instanceof FeatureSet.IdSlot) {
            return "id";
        } else if (slot instanceof FeatureSet.HashedSlot) {
            return "hashed";
        } else if (slot instanceof FeatureSet.CrossedSlot) {
            return "crossed";
        }
        return "bucketized";
    }

    private static String source(FeatureSet.Sparse slot) {
        if (slot instanceof FeatureSet.IdSlot s) {
            return s.source().declared();
        } else if (slot instanceof FeatureSet.HashedSlot s) {
            return s.source().declared();
        } else if (slot instanceof FeatureSet.CrossedSlot s) {
            return s.a().declared() + " x " + s.b().declared();
        }
        return ((FeatureSet.BucketizedSlot) slot).source().declared();
    }
}
