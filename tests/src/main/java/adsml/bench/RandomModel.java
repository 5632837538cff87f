package adsml.bench;

import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import java.nio.file.Path;

/**
 * Writes an untrained DCN version of a preset's shape, random weights, as the next version of a model folder: what a
 * GPU machine without DJL's PyTorch (so without the trainer) serves to time a model's shape end to end. Its scores are
 * not predictions; its latency is the shape's. Usage: {@code RandomModel PRESET MODELS/NAME [SEED]}.
 */
public final class RandomModel {
    private RandomModel() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 2 || args.length > 3) {
            System.err.println("usage: RandomModel demo|x10|ref|x100|wide MODELS/NAME [SEED]");
            System.exit(64);
        }
        ModelPreset preset = ModelPreset.named(args[0]);
        Path folder = Path.of(args[1]);
        long seed = args.length == 3 ? Long.parseLong(args[2]) : 1L;
        ModelSpec spec = preset.spec(folder.getFileName().toString(), "0");
        Path version = ModelFolder.saveNextVersion(new Model.Dcn(spec, DcnWeights.random(spec, seed)), folder);
        System.out.println("wrote an untrained " + args[0] + " version to " + version);
    }
}
