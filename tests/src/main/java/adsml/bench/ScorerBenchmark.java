package adsml.bench;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.RandomFeatures;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.platform.scoring.DjlScorer;
import adsml.platform.scoring.ReferenceScorer;
import adsml.platform.scoring.Scorer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.AuxCounters;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Candidates per second of one CPU scorer on a random batch: the DJL backend next to the plain-Java reference, for the
 * demo model and one of about 10x its FLOPs. Read the {@code candidates} row: it counts scored rows per second.
 *
 * <p>By default one thread scores, and PyTorch gives it an intra-op pool as large as the machine's cores: not how the
 * server scores (one worker per core, one intra-op thread each), so its rate is no baseline for the server's. {@code -t
 * 2 -jvmArgsAppend "-Dai.djl.offline=true -Dai.djl.pytorch.num_threads=1"} measures the server's configuration on 2
 * cores, as {@code ServingBenchmark}'s baseline check does.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Dai.djl.offline=true", "-Xmx6g"})
public class ScorerBenchmark {

    @Param({"demo", "x10"})
    public String preset;

    @Param({"1", "64", "1000", "4096"})
    public int batch;

    @Param({"djl", "reference"})
    public String backend;

    private Scorer scorer;
    private FeatureBatch features;
    private float[] out;

    /** Scored rows, reported by JMH as a rate next to the invocation rate. */
    @State(Scope.Thread)
    @AuxCounters(AuxCounters.Type.OPERATIONS)
    public static class Rows {
        public long candidates;
    }

    @Setup(Level.Trial)
    public void setUp() {
        ModelSpec spec = ModelPreset.named(preset).spec("bench", "1");
        Model model = new Model.Dcn(spec, DcnWeights.random(spec, 1));
        scorer = backend.equals("djl") ? DjlScorer.of(model) : ReferenceScorer.of(model);
        features = RandomFeatures.batch(spec.schema(), batch, 2);
        out = new float[batch * spec.heads().size()];
    }

    @Benchmark
    public float[] score(Rows rows) {
        scorer.score(features, out);
        rows.candidates += batch;
        return out;
    }

    @TearDown(Level.Trial)
    public void tearDown() {
        scorer.close();
    }
}
