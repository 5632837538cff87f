package adsml.actors.models;

import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.RandomFeatures;
import adsml.platform.model.InvalidModelException;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.scoring.ReferenceScorer;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.Device;
import adsml.scheduler.LoadedVersion;
import adsml.scheduler.Priority;
import adsml.scheduler.Ticker;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * The blocking half of the registry, run on its dispatcher for blocking work: finds a version
 * folder (only inside the models folder), loads it on every device, and validates it before it
 * may take traffic: the serving feature schema, then a golden batch scored through the real
 * scheduler path, which must be finite probabilities and agree with the plain-Java reference.
 * Scoring the golden batch also warms the device path.
 */
final class VersionLoader {
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");
    private static final int GOLDEN_ROWS = 32;
    private static final int WARM_UP_PASSES = 4;
    private static final float REFERENCE_TOLERANCE = 1e-4f;
    private static final Duration GOLDEN_DEADLINE = Duration.ofSeconds(30);

    private final Path modelsRoot;
    private final List<Device> devices;
    private final BatchingScheduler scheduler;
    private final FeatureSchema servingSchema;
    private final Ticker ticker;

    VersionLoader(Path modelsRoot, List<Device> devices, BatchingScheduler scheduler, FeatureSchema servingSchema,
                  Ticker ticker) {
        this.ticker = ticker;
        this.modelsRoot = modelsRoot;
        this.devices = devices;
        this.scheduler = scheduler;
        this.servingSchema = servingSchema;
    }

    /** A loaded, validated version and what its validation found. */
    record Loaded(LoadedVersion version, String validation) {
    }

    /**
     * The folder of {@code name/version}; names are plain folder names and the resolved folder,
     * links followed, must lie inside the models folder.
     *
     * @throws IllegalArgumentException with a reason, for a name that could leave the folder
     */
    Path resolve(String name, String version) {
        for (String part : List.of(name, version)) {
            if (!NAME.matcher(part).matches() || part.equals(".") || part.equals("..")) {
                throw new IllegalArgumentException("'" + part + "' is not a model or version name (letters, digits, _ . -)");
            }
        }
        Path dir = modelsRoot.resolve(name).resolve(version);
        try {
            Path real = dir.toRealPath();
            if (!real.startsWith(modelsRoot.toRealPath())) {
                throw new IllegalArgumentException(name + "/" + version + " resolves outside the models folder");
            }
            return real;
        } catch (IOException e) {
            throw new IllegalArgumentException("no version " + name + "/" + version + " in the models folder");
        }
    }

    Loaded load(Path dir) {
        Model model = ModelFolder.load(dir);
        if (!model.spec().schema().equals(servingSchema)) {
            throw new InvalidModelException(dir.getFileName() + ": its feature schema '" + model.spec().schema().name()
                    + "' is not the serving features' '" + servingSchema.name() + "'");
        }
        LoadedVersion loaded = LoadedVersion.load(model, devices);
        try {
            return new Loaded(loaded, validate(model, loaded));
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    private String validate(Model model, LoadedVersion loaded) {
        FeatureBatch golden = RandomFeatures.batch(servingSchema, GOLDEN_ROWS, 20261126L);
        float[] scores = null;
        try {
            // The first pass validates; the others warm the device path, so that the scheduler's
            // service-time estimate reflects warm batches before live traffic arrives.
            for (int pass = 0; pass < WARM_UP_PASSES; pass++) {
                long deadline = ticker.nanos() + GOLDEN_DEADLINE.toNanos();
                float[] result = scheduler.submit(loaded, golden, deadline, Priority.SHADOW)
                        .get(GOLDEN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
                scores = scores == null ? result : scores;
            }
        } catch (Exception e) {
            throw new InvalidModelException("golden batch failed: " + e.getMessage(), e);
        }
        int heads = model.spec().heads().size();
        for (int i = 0; i < GOLDEN_ROWS * heads; i++) {
            if (!Float.isFinite(scores[i]) || scores[i] < 0f || scores[i] > 1f) {
                throw new InvalidModelException("golden batch: row " + i / heads + " head " + model.spec().heads().get(i % heads)
                        + " scored " + scores[i] + ", not a probability");
            }
        }
        if (model instanceof Model.TorchScript) {
            return "golden batch of " + GOLDEN_ROWS + " rows: finite probabilities (no plain-Java reference for TorchScript)";
        }
        float[] reference = new float[scores.length];
        ReferenceScorer.of(model).score(golden, reference);
        float worst = 0f;
        for (int i = 0; i < reference.length; i++) {
            worst = Math.max(worst, Math.abs(reference[i] - scores[i]));
        }
        if (worst > REFERENCE_TOLERANCE) {
            throw new InvalidModelException("golden batch: backend and reference differ by " + worst
                    + " (tolerance " + REFERENCE_TOLERANCE + ")");
        }
        return String.format("golden batch of %d rows: finite probabilities, max |backend - reference| = %.1e",
                GOLDEN_ROWS, worst);
    }
}
