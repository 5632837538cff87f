package adsml.bench;

import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import adsml.platform.model.Architecture;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.LrWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Writes an untrained DCN version of a preset's shape, random weights, as the next version of a model folder: what a
 * GPU machine without DJL's PyTorch (so without the trainer) serves to time a model's shape end to end. Its scores are
 * not predictions; its latency is the shape's. {@code light} writes a light model instead: an LR over light-v1, weights
 * uniform in [-0.1, 0.1] around a pCTR of about 2% and a pCVR of 5%. Usage: {@code RandomModel PRESET|light MODELS/NAME
 * [SEED]}.
 */
public final class RandomModel {
    private RandomModel() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: RandomModel demo|x10|ref|x100|wide|light MODELS/NAME [SEED]");
            System.exit(64);
        }
        Path folder = Path.of(args[1]);
        long seed = args.length == 3 ? Long.parseLong(args[2]) : 1L;
        Path version;
        if (args[0].equals("light")) {
            version = ModelFolder.saveNextVersion(light(folder.getFileName().toString(), seed), folder);
        } else {
            ModelSpec spec =
                    ModelPreset.named(args[0]).spec(folder.getFileName().toString(), "0");
            version = ModelFolder.saveNextVersion(new Model.Dcn(spec, DcnWeights.random(spec, seed)), folder);
        }
        System.out.println("wrote an untrained " + args[0] + " version to " + version);
    }

    private static Model light(String name, long seed) {
        FeatureSchema schema = FeatureSets.builtIn().require("light-v1").schema();
        ModelSpec spec = new ModelSpec(
                name, "0", Architecture.LR, schema, 0, 0, List.of(), ModelSpec.CTR_CVR, Map.of(), null, Map.of());
        SplittableRandom random = new SplittableRandom(seed);
        float[] sparse = new float[2 * schema.totalRows()];
        float[] dense = new float[2 * schema.denseDims()];
        for (float[] w : List.of(sparse, dense)) {
            for (int i = 0; i < w.length; i++) {
                w[i] = (float) (0.2 * random.nextDouble() - 0.1);
            }
        }
        return new Model.Lr(spec, new LrWeights(sparse, dense, new float[] {-3.9f, -2.9f}));
    }
}
