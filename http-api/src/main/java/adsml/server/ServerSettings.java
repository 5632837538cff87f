package adsml.server;

import adsml.platform.scoring.CpuScorers;
import adsml.scheduler.SchedulerSettings;
import adsml.scheduler.gpu.Backends;
import adsml.scheduler.gpu.GpuSettings;
import adsml.scheduler.gpu.Precision;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;
import java.util.Locale;

/** {@code adsml.server}, read once and checked; a bad value fails start-up naming the key. */
record ServerSettings(int cpuWorkers, int cpuIntraOpThreads, long cpuMemoryBudgetBytes, CpuScorers.Engine cpuEngine,
                      SchedulerSettings scheduler, double reserveEcpm,
                      int maxSlots, int userCacheSize, String modelName, Backends.Backend backend, GpuSettings gpu,
                      int warmUpRequests) {

    static ServerSettings from(Config root) {
        Config c = root.getConfig("adsml.server");
        int workers = c.getInt("cpu-workers");
        if (workers < 0) {
            throw new ConfigException.BadValue("adsml.server.cpu-workers", "must be >= 0 (0: one per core), was " + workers);
        }
        if (workers == 0) {
            workers = Runtime.getRuntime().availableProcessors();
        }
        int threads = c.getInt("cpu-intra-op-threads");
        if (threads < 1) {
            throw new ConfigException.BadValue("adsml.server.cpu-intra-op-threads", "must be >= 1, was " + threads);
        }
        SchedulerSettings scheduler;
        try {
            scheduler = new SchedulerSettings(c.getInt("max-batch-rows"), Duration.ofMillis(c.getLong("max-queue-delay-ms")),
                    c.getInt("max-queued-rows"), c.getDouble("service-time-safety"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("adsml.server", e.getMessage());
        }
        CpuScorers.Engine cpuEngine;
        try {
            cpuEngine = CpuScorers.Engine.named(c.getString("cpu-engine"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("adsml.server.cpu-engine", e.getMessage());
        }
        Backends.Backend backend;
        try {
            backend = Backends.Backend.named(c.getString("backend"));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("adsml.server.backend", e.getMessage());
        }
        GpuSettings gpu;
        try {
            gpu = new GpuSettings(c.getInt("gpu-streams"), scheduler.maxBatchRows(), c.getLong("gpu-memory-budget-mb") << 20,
                    Precision.valueOf(c.getString("gpu-precision").toUpperCase(Locale.ROOT)));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue("adsml.server.gpu-*", "gpu-streams >= 1, gpu-memory-budget-mb >= 0, "
                    + "gpu-precision fp32 or tf32: " + e.getMessage());
        }
        int warmUp = c.getInt("warm-up-requests");
        if (warmUp < 0) {
            throw new ConfigException.BadValue("adsml.server.warm-up-requests", "must be >= 0 (0: none), was " + warmUp);
        }
        return new ServerSettings(workers, threads, c.getLong("cpu-memory-budget-mb") << 20, cpuEngine, scheduler, c.getDouble("reserve-ecpm"),
                c.getInt("max-slots"), c.getInt("user-cache-size"), c.getString("model-name"), backend, gpu, warmUp);
    }
}
