package adsml.scheduler;

import adsml.platform.features.FeatureSchema;
import adsml.platform.model.Model;
import adsml.platform.model.ModelSpec;
import adsml.platform.scoring.Scorer;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * One model version loaded on every device of a scheduler, with a reference count.
 *
 * <p>A {@link Job} holds the version from its creation until its future is done, and each device batch holds it while
 * the batch is scored. {@link #close()} retires the version: new jobs are refused with {@link VersionRetiredException},
 * while jobs already admitted and batches in flight finish on it; its scorers (and so its device memory) are closed
 * when the last reference is released. Thread-safe.
 *
 * <p>When the scheduler finds the version itself at fault on live work (see {@link BatchingScheduler}), it reports it
 * here, once: {@link #whenFaulty()} completes with the reason, for the model registry to roll back from it.
 */
public final class LoadedVersion implements AutoCloseable {
    private final ModelSpec spec;
    private final String id;
    private final List<Device> devices;
    private final Scorer[] scorers;
    private final int[] offsets;
    private final int[] vocabs;
    private final CompletableFuture<String> fault = new CompletableFuture<>();
    // Guarded by the scheduler's lock.
    final InvalidScores invalidScores = new InvalidScores();
    private int refs;
    private boolean retired;
    private boolean released;

    private LoadedVersion(ModelSpec spec, List<Device> devices, Scorer[] scorers) {
        this.spec = spec;
        this.id = spec.name() + "/" + spec.version();
        this.devices = devices;
        this.scorers = scorers;
        FeatureSchema schema = spec.schema();
        this.offsets = schema.offsets();
        this.vocabs = new int[schema.sparseSlots()];
        for (int s = 0; s < vocabs.length; s++) {
            vocabs[s] = schema.slots().get(s).vocab();
        }
    }

    /**
     * Loads {@code model} on each of {@code devices} that {@linkplain Device#runs runs} its architecture. If one
     * refuses (for example with {@link DeviceMemoryException}), what was already loaded is closed and the error is
     * rethrown.
     */
    public static LoadedVersion load(Model model, List<Device> devices) {
        Objects.requireNonNull(model, "model");
        if (devices.isEmpty()) {
            throw new IllegalArgumentException("a version must be loaded on at least one device");
        }
        // An unhealthy device is left out: a GPU that failed must not block every later version.
        List<Device> copy =
                devices.stream().filter(d -> d.runs(model) && d.healthy()).toList();
        if (copy.isEmpty()) {
            throw new IllegalArgumentException(
                    "no healthy device runs " + model.spec().architecture() + " versions: "
                            + devices.stream()
                                    .map(d -> d.name() + (d.healthy() ? "" : " (unhealthy)"))
                                    .toList());
        }
        Scorer[] scorers = new Scorer[copy.size()];
        for (int i = 0; i < scorers.length; i++) {
            try {
                scorers[i] = Objects.requireNonNull(
                        copy.get(i).load(model), "device " + copy.get(i).name() + " returned no scorer");
            } catch (RuntimeException | Error e) {
                for (int j = 0; j < i; j++) {
                    try {
                        scorers[j].close();
                    } catch (RuntimeException closing) {
                        e.addSuppressed(closing);
                    }
                }
                throw e;
            }
        }
        return new LoadedVersion(model.spec(), copy, scorers);
    }

    /** {@code name/version}. */
    public String id() {
        return id;
    }

    public ModelSpec spec() {
        return spec;
    }

    public List<Device> devices() {
        return devices;
    }

    public boolean isLoadedOn(Device device) {
        return indexOf(device) >= 0;
    }

    /** This version's scorer on {@code device}. */
    public Scorer scorer(Device device) {
        int i = indexOf(device);
        if (i < 0) {
            throw new IllegalArgumentException(id + " is not loaded on " + device.name());
        }
        return scorers[i];
    }

    private int indexOf(Device device) {
        for (int i = 0; i < devices.size(); i++) {
            if (devices.get(i) == device) {
                return i;
            }
        }
        return -1;
    }

    /**
     * Takes a reference; pair it with {@link #release()}.
     *
     * @throws VersionRetiredException once the version is retired
     */
    public synchronized void acquire() {
        if (retired) {
            throw new VersionRetiredException(id);
        }
        refs++;
    }

    /** Takes one more reference for work already admitted (a batch of admitted jobs); allowed after retirement. */
    synchronized void retain() {
        if (released) {
            throw new IllegalStateException(id + " was already released");
        }
        refs++;
    }

    /** Returns a reference; the last one of a retired version closes its scorers. */
    public void release() {
        synchronized (this) {
            if (refs <= 0) {
                throw new IllegalStateException(id + ": release without acquire");
            }
            refs--;
            if (!retired || refs > 0) {
                return;
            }
            released = true;
        }
        closeScorers();
    }

    /** Retires the version; its scorers close now if nothing holds it, else after the last release. Idempotent. */
    @Override
    public void close() {
        synchronized (this) {
            if (retired) {
                return;
            }
            retired = true;
            if (refs > 0) {
                return;
            }
            released = true;
        }
        closeScorers();
    }

    synchronized boolean isRetired() {
        return retired;
    }

    /** Whether the scorers are closed and the version's device memory returned. */
    public synchronized boolean isReleased() {
        return released;
    }

    /** References held now: admitted jobs plus batches in flight. */
    public synchronized int references() {
        return refs;
    }

    /** Completes, once, with the reason when the scheduler finds the version at fault; never fails. */
    public CompletionStage<String> whenFaulty() {
        return fault.minimalCompletionStage();
    }

    /** Why the scheduler found the version at fault; empty while it has not. */
    public Optional<String> fault() {
        return Optional.ofNullable(fault.getNow(null));
    }

    /** Records that the version is at fault; returns whether this is the first report. */
    boolean reportFault(String reason) {
        return fault.complete(reason);
    }

    int[] slotOffsets() {
        return offsets;
    }

    int[] slotVocabs() {
        return vocabs;
    }

    private void closeScorers() {
        RuntimeException first = null;
        for (Scorer scorer : scorers) {
            try {
                scorer.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                } else {
                    first.addSuppressed(e);
                }
            }
        }
        if (first != null) {
            throw first;
        }
    }

    @Override
    public String toString() {
        return "LoadedVersion[" + id + "]";
    }
}
