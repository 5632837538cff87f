package adsml.bench;

import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.index.BudgetTracker;
import adsml.platform.index.ExactAdIndex;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.time.Clock;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * One retrieval from the exact index of a demo-sized world (100,000 ads): targeting, embedding affinity over every ad,
 * the top {@code max}. Users rotate so that the branch predictor and the caches see a realistic mix of targeting.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx4g"})
public class AdIndexBenchmark {

    @Param({"100000"})
    public int ads;

    @Param({"1000"})
    public int max;

    private World world;
    private ExactAdIndex index;
    private int[] out;
    private int next;

    @Setup
    public void setUp() {
        world = WorldGenerator.generate(new WorldConfig(7, ads, 1_000, 0, 0), ProgressListener.NONE);
        index = ExactAdIndex.of(world, new BudgetTracker(Clock.systemUTC()));
        out = new int[max];
    }

    @Benchmark
    public int retrieve() {
        User user = world.user(next++ % world.users().size());
        return index.retrieve(user, new Context(0, 12, 0), max, out);
    }

    /** A cold start: the same users' targeting with a zero embedding, as the retriever asks for an unknown user. */
    @Benchmark
    public int retrieveColdStart() {
        User u = world.user(next++ % world.users().size());
        User cold = new User(
                u.id(),
                u.country(),
                u.device(),
                u.ageBucket(),
                u.interests(),
                u.interestWeights(),
                new float[Vocab.EMBEDDING_DIM]);
        return index.retrieve(cold, new Context(0, 12, 0), max, out);
    }
}
