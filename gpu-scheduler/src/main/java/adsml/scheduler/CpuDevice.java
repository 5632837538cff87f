package adsml.scheduler;

import adsml.platform.model.Model;
import adsml.platform.scoring.CpuScorers;
import adsml.platform.scoring.Scorer;
import java.util.Objects;

/**
 * The CPU backend: scorers from {@link CpuScorers} (DJL's PyTorch engine, or the plain-Java reference where
 * {@code adsml.scheduler.cpu.engine} says so). A DJL scorer keeps its weights read-only and runs every call in its own
 * native sub-manager, so the device's worker threads share one scorer per version instead of holding a copy of the
 * weights each.
 */
public final class CpuDevice implements Device {
    private final String name;
    private final int workers;
    private final MemoryBudget memory;
    private final boolean fallbackOnly;
    private final CpuScorers.Engine engine;
    private final int workerNice;
    private volatile boolean closed;

    public CpuDevice(String name, int workers, long memoryBudgetBytes) {
        this(name, workers, memoryBudgetBytes, false);
    }

    /**
     * @param fallbackOnly whether the device only takes batches that no GPU can (see {@link Device#fallbackOnly()}):
     *     the CPU behind GPUs
     */
    public CpuDevice(String name, int workers, long memoryBudgetBytes, boolean fallbackOnly) {
        this(name, workers, memoryBudgetBytes, fallbackOnly, CpuScorers.Engine.DJL, 0);
    }

    /**
     * @param engine what scores: DJL, or the plain-Java reference (see {@link CpuScorers.Engine})
     * @param workerNice the nice value the scoring threads give themselves (see {@link Device#workerNice()})
     */
    public CpuDevice(
            String name,
            int workers,
            long memoryBudgetBytes,
            boolean fallbackOnly,
            CpuScorers.Engine engine,
            int workerNice) {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("name must not be blank");
        }
        if (workers < 1) {
            throw new IllegalArgumentException(name + ": workers must be >= 1, was " + workers);
        }
        this.name = name;
        this.workers = workers;
        this.memory = new MemoryBudget(name, memoryBudgetBytes);
        this.fallbackOnly = fallbackOnly;
        this.engine = Objects.requireNonNull(engine, "engine");
        if (workerNice < 0 || workerNice > 19) {
            throw new IllegalArgumentException(name + ": workerNice must be within [0, 19], was " + workerNice);
        }
        this.workerNice = workerNice;
    }

    @Override
    public int workerNice() {
        return workerNice;
    }

    @Override
    public boolean fallbackOnly() {
        return fallbackOnly;
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
        return memory.budgetBytes();
    }

    /** Bytes held by the versions loaded now. */
    public long usedBytes() {
        return memory.usedBytes();
    }

    @Override
    public Scorer load(Model model) {
        if (closed) {
            throw new IllegalStateException(name + " is closed");
        }
        String id = model.spec().name() + "/" + model.spec().version();
        MemoryBudget.Reservation reservation = memory.reserve(id, MemoryBudget.estimateBytes(model));
        try {
            return MemoryBudget.accounted(CpuScorers.of(model, engine), reservation);
        } catch (RuntimeException | Error e) {
            reservation.close();
            throw e;
        }
    }

    @Override
    public boolean healthy() {
        return !closed;
    }

    /** Marks the device closed; the versions loaded on it are closed by their owners. */
    @Override
    public void close() {
        closed = true;
    }

    @Override
    public String toString() {
        return "CpuDevice[" + name + ", " + workers + " workers, "
                + (engine == CpuScorers.Engine.DJL ? "" : "reference engine, ")
                + (fallbackOnly ? "fallback only, " : "") + MemoryBudget.format(usedBytes()) + " of "
                + MemoryBudget.format(memoryBudgetBytes()) + " used]";
    }
}
