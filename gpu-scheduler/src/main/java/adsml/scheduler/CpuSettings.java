package adsml.scheduler;

import adsml.platform.config.SettingsReader;
import adsml.platform.scoring.CpuScorers;
import com.typesafe.config.Config;
import java.util.Objects;

/**
 * How the CPU device scores.
 *
 * @param workers scoring threads, each scoring one batch at a time
 * @param intraOpThreads threads PyTorch uses inside one batch
 * @param memoryBudgetBytes memory all loaded versions may use
 * @param engine DJL, or the plain-Java reference
 * @param workerNice the nice value the scoring threads give themselves, 0 to 19 (see {@link Device#workerNice()})
 */
public record CpuSettings(
        int workers, int intraOpThreads, long memoryBudgetBytes, CpuScorers.Engine engine, int workerNice) {
    public CpuSettings {
        if (workers < 1) {
            throw new IllegalArgumentException("workers must be >= 1, was " + workers);
        }
        if (intraOpThreads < 1) {
            throw new IllegalArgumentException("intraOpThreads must be >= 1, was " + intraOpThreads);
        }
        if (memoryBudgetBytes < 1) {
            throw new IllegalArgumentException("memoryBudgetBytes must be >= 1, was " + memoryBudgetBytes);
        }
        Objects.requireNonNull(engine, "engine");
        if (workerNice < 0 || workerNice > 19) {
            throw new IllegalArgumentException("workerNice must be within [0, 19], was " + workerNice);
        }
    }

    /** Reads {@code adsml.scheduler.cpu}; {@code workers = 0} becomes one per core. */
    public static CpuSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.scheduler.cpu");
        int workers = r.intIn("workers", 0, 1024);
        return new CpuSettings(
                workers == 0 ? Runtime.getRuntime().availableProcessors() : workers,
                r.intIn("intra-op-threads", 1, 256),
                r.longIn("memory-budget-mb", 1, 1L << 24) << 20,
                r.parsed("engine", CpuScorers.Engine::named),
                r.intIn("worker-nice", 0, 19));
    }
}
