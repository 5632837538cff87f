package adsml.scheduler;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.RandomFeatures;
import adsml.platform.model.Architecture;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelSpec;
import adsml.platform.scoring.Scorer;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/** Shared test fixtures: a tiny model and a fake device whose scorer can block or fail. */
final class Fixtures {
    static final FeatureSchema TINY_SCHEMA = new FeatureSchema(
            "tiny", List.of(new FeatureSchema.Slot("a", 10), new FeatureSchema.Slot("b", 5)), List.of("x"));

    private Fixtures() {}

    static Model tinyModel(String version) {
        ModelSpec spec = new ModelSpec(
                "tiny",
                version,
                Architecture.DCN,
                TINY_SCHEMA,
                2,
                1,
                List.of(4),
                ModelSpec.CTR_CVR,
                Map.of(),
                null,
                Map.of());
        return new Model.Dcn(spec, DcnWeights.random(spec, 7));
    }

    static FeatureBatch tinyRows(int rows, long seed) {
        return RandomFeatures.batch(TINY_SCHEMA, rows, seed);
    }

    /**
     * What {@link FakeScorer} writes: a probability made of the row's dense value (in [-1, 1]) and the head index, so
     * every row's scores are its own.
     */
    static float fakeScore(FeatureBatch rows, int r, int head) {
        return (rows.dense()[r * rows.denseDims()] + 1) / 4 + head * 0.5f;
    }

    static final class FakeDevice implements Device {
        final String name;
        final int workers;
        final List<FakeScorer> scorers = new CopyOnWriteArrayList<>();
        final AtomicInteger calls = new AtomicInteger();
        final Semaphore entered = new Semaphore(0);
        final List<String> threads = new CopyOnWriteArrayList<>();
        volatile CountDownLatch gate;
        volatile RuntimeException failure;
        /** The next this many calls throw, whatever the version: a transient device fault. */
        final AtomicInteger transientFailures = new AtomicInteger();
        /** Versions whose scorer throws on this device while others score. */
        final Set<String> throwingVersions = ConcurrentHashMap.newKeySet();
        /** Versions whose scorer writes this one value for every score. */
        final Map<String, Float> constantScores = new ConcurrentHashMap<>();

        volatile boolean fallbackOnly;
        volatile boolean healthy = true;
        /** Whether {@link #recover()} makes an unhealthy device healthy, as a rebuilt CUDA context would. */
        volatile boolean recovers;

        final AtomicInteger recoveries = new AtomicInteger();
        volatile java.util.function.Predicate<Model> runs = model -> true;

        FakeDevice(String name, int workers) {
            this.name = name;
            this.workers = workers;
        }

        @Override
        public String name() {
            return name;
        }

        @Override
        public int workers() {
            return workers;
        }

        @Override
        public long memoryBudgetBytes() {
            return Long.MAX_VALUE;
        }

        @Override
        public boolean runs(Model model) {
            return runs.test(model);
        }

        @Override
        public boolean fallbackOnly() {
            return fallbackOnly;
        }

        @Override
        public Scorer load(Model model) {
            FakeScorer scorer = new FakeScorer(this, model.spec());
            scorers.add(scorer);
            return scorer;
        }

        @Override
        public boolean healthy() {
            return healthy;
        }

        @Override
        public boolean recover() {
            recoveries.incrementAndGet();
            if (recovers) {
                healthy = true;
            }
            return healthy;
        }

        @Override
        public void close() {}

        boolean awaitEntered() throws InterruptedException {
            return entered.tryAcquire(5, TimeUnit.SECONDS);
        }
    }

    static final class FakeScorer implements Scorer {
        final FakeDevice device;
        final ModelSpec spec;
        final AtomicBoolean closed = new AtomicBoolean();

        FakeScorer(FakeDevice device, ModelSpec spec) {
            this.device = device;
            this.spec = spec;
        }

        @Override
        public ModelSpec spec() {
            return spec;
        }

        @Override
        public void score(FeatureBatch batch, float[] out) {
            if (closed.get()) {
                throw new IllegalStateException("scored after close");
            }
            device.calls.incrementAndGet();
            device.threads.add(Thread.currentThread().getName());
            device.entered.release();
            CountDownLatch gate = device.gate;
            if (gate != null) {
                try {
                    gate.await(10, TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
            RuntimeException failure = device.failure;
            if (failure != null) {
                throw failure;
            }
            if (device.transientFailures.getAndUpdate(n -> Math.max(0, n - 1)) > 0) {
                throw new IllegalStateException(device.name + ": transient fault");
            }
            if (device.throwingVersions.contains(spec.version())) {
                throw new IllegalStateException(spec.version() + " cannot score");
            }
            int heads = spec.heads().size();
            Float constant = device.constantScores.get(spec.version());
            if (constant != null) {
                Arrays.fill(out, 0, batch.rows() * heads, constant);
                return;
            }
            for (int r = 0; r < batch.rows(); r++) {
                for (int h = 0; h < heads; h++) {
                    out[r * heads + h] = fakeScore(batch, r, h);
                }
            }
        }

        @Override
        public void close() {
            closed.set(true);
        }
    }
}
