package adsml.actors.models;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.Model;
import adsml.platform.model.ModelSpec;
import adsml.platform.scoring.CpuScorers;
import adsml.platform.scoring.Scorer;
import adsml.scheduler.CpuDevice;
import adsml.scheduler.Device;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A CPU device (the plain-Java reference engine) whose scorers go wrong on demand, per version: they throw, or write
 * one value (NaN, +Inf, 1.5) for every score.
 */
final class FaultyDevice implements Device {
    private final CpuDevice cpu = new CpuDevice("cpu0", 1, 1L << 30, false, CpuScorers.Engine.REFERENCE, 0);
    /** Versions ({@code name/version}) whose scorer throws. */
    final Set<String> throwing = ConcurrentHashMap.newKeySet();
    /** Versions whose scorer writes this value for every score. */
    final Map<String, Float> constant = new ConcurrentHashMap<>();

    @Override
    public String name() {
        return cpu.name();
    }

    @Override
    public int workers() {
        return cpu.workers();
    }

    @Override
    public long memoryBudgetBytes() {
        return cpu.memoryBudgetBytes();
    }

    @Override
    public Scorer load(Model model) {
        Scorer real = cpu.load(model);
        String id = model.spec().name() + "/" + model.spec().version();
        return new Scorer() {
            @Override
            public ModelSpec spec() {
                return real.spec();
            }

            @Override
            public void score(FeatureBatch batch, float[] out) {
                if (throwing.contains(id)) {
                    throw new IllegalStateException(id + ": the model threw");
                }
                real.score(batch, out);
                Float value = constant.get(id);
                if (value != null) {
                    Arrays.fill(out, 0, batch.rows() * real.spec().heads().size(), value);
                }
            }

            @Override
            public void close() {
                real.close();
            }
        };
    }

    @Override
    public boolean healthy() {
        return cpu.healthy();
    }

    @Override
    public void close() {
        cpu.close();
    }
}
