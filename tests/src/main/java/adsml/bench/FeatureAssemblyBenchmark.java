package adsml.bench;

import adsml.platform.counters.CounterKeys;
import adsml.platform.counters.CounterUpdates;
import adsml.platform.counters.Counters;
import adsml.platform.counters.EmbeddedCounterStore;
import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.features.CounterEntity;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSets;
import adsml.platform.features.RequestRow;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.util.SplittableRandom;
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
 * Feature assembly of one rank request, as the assembler does it: a new batch for {@code candidates} rows, filled with
 * a feature set from the request's row, the candidates' columns and one read of their counters from an embedded store
 * that holds a busy day (2,000,000 events over a demo-sized world: about 1.3 million keys). Sample time, for p50 and
 * p99. Requests rotate over 64 users with 64 candidate lists, so that the caches see many keys.
 *
 * <pre>
 * tests/bench FeatureAssemblyBenchmark -p set=wide-v1
 * </pre>
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.SampleTime)
@OutputTimeUnit(TimeUnit.MILLISECONDS)
@Warmup(iterations = 3, time = 3)
@Measurement(iterations = 5, time = 4)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx4g", "-XX:+UseG1GC", "-XX:G1HeapRegionSize=16m"})
public class FeatureAssemblyBenchmark {

    @Param({"demo-v1", "demo-v2", "wide-v1"})
    public String set;

    @Param({"1000"})
    public int candidates;

    private static final int REQUESTS = 64;

    private FeatureAssembly assembly;
    private EmbeddedCounterStore counters;
    private RequestRow[] rows;
    private AdColumns[] columns;
    private long nowMs;
    private int next;

    @Setup
    public void setUp() {
        World world = WorldGenerator.generate(new WorldConfig(7, 100_000, 50_000, 0, 0), ProgressListener.NONE);
        assembly = FeatureSets.builtIn(set);
        counters = new EmbeddedCounterStore(2_000_000);
        SplittableRandom random = new SplittableRandom(11);
        nowMs = 1_767_225_600_000L;
        CounterUpdates updates = new CounterUpdates();
        for (int e = 0; e < 2_000_000; e++) {
            Ad ad = world.ad(random.nextInt(world.ads().size()));
            Campaign c = world.campaign(ad.campaignId());
            long user = CounterKeys.user("u" + random.nextInt(world.users().size()));
            int measure = random.nextInt(100) < 97 ? Counters.IMPRESSIONS : Counters.CLICKS;
            long at = nowMs - 86_400_000L + e * 43L;
            for (CounterEntity entity : CounterEntity.values()) {
                updates.add(
                        entity.key(user, ad.id(), c.id(), c.advertiserId(), ad.category(), ad.creativeType()),
                        measure,
                        1f,
                        at);
            }
            if (updates.size() > 4096) {
                counters.add(updates);
                updates.clear();
            }
        }
        counters.add(updates);
        rows = new RequestRow[REQUESTS];
        columns = new AdColumns[REQUESTS];
        for (int q = 0; q < REQUESTS; q++) {
            rows[q] = RequestRow.of(world.user(random.nextInt(world.users().size())), new Context(q % 4, q % 24, 0));
            AdColumns c = AdColumns.ofRows(candidates);
            for (int r = 0; r < candidates; r++) {
                Ad ad = world.ad(random.nextInt(world.ads().size()));
                c.set(r, ad, world.campaign(ad.campaignId()));
            }
            columns[q] = c;
        }
    }

    @Benchmark
    public FeatureBatch assemble() {
        int q = next++ & (REQUESTS - 1);
        FeatureBatch batch = assembly.batch(candidates);
        assembly.fill(batch, 0, rows[q], columns[q], counters, nowMs);
        batch.setRows(candidates);
        return batch;
    }
}
