package adsml.actors.models;

import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import adsml.platform.features.RandomFeatures;
import adsml.platform.model.InvalidModelException;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.scoring.ReferenceScorer;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.Device;
import adsml.scheduler.LoadedVersion;
import adsml.scheduler.OverloadException;
import adsml.scheduler.Priority;
import adsml.scheduler.Ticker;
import adsml.scheduler.VersionFaultException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

/**
 * The blocking half of the registry, run on its dispatcher for blocking work: finds a version folder (only inside the
 * models folder), loads it on every device, and validates it before it may take traffic: a feature set this server
 * declares, then a golden batch scored through the real scheduler path, which must be finite probabilities and agree
 * with the plain-Java reference. Scoring the golden batch also warms the device path.
 */
final class VersionLoader {
    private static final int GOLDEN_ROWS = 32;
    private static final int WARM_UP_PASSES = 4;
    private static final Duration GOLDEN_DEADLINE = Duration.ofSeconds(30);
    private static final Duration SHED_BACKOFF = Duration.ofMillis(50);

    private final Path modelsRoot;
    private final List<Device> devices;
    private final BatchingScheduler scheduler;
    private final FeatureSets featureSets;
    private final Ticker ticker;

    VersionLoader(
            Path modelsRoot,
            List<Device> devices,
            BatchingScheduler scheduler,
            FeatureSets featureSets,
            Ticker ticker) {
        this.ticker = ticker;
        this.modelsRoot = modelsRoot;
        this.devices = devices;
        this.scheduler = scheduler;
        this.featureSets = featureSets;
    }

    /** A loaded, validated version and what its validation found. */
    record Loaded(LoadedVersion version, String validation) {}

    /**
     * The folder of {@code name/version}; names are plain folder names and the resolved folder, links followed, must
     * lie inside the models folder.
     *
     * @throws RegistryRefusal BAD_NAME for a name that could leave the folder, NOT_FOUND for no such version
     */
    Path resolve(String name, String version) {
        return VersionFolders.resolve(modelsRoot, name, version);
    }

    /** Loads, validates and warms {@code dir}; {@code warming} runs once it is loaded, before its golden batch. */
    Loaded load(Path dir, Runnable warming) {
        try {
            return loadAndValidate(dir, warming);
        } catch (InvalidModelException e) {
            // Reasons go to admin clients: name files relative to the models folder, not by server path.
            throw new InvalidModelException(
                    e.getMessage().replace(dir + "/", "").replace(dir.toString(), "."), e);
        }
    }

    private Loaded loadAndValidate(Path dir, Runnable warming) {
        Model model = ModelFolder.load(dir);
        // The registry, the API and metrics name a version by its folder; traffic reports the spec's
        // name and version. A copied folder whose model.json was not edited would serve under two names.
        String folderName = dir.getParent().getFileName().toString();
        String folderVersion = dir.getFileName().toString();
        if (!model.spec().name().equals(folderName) || !model.spec().version().equals(folderVersion)) {
            throw new InvalidModelException(ModelFolder.MODEL_JSON + " names "
                    + model.spec().name() + "/" + model.spec().version()
                    + ", but the version is in the folder " + folderName + "/" + folderVersion
                    + ": set its \"name\" and \"version\" to the folder's (a copied version keeps the original's)");
        }
        FeatureSchema schema = model.spec().schema();
        FeatureAssembly set = featureSets
                .get(schema.name())
                .orElseThrow(() ->
                        new InvalidModelException(ModelFolder.MODEL_JSON + ": it was trained on feature set '"
                                + schema.name() + "', which this server does not have (it has: "
                                + String.join(
                                        ", ",
                                        featureSets.all().stream()
                                                .map(a -> a.set().id())
                                                .toList())
                                + "); add its declaration to the data folder's features/ and restart"));
        if (!set.schema().equals(schema)) {
            throw new InvalidModelException(ModelFolder.MODEL_JSON + ": its columns are not those of feature set '"
                    + schema.name() + "' as this server declares it (a set's version must change with its columns)");
        }
        LoadedVersion loaded = LoadedVersion.load(model, devices);
        try {
            warming.run();
            return new Loaded(loaded, validate(model, loaded));
        } catch (RuntimeException e) {
            loaded.close();
            throw e;
        }
    }

    /** Shadow work yields to live traffic: when the scheduler sheds it, wait and try again within the budget. */
    private float[] scoreShadow(LoadedVersion loaded, FeatureBatch batch) throws Exception {
        long giveUp = ticker.nanos() + GOLDEN_DEADLINE.toNanos();
        while (true) {
            try {
                return scheduler
                        .submit(loaded, batch, giveUp, Priority.SHADOW)
                        .get(GOLDEN_DEADLINE.toMillis(), TimeUnit.MILLISECONDS);
            } catch (ExecutionException e) {
                if (!(e.getCause() instanceof OverloadException) || ticker.nanos() + SHED_BACKOFF.toNanos() >= giveUp) {
                    throw e;
                }
                Thread.sleep(SHED_BACKOFF.toMillis());
            }
        }
    }

    private String validate(Model model, LoadedVersion loaded) {
        FeatureBatch golden = RandomFeatures.batch(model.spec().schema(), GOLDEN_ROWS, 20261126L);
        float[] scores = null;
        try {
            // The first pass validates; the others warm the device path, so that the scheduler's
            // service-time estimate reflects warm batches before live traffic arrives.
            for (int pass = 0; pass < WARM_UP_PASSES; pass++) {
                float[] result = scoreShadow(loaded, golden);
                scores = scores == null ? result : scores;
            }
        } catch (Exception e) {
            Throwable cause = e instanceof ExecutionException && e.getCause() != null ? e.getCause() : e;
            // The scheduler found the version at fault: say what its scorer did, not what the scheduler did about it.
            if (cause instanceof VersionFaultException && cause.getCause() != null) {
                cause = cause.getCause();
            }
            throw new InvalidModelException("golden batch failed: " + cause.getMessage(), e);
        }
        int heads = model.spec().heads().size();
        for (int i = 0; i < GOLDEN_ROWS * heads; i++) {
            if (!Float.isFinite(scores[i]) || scores[i] < 0f || scores[i] > 1f) {
                throw new InvalidModelException("golden batch: row " + i / heads + " head "
                        + model.spec().heads().get(i % heads) + " scored " + scores[i] + ", not a probability");
            }
        }
        if (model instanceof Model.TorchScript) {
            return "golden batch of " + GOLDEN_ROWS
                    + " rows: finite probabilities (no plain-Java reference for TorchScript)";
        }
        float[] reference = new float[scores.length];
        ReferenceScorer.of(model).score(golden, reference);
        // The scheduler scored the batch on one device; each other device (a CPU fallback behind a
        // GPU, say) would take over this version's batches, so each is checked, against its own bound.
        StringBuilder detail = new StringBuilder(
                "golden batch of " + GOLDEN_ROWS + " rows: finite probabilities, max |backend - reference|");
        for (Device device : loaded.devices()) {
            float[] out = new float[scores.length];
            try {
                loaded.scorer(device).score(golden, out);
            } catch (RuntimeException e) {
                throw new InvalidModelException("golden batch failed on " + device.name() + ": " + e.getMessage(), e);
            }
            float worst = 0f;
            for (int i = 0; i < reference.length; i++) {
                worst = Math.max(worst, Math.abs(reference[i] - out[i])); // Math.max keeps a NaN
            }
            double tolerance = device.referenceTolerance();
            if (!(worst <= tolerance)) {
                throw new InvalidModelException("golden batch: " + device.name() + " and the reference differ by "
                        + worst + " (tolerance " + tolerance + ")");
            }
            detail.append(String.format(" %s %.1e", device.name(), worst));
        }
        return detail.toString();
    }
}
