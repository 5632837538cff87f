package adsml.platform.model;

import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The named model shapes, so that every benchmark and comparison means the same model. {@code demo} is what the demo
 * trains; the others are shapes for benchmarks, on the demo features, on the thousand-signal {@code wide-v1} set, or,
 * for {@code ref}, on the 26 x 16 + 13 shape that PyTorch was timed on. Each has a feature set of its own; a trainer
 * may put the shape on another set ({@link #spec(String, String, FeatureSchema)}).
 */
public enum ModelPreset {
    /** 20 slots x 8 + 16 dense, 2 cross layers, MLP 256-128-64: about 0.3 MFLOP per candidate. */
    DEMO(demoSchema(), 8, 2, List.of(256, 128, 64)),
    /** About 10 x demo's FLOPs on the demo features. */
    X10(demoSchema(), 16, 3, List.of(1024, 640, 256)),
    /** 26 slots x 16 + 13 dense, 3 cross layers, MLP 512-256-128: 1.87 MFLOP per candidate. */
    REF(refSchema(), 16, 3, List.of(512, 256, 128)),
    /** About 100 x demo's FLOPs: wider embeddings, cross and MLP on the demo features. */
    X100(demoSchema(), 32, 3, List.of(4096, 2048, 1024)),
    /**
     * The thousand-signal model: 20 slots x 8 + 1,000 dense values of {@code wide-v1}, no cross layer (a full cross
     * layer on 1,160 inputs would cost 2.7 MFLOP by itself), MLP 256-128-64: about 0.7 MFLOP per candidate.
     */
    WIDE(FeatureSets.builtIn("wide-v1").schema(), 8, 0, List.of(256, 128, 64));

    private final FeatureSchema schema;
    private final int embeddingDim;
    private final int crossLayers;
    private final List<Integer> mlp;

    ModelPreset(FeatureSchema schema, int embeddingDim, int crossLayers, List<Integer> mlp) {
        this.schema = schema;
        this.embeddingDim = embeddingDim;
        this.crossLayers = crossLayers;
        this.mlp = mlp;
    }

    /** An untrained DCN spec of this shape on its own feature set, with identity calibration. */
    public ModelSpec spec(String name, String version) {
        return spec(name, version, schema);
    }

    /** An untrained DCN spec of this shape reading {@code features}, with identity calibration. */
    public ModelSpec spec(String name, String version, FeatureSchema features) {
        return new ModelSpec(
                name,
                version,
                Architecture.DCN,
                features,
                embeddingDim,
                crossLayers,
                mlp,
                ModelSpec.CTR_CVR,
                Map.of(),
                null,
                Map.of("preset", name()));
    }

    /** The preset named {@code name} (case-insensitive), or an error listing the known ones. */
    public static ModelPreset named(String name) {
        for (ModelPreset p : values()) {
            if (p.name().equalsIgnoreCase(name)) {
                return p;
            }
        }
        throw new IllegalArgumentException("unknown model preset '" + name + "' (known: demo, x10, ref, x100, wide)");
    }

    private static FeatureSchema demoSchema() {
        return FeatureSets.builtIn(FeatureSets.DEFAULT).schema();
    }

    private static FeatureSchema refSchema() {
        List<FeatureSchema.Slot> slots = new ArrayList<>();
        for (int i = 0; i < 26; i++) {
            slots.add(new FeatureSchema.Slot("c" + (i + 1), 10_000));
        }
        List<String> dense = new ArrayList<>();
        for (int i = 0; i < 13; i++) {
            dense.add("i" + (i + 1));
        }
        return new FeatureSchema("ref-26x16-13", slots, dense);
    }
}
