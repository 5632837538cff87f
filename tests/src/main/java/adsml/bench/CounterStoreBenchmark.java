package adsml.bench;

import adsml.platform.counters.CounterKeys;
import adsml.platform.counters.CounterUpdates;
import adsml.platform.counters.Counters;
import adsml.platform.counters.EmbeddedCounterStore;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Group;
import org.openjdk.jmh.annotations.GroupThreads;
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
 * One rank request's counter read from the embedded store: {@code keys} keys (1,000 candidates x 7 keys) out of a store
 * of {@code storeKeys} keys filled to 95%. {@code pattern=request} reads what a request reads: 1,000 ads of 100,000,
 * each with its campaign (10 ads each), advertiser (50), category (200 in all) and creative type (8), and the user's
 * pairs with its category (held) and advertiser (not held), for a user drawn from those the store holds.
 * {@code pattern=random} reads 7,000 keys drawn from the whole store, so nearly every one misses the CPU's caches: the
 * worst case. {@code read} reads alone; {@code readWhileWriting} reads while another thread adds batches of 100 updates
 * as fast as it can, a tenth of them to new keys, which evicts.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.MICROSECONDS)
@Warmup(iterations = 2, time = 2)
@Measurement(iterations = 3, time = 3)
@Fork(
        value = 1,
        jvmArgsAppend = {"-Xmx2g"})
public class CounterStoreBenchmark {
    private static final long NOW = 1_765_000_000_000L;

    @Param({"1000000"})
    public int storeKeys;

    @Param({"7000"})
    public int keys;

    @Param({"request", "random"})
    public String pattern;

    private static final int ADS = 100_000, CAMPAIGNS = ADS / 10, ADVERTISERS = ADS / 50, CATEGORIES = 200;
    private static final int CREATIVES = 8;
    private static final int ENTITIES = ADS + CAMPAIGNS + ADVERTISERS + CATEGORIES + CREATIVES;

    private EmbeddedCounterStore store;
    private int resident;

    @Setup(Level.Trial)
    public void fill() {
        store = new EmbeddedCounterStore(storeKeys);
        resident = (int) (storeKeys * 0.95);
        CounterUpdates u = new CounterUpdates();
        for (int i = 0; i < resident; i++) {
            u.add(key(i), i & 3, 1, NOW - (i & 1023) * 1_000L);
            if (u.size() == 4096) {
                store.add(u);
                u.clear();
            }
        }
        store.add(u);
    }

    @TearDown(Level.Trial)
    public void close() {
        store.close();
    }

    /**
     * The store's i-th key: first every entity a request reads (ads, campaigns, advertisers, categories, creative
     * types), then users' pairs with every category.
     */
    static long key(int i) {
        if (i < ADS) {
            return CounterKeys.of(CounterKeys.AD, i);
        }
        if (i < ADS + CAMPAIGNS) {
            return CounterKeys.of(CounterKeys.CAMPAIGN, i - ADS);
        }
        if (i < ADS + CAMPAIGNS + ADVERTISERS) {
            return CounterKeys.of(CounterKeys.ADVERTISER, i - ADS - CAMPAIGNS);
        }
        if (i < ENTITIES - CREATIVES) {
            return CounterKeys.of(CounterKeys.CATEGORY, i - ADS - CAMPAIGNS - ADVERTISERS);
        }
        if (i < ENTITIES) {
            return CounterKeys.of(CounterKeys.CREATIVE, i - ENTITIES + CREATIVES);
        }
        int pair = i - ENTITIES;
        return CounterKeys.of(CounterKeys.USER_CATEGORY, user(pair / CATEGORIES), pair % CATEGORIES);
    }

    static long user(int u) {
        return CounterKeys.user("u" + u);
    }

    /** A reader's request: its keys and its output, reused as the feature assembly reuses its arrays. */
    @State(Scope.Thread)
    public static class Request {
        long[] keys;
        float[] out;
        SplittableRandom random = new SplittableRandom(7);

        @Setup(Level.Trial)
        public void allocate(CounterStoreBenchmark b) {
            keys = new long[b.keys];
            out = new float[b.keys * Counters.VALUES];
        }

        @Setup(Level.Invocation)
        public void drawKeys(CounterStoreBenchmark b) {
            if (b.pattern.equals("random")) {
                for (int i = 0; i < keys.length; i++) {
                    keys[i] = key(random.nextInt(b.resident));
                }
                return;
            }
            long user = user(random.nextInt((b.resident - ENTITIES) / CATEGORIES));
            for (int i = 0; i + 7 <= keys.length; ) {
                int ad = random.nextInt(ADS);
                keys[i++] = CounterKeys.of(CounterKeys.AD, ad);
                keys[i++] = CounterKeys.of(CounterKeys.CAMPAIGN, ad / 10);
                keys[i++] = CounterKeys.of(CounterKeys.ADVERTISER, ad / 50);
                keys[i++] = CounterKeys.of(CounterKeys.CATEGORY, ad % CATEGORIES);
                keys[i++] = CounterKeys.of(CounterKeys.CREATIVE, ad % CREATIVES);
                keys[i++] = CounterKeys.of(CounterKeys.USER_CATEGORY, user, ad % CATEGORIES);
                keys[i++] = CounterKeys.of(CounterKeys.USER_ADVERTISER, user, ad / 50);
            }
        }
    }

    /** The event log's thread: batches of updates, mostly to keys held, some to new ones. */
    @State(Scope.Thread)
    public static class Events {
        final CounterUpdates updates = new CounterUpdates();
        final SplittableRandom random = new SplittableRandom(11);
        int next = Integer.MAX_VALUE / 2;
    }

    @Benchmark
    public float[] read(Request r) {
        store.read(r.keys, r.keys.length, NOW, r.out);
        return r.out;
    }

    @Benchmark
    @Group("readWhileWriting")
    @GroupThreads(1)
    public float[] reader(Request r) {
        return read(r);
    }

    @Benchmark
    @Group("readWhileWriting")
    @GroupThreads(1)
    public void writer(Events e) {
        e.updates.clear();
        for (int i = 0; i < 100; i++) {
            int id = e.random.nextInt(10) == 0 ? e.next++ : e.random.nextInt(storeKeys);
            e.updates.add(key(id), e.random.nextInt(4), 1, NOW);
        }
        store.add(e.updates);
    }
}
