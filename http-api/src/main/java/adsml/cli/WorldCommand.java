package adsml.cli;

import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import adsml.platform.world.WorldFiles;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.List;
import java.util.Set;

/** {@code adsml world}: generates a world folder from a seed. */
final class WorldCommand {
    private WorldCommand() {}

    static int run(List<String> argv, PrintStream out, PrintStream err) throws IOException {
        Args args = Args.parse("world", argv, Set.of("out", "seed", "ads", "users", "train", "heldout"), Set.of());
        Path dir = Path.of(args.required("out"));
        WorldConfig defaults = WorldConfig.defaults(args.longValue("seed", 1));
        WorldConfig config = new WorldConfig(
                defaults.seed(),
                args.integer("ads", defaults.ads()),
                args.integer("users", defaults.users()),
                args.integer("train", defaults.trainImpressions()),
                args.integer("heldout", defaults.heldoutImpressions()));
        generate(config, dir, err);
        out.println("world written to " + dir);
        return 0;
    }

    static World generate(WorldConfig config, Path dir, PrintStream err) throws IOException {
        WorldFiles.requireWritable(dir);
        ConsoleProgress progress = new ConsoleProgress(err);
        World world = WorldGenerator.generate(config, progress::update);
        progress.done();
        WorldFiles.write(world, dir);
        return world;
    }
}
