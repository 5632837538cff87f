package adsml.server;

import adsml.scheduler.SchedulerSettings;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import java.time.Duration;

/** {@code adsml.server}, read once and checked; a bad value fails start-up naming the key. */
record ServerSettings(int cpuWorkers, int cpuIntraOpThreads, long cpuMemoryBudgetBytes, SchedulerSettings scheduler, double reserveEcpm,
                      int maxSlots, int userCacheSize, String modelName) {

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
        return new ServerSettings(workers, threads, c.getLong("cpu-memory-budget-mb") << 20, scheduler, c.getDouble("reserve-ecpm"),
                c.getInt("max-slots"), c.getInt("user-cache-size"), c.getString("model-name"));
    }
}
