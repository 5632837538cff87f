package adsml.platform.offline.train;

import adsml.platform.features.FeatureSchema;
import adsml.platform.model.Architecture;
import adsml.platform.model.Calibration;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.LrWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.platform.offline.metrics.Metrics;
import adsml.platform.scoring.Predictions;
import ai.djl.Device;
import ai.djl.engine.Engine;
import ai.djl.ndarray.NDArray;
import ai.djl.ndarray.NDManager;
import ai.djl.ndarray.types.Shape;
import ai.djl.ndarray.types.SparseFormat;
import ai.djl.nn.Activation;
import ai.djl.training.GradientCollector;
import ai.djl.training.optimizer.Optimizer;
import ai.djl.training.tracker.Tracker;
import java.nio.FloatBuffer;
import java.nio.IntBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * Trains an LR or DCN version on logged impressions with DJL's PyTorch engine: mini-batch Adam on the log loss of two
 * heads, pCTR on every impression and pCVR on clicked ones. The last {@code calibrationFraction} of the log is held
 * back: it picks the best epoch and fits each head's Platt calibration, so the shipped probabilities match observed
 * rates.
 */
public final class Trainer {
    /**
     * The heads' starting logits, near the rates of a log (a CTR of about 2%, conversions of about 4% after a click): a
     * head far from its rate spends its first steps' large gradients on the layers the heads share.
     */
    private static final float[] INITIAL_BIAS = {-4f, -3.3f};

    /** How to train; {@link #defaults(Architecture)} are what {@code adsml train} uses. */
    public record Config(
            Architecture architecture,
            ModelPreset preset,
            int epochs,
            int batchSize,
            float learningRate,
            float weightDecay,
            double calibrationFraction,
            CalibrationMethod calibration,
            long seed) {
        public Config {
            if (architecture == Architecture.TORCHSCRIPT) {
                throw new IllegalArgumentException("TorchScript models are trained elsewhere; train lr or dcn");
            }
            if (epochs < 1
                    || batchSize < 1
                    || !(learningRate > 0)
                    || !(calibrationFraction > 0 && calibrationFraction < 0.5)) {
                throw new IllegalArgumentException(
                        "epochs and batchSize must be >= 1, learningRate > 0, calibrationFraction in (0, 0.5)");
            }
        }

        /** The same configuration with another random seed (initial weights, shuffling). */
        public Config withSeed(long other) {
            return new Config(
                    architecture,
                    preset,
                    epochs,
                    batchSize,
                    learningRate,
                    weightDecay,
                    calibrationFraction,
                    calibration,
                    other);
        }

        /** The same configuration holding out {@code fraction} of the rows, the last ones, to fit the calibration. */
        public Config withCalibrationFraction(double fraction) {
            return new Config(
                    architecture, preset, epochs, batchSize, learningRate, weightDecay, fraction, calibration, seed);
        }

        /**
         * One pass over the log: CTR models over-fit from the second epoch on (the "one-epoch phenomenon"; here the
         * calibration-split AUC fell from 0.84 to 0.83 in epoch 2), so the demo world logs enough impressions for one
         * epoch instead.
         */
        public static Config defaults(Architecture architecture) {
            return architecture == Architecture.LR
                    ? new Config(architecture, ModelPreset.DEMO, 1, 1024, 0.005f, 0f, 0.05, CalibrationMethod.PLATT, 7)
                    : new Config(
                            architecture, ModelPreset.DEMO, 1, 1024, 0.001f, 1e-5f, 0.05, CalibrationMethod.PLATT, 7);
        }
    }

    /** How each head's raw probabilities are mapped to calibrated ones after training. */
    public enum CalibrationMethod {
        /** A logistic fit on the logit: two numbers, smooth, robust on few positives. */
        PLATT,
        /** Pool-adjacent-violators: monotone and free-form, wants more positives. */
        ISOTONIC;

        Calibration fit(float[] p, boolean[] y) {
            return this == PLATT ? CalibrationFit.platt(p, y) : CalibrationFit.isotonic(p, y);
        }
    }

    /** Told of progress every few hundred steps and at each epoch's end. */
    public interface Progress {
        void step(
                int epoch, int epochs, long examplesDone, long examplesPerEpoch, double examplesPerSecond, double loss);

        void epochEnd(int epoch, double calibrationAuc, double calibrationLogLoss);

        Progress NONE = new Progress() {
            @Override
            public void step(int epoch, int epochs, long done, long total, double perSecond, double loss) {}

            @Override
            public void epochEnd(int epoch, double auc, double logLoss) {}
        };
    }

    private final Config config;
    private final Progress progress;

    public Trainer(Config config, Progress progress) {
        this.config = config;
        this.progress = progress;
    }

    /** Trains on {@code data} and returns a calibrated model named {@code name} (version "0" until saved). */
    public Model train(TrainingData data, String name) {
        return train(data, name, null);
    }

    /**
     * Trains on {@code data} from the weights of {@code start} (a warm start: continued training, as a model that
     * follows its traffic is trained), or from a random start when it is null. The start must have the shape this
     * trainer's configuration gives on the data's feature set; its calibration is refitted.
     *
     * @throws IllegalArgumentException when the start's shape differs
     */
    public Model train(TrainingData data, String name, Model start) {
        int calibrationRows = (int) Math.max(1, Math.round(data.size() * config.calibrationFraction()));
        // The fit rows are trained on in place; only the small hold-out is copied out.
        int fitRows = data.size() - calibrationRows;
        TrainingData holdout = data.slice(fitRows, data.size());
        ModelSpec spec = initialSpec(name, data.schema());
        Engine.getInstance().setRandomSeed((int) config.seed());
        long started = System.nanoTime();
        try (NDManager manager = NDManager.newBaseManager(Device.cpu(), "PyTorch")) {
            if (start != null && !sameShape(start.spec(), spec)) {
                throw new IllegalArgumentException("a warm start needs a version of the shape being trained ("
                        + config.architecture().jsonName() + ", preset "
                        + config.preset().name().toLowerCase()
                        + ", feature set " + spec.schema().name() + "), "
                        + start.spec().name() + "/"
                        + start.spec().version() + " has another");
            }
            Parameters params = start == null
                    ? Parameters.create(manager, spec, config.seed())
                    : Parameters.from(manager, spec, start);
            Optimizer adam = Optimizer.adam()
                    .optLearningRateTracker(Tracker.fixed(config.learningRate()))
                    .optWeightDecays(config.weightDecay())
                    .build();

            Model best = null;
            double bestLogLoss = Double.POSITIVE_INFINITY;
            int bestEpoch = 0;
            double lastLoss = Double.NaN;
            for (int epoch = 1; epoch <= config.epochs(); epoch++) {
                lastLoss = runEpoch(manager, params, adam, data, fitRows, epoch);
                if (!Double.isFinite(lastLoss)) {
                    throw new IllegalStateException("training diverged in epoch " + epoch + " (loss " + lastLoss
                            + "); lower the learning rate (--lr)");
                }
                Model candidate = params.snapshot(spec);
                // Uncalibrated: the candidate's calibration is still the identity.
                float[] p = Predictions.of(candidate, holdout.features()).head(spec.ctrHead());
                double logLoss = Metrics.logLoss(p, holdout.click());
                progress.epochEnd(epoch, Metrics.auc(p, holdout.click()), logLoss);
                if (logLoss < bestLogLoss) {
                    bestLogLoss = logLoss;
                    best = candidate;
                    bestEpoch = epoch;
                }
            }
            Map<String, Object> training = new LinkedHashMap<>();
            training.put("examples", fitRows);
            training.put("calibration_examples", holdout.size());
            training.put("epochs", config.epochs());
            training.put("best_epoch", bestEpoch);
            training.put("batch_size", config.batchSize());
            training.put("learning_rate", config.learningRate());
            training.put("final_train_loss", lastLoss);
            training.put("holdout_logloss", bestLogLoss);
            training.put("seconds", Math.round((System.nanoTime() - started) / 1e8) / 10.0);
            training.put("preset", config.preset().name().toLowerCase());
            training.put("calibration", config.calibration().name().toLowerCase());
            ModelSpec trained =
                    best.spec().withTraining(training).withCalibration(calibrate(best, holdout, config.calibration()));
            return withSpec(best, trained);
        }
    }

    private static boolean sameShape(ModelSpec a, ModelSpec b) {
        return a.architecture() == b.architecture()
                && a.schema().equals(b.schema())
                && a.embeddingDim() == b.embeddingDim()
                && a.crossLayers() == b.crossLayers()
                && a.mlp().equals(b.mlp())
                && a.heads().equals(b.heads());
    }

    /** A version of the configured shape on the feature set the data was built with. */
    private ModelSpec initialSpec(String name, FeatureSchema schema) {
        if (config.architecture() == Architecture.DCN) {
            return config.preset().spec(name, "0", schema);
        }
        return new ModelSpec(
                name, "0", Architecture.LR, schema, 0, 0, List.of(), ModelSpec.CTR_CVR, Map.of(), null, Map.of());
    }

    /** One pass over the first {@code n} rows of {@code data}, in a fresh random order. */
    private double runEpoch(NDManager manager, Parameters params, Optimizer adam, TrainingData data, int n, int epoch) {
        int batchSize = config.batchSize();
        int slots = data.features().sparseSlots();
        int denseDims = data.features().denseDims();
        int[] order = shuffled(n, config.seed() * 31 + epoch);
        int[] ids = new int[batchSize * slots];
        float[] dense = new float[batchSize * denseDims];
        float[] click = new float[batchSize];
        float[] conversion = new float[batchSize];
        double lossSum = 0;
        int lossCount = 0;
        long windowStart = System.nanoTime();
        long windowExamples = 0;
        int steps = (n + batchSize - 1) / batchSize;
        for (int step = 0; step < steps; step++) {
            int from = step * batchSize;
            int rows = Math.min(batchSize, n - from);
            for (int r = 0; r < rows; r++) {
                int i = order[from + r];
                System.arraycopy(data.features().sparse(), i * slots, ids, r * slots, slots);
                System.arraycopy(data.features().dense(), i * denseDims, dense, r * denseDims, denseDims);
                click[r] = data.click()[i] ? 1f : 0f;
                conversion[r] = data.conversion()[i] ? 1f : 0f;
            }
            try (NDManager m = manager.newSubManager()) {
                NDArray idArray = m.create(IntBuffer.wrap(ids, 0, rows * slots), new Shape(rows, slots));
                NDArray denseArray = m.create(FloatBuffer.wrap(dense, 0, rows * denseDims), new Shape(rows, denseDims));
                NDArray y = m.create(FloatBuffer.wrap(click, 0, rows), new Shape(rows));
                NDArray v = m.create(FloatBuffer.wrap(conversion, 0, rows), new Shape(rows));
                try (GradientCollector collector = Engine.getInstance().newGradientCollector()) {
                    NDArray logits = params.logits(idArray, denseArray, rows);
                    NDArray ctrLogit = logits.get(":, 0");
                    NDArray cvrLogit = logits.get(":, 1");
                    NDArray ctrLoss = bce(ctrLogit, y).mean();
                    // pCVR is P(conversion | click): only clicked impressions teach it.
                    NDArray cvrLoss = bce(cvrLogit, v).mul(y).sum().div(y.sum().maximum(1f));
                    NDArray loss = ctrLoss.add(cvrLoss);
                    collector.backward(loss);
                    lossSum += ctrLoss.getFloat() * rows;
                    lossCount += rows;
                }
                params.update(adam);
            }
            windowExamples += rows;
            long now = System.nanoTime();
            if (now - windowStart > 2_000_000_000L || step == steps - 1) {
                progress.step(
                        epoch,
                        config.epochs(),
                        (long) from + rows,
                        n,
                        windowExamples / ((now - windowStart) / 1e9),
                        lossSum / lossCount);
                windowStart = now;
                windowExamples = 0;
            }
        }
        return lossSum / Math.max(1, lossCount);
    }

    /** Log loss on logits, in the overflow-free form max(z, 0) - z y + log(1 + exp(-|z|)). */
    private static NDArray bce(NDArray z, NDArray y) {
        return z.maximum(0f).sub(z.mul(y)).add(z.abs().neg().exp().add(1f).log());
    }

    private static int[] shuffled(int n, long seed) {
        int[] order = new int[n];
        for (int i = 0; i < n; i++) {
            order[i] = i;
        }
        SplittableRandom random = new SplittableRandom(seed);
        for (int i = n - 1; i > 0; i--) {
            int j = random.nextInt(i + 1);
            int t = order[i];
            order[i] = order[j];
            order[j] = t;
        }
        return order;
    }

    private static Map<String, Calibration> calibrate(Model model, TrainingData holdout, CalibrationMethod method) {
        Predictions raw = Predictions.of(model, holdout.features());
        float[] ctr = raw.head(model.spec().ctrHead());
        float[] cvr = raw.head(model.spec().cvrHead());
        int clicks = 0;
        for (boolean c : holdout.click()) {
            clicks += c ? 1 : 0;
        }
        float[] cvrClicked = new float[clicks];
        boolean[] convClicked = new boolean[clicks];
        for (int i = 0, k = 0; i < holdout.size(); i++) {
            if (holdout.click()[i]) {
                cvrClicked[k] = cvr[i];
                convClicked[k++] = holdout.conversion()[i];
            }
        }
        Map<String, Calibration> calibration = new LinkedHashMap<>();
        calibration.put("ctr", method.fit(ctr, holdout.click()));
        calibration.put("cvr", clicks >= 50 ? method.fit(cvrClicked, convClicked) : Calibration.Identity.INSTANCE);
        return calibration;
    }

    /**
     * {@code model} with its ctr head's calibration sliced by the sparse {@code slot}: the head's base calibration as
     * it is, then an offset per id of the slot ({@link CalibrationFit#sliceOffsets}, a prior worth {@code prior}
     * expected clicks), fitted on every row of {@code data}. Every row, not a hold-out: a version fine-tuned for one
     * epoch has seen each row once and fifty offsets do not over-fit thousands of clicks, while a hold-out of a few
     * hundred clicks leaves most slices a handful.
     *
     * @throws IllegalArgumentException when the rows are of another feature set than the model's, or it has no such
     *     slot
     */
    public static Model sliceCtr(Model model, TrainingData data, String slot, double prior) {
        ModelSpec spec = model.spec();
        if (!spec.schema().equals(data.schema())) {
            throw new IllegalArgumentException(
                    "the rows are of feature set " + data.schema().name() + ", " + spec.name() + "/" + spec.version()
                            + " reads " + spec.schema().name());
        }
        String ctr = spec.heads().get(spec.ctrHead());
        Map<String, Calibration> calibration = new LinkedHashMap<>(spec.calibration());
        calibration.put(ctr, spec.calibrationOf(ctr).base());
        Model unsliced = withSpec(model, spec.withCalibration(calibration));
        int s = spec.schema().slotIndex(slot);
        int first = spec.schema().offset(s);
        int slots = data.features().sparseSlots();
        int[] ids = new int[data.size()];
        for (int r = 0; r < ids.length; r++) {
            ids[r] = data.features().sparse()[r * slots + s] - first;
        }
        float[] p = Predictions.of(unsliced, data.features()).head(spec.ctrHead());
        int vocab = spec.schema().slots().get(s).vocab();
        float[] offsets = CalibrationFit.sliceOffsets(p, ids, data.click(), vocab, prior);
        calibration.put(ctr, new Calibration.Sliced(calibration.get(ctr), slot, offsets));
        Map<String, Object> training = new LinkedHashMap<>(spec.training());
        training.put("slice_slot", slot);
        training.put("slice_prior", prior);
        training.put("slice_examples", data.size());
        return withSpec(model, spec.withCalibration(calibration).withTraining(training));
    }

    private static Model withSpec(Model model, ModelSpec spec) {
        if (model instanceof Model.Dcn dcn) {
            return new Model.Dcn(spec, dcn.weights());
        }
        return new Model.Lr(spec, ((Model.Lr) model).weights());
    }

    /** The trainable tensors, created with gradients on, and their snapshot back into plain arrays. */
    private static final class Parameters {
        private final List<NDArray> all = new ArrayList<>();
        private final List<String> names = new ArrayList<>();
        private final ModelSpec spec;
        private NDArray embedding;
        private final List<NDArray> crossW = new ArrayList<>();
        private final List<NDArray> crossB = new ArrayList<>();
        private final List<NDArray> mlpW = new ArrayList<>();
        private final List<NDArray> mlpB = new ArrayList<>();
        private NDArray headW;
        private NDArray headB;
        private NDArray lrDense;

        private Parameters(ModelSpec spec) {
            this.spec = spec;
        }

        /** The tensors of a trained version, to train on from where it stopped. */
        static Parameters from(NDManager manager, ModelSpec spec, Model start) {
            Parameters p = new Parameters(spec);
            int heads = spec.heads().size();
            int rows = spec.schema().totalRows();
            if (start instanceof Model.Lr lr) {
                LrWeights w = lr.weights();
                float[] table = new float[w.sparse().length]; // [heads, rows] on disk, [rows, heads] in training
                for (int r = 0; r < rows; r++) {
                    for (int h = 0; h < heads; h++) {
                        table[r * heads + h] = w.sparse()[h * rows + r];
                    }
                }
                p.embedding = p.add(manager.create(table, new Shape(rows, heads)), "lr.sparse");
                p.lrDense = p.add(
                        manager.create(w.dense(), new Shape(heads, spec.schema().denseDims())), "lr.dense");
                p.headB = p.add(manager.create(w.bias()), "lr.bias");
                return p;
            }
            DcnWeights w = ((Model.Dcn) start).weights();
            int d = spec.inputWidth();
            p.embedding = p.add(manager.create(w.embedding(), new Shape(rows, spec.embeddingDim())), "embedding");
            for (int l = 0; l < spec.crossLayers(); l++) {
                p.crossW.add(p.add(manager.create(w.crossWeight()[l], new Shape(d, d)), "cross." + l + ".weight"));
                p.crossB.add(p.add(manager.create(w.crossBias()[l], new Shape(d)), "cross." + l + ".bias"));
            }
            int in = d;
            for (int l = 0; l < spec.mlp().size(); l++) {
                int out = spec.mlp().get(l);
                p.mlpW.add(p.add(manager.create(w.mlpWeight()[l], new Shape(out, in)), "mlp." + l + ".weight"));
                p.mlpB.add(p.add(manager.create(w.mlpBias()[l], new Shape(out)), "mlp." + l + ".bias"));
                in = out;
            }
            p.headW = p.add(manager.create(w.headWeight(), new Shape(heads, in)), "head.weight");
            p.headB = p.add(manager.create(w.headBias()), "head.bias");
            return p;
        }

        static Parameters create(NDManager manager, ModelSpec spec, long seed) {
            Parameters p = new Parameters(spec);
            int heads = spec.heads().size();
            int rows = spec.schema().totalRows();
            if (spec.architecture() == Architecture.LR) {
                p.embedding = p.add(manager.zeros(new Shape(rows, heads)), "lr.sparse");
                p.lrDense = p.add(manager.zeros(new Shape(heads, spec.schema().denseDims())), "lr.dense");
                p.headB = p.add(manager.create(INITIAL_BIAS), "lr.bias");
                return p;
            }
            DcnWeights init = DcnWeights.random(spec, seed);
            int d = spec.inputWidth();
            p.embedding = p.add(manager.create(init.embedding(), new Shape(rows, spec.embeddingDim())), "embedding");
            for (int l = 0; l < spec.crossLayers(); l++) {
                // Cross layers start near zero, so the first steps see plain x0 and learn crosses as they pay.
                float[] small = init.crossWeight()[l].clone();
                for (int i = 0; i < small.length; i++) {
                    small[i] *= 0.1f;
                }
                p.crossW.add(p.add(manager.create(small, new Shape(d, d)), "cross." + l + ".weight"));
                p.crossB.add(p.add(manager.zeros(new Shape(d)), "cross." + l + ".bias"));
            }
            int in = d;
            for (int l = 0; l < spec.mlp().size(); l++) {
                int out = spec.mlp().get(l);
                p.mlpW.add(p.add(manager.create(init.mlpWeight()[l], new Shape(out, in)), "mlp." + l + ".weight"));
                p.mlpB.add(p.add(manager.zeros(new Shape(out)), "mlp." + l + ".bias"));
                in = out;
            }
            p.headW = p.add(
                    manager.create(init.headWeight(), new Shape(heads, in)).mul(0.1f), "head.weight");
            p.headB = p.add(manager.create(INITIAL_BIAS), "head.bias");
            return p;
        }

        private NDArray add(NDArray array, String name) {
            array.setRequiresGradient(true);
            all.add(array);
            names.add(name);
            return array;
        }

        NDArray logits(NDArray ids, NDArray dense, int rows) {
            NDArray gathered = ids.getNDArrayInternal()
                    .embedding(ids, embedding, SparseFormat.DENSE)
                    .singletonOrThrow();
            if (spec.architecture() == Architecture.LR) {
                return gathered.sum(new int[] {1}).add(linear(dense, lrDense, headB));
            }
            NDArray x0 = gathered.reshape(rows, (long) spec.schema().sparseSlots() * spec.embeddingDim())
                    .concat(dense, 1);
            NDArray x = x0;
            for (int l = 0; l < crossW.size(); l++) {
                x = x0.mul(linear(x, crossW.get(l), crossB.get(l))).add(x);
            }
            NDArray h = x;
            for (int l = 0; l < mlpW.size(); l++) {
                h = Activation.relu(linear(h, mlpW.get(l), mlpB.get(l)));
            }
            return linear(h, headW, headB);
        }

        private static NDArray linear(NDArray x, NDArray w, NDArray b) {
            return x.getNDArrayInternal().linear(x, w, b).singletonOrThrow();
        }

        void update(Optimizer adam) {
            for (int i = 0; i < all.size(); i++) {
                NDArray weight = all.get(i);
                try (NDArray grad = weight.getGradient()) {
                    adam.update(names.get(i), weight, grad);
                    grad.muli(0f);
                }
            }
        }

        Model snapshot(ModelSpec spec) {
            if (spec.architecture() == Architecture.LR) {
                int heads = spec.heads().size();
                float[] table = embedding.toFloatArray();
                int rows = table.length / heads;
                float[] sparse = new float[table.length];
                for (int r = 0; r < rows; r++) {
                    for (int h = 0; h < heads; h++) {
                        sparse[h * rows + r] = table[r * heads + h];
                    }
                }
                return new Model.Lr(spec, new LrWeights(sparse, lrDense.toFloatArray(), headB.toFloatArray()));
            }
            float[][] cw = new float[crossW.size()][];
            float[][] cb = new float[crossW.size()][];
            for (int l = 0; l < cw.length; l++) {
                cw[l] = crossW.get(l).toFloatArray();
                cb[l] = crossB.get(l).toFloatArray();
            }
            float[][] mw = new float[mlpW.size()][];
            float[][] mb = new float[mlpW.size()][];
            for (int l = 0; l < mw.length; l++) {
                mw[l] = mlpW.get(l).toFloatArray();
                mb[l] = mlpB.get(l).toFloatArray();
            }
            return new Model.Dcn(
                    spec,
                    new DcnWeights(
                            embedding.toFloatArray(), cw, cb, mw, mb, headW.toFloatArray(), headB.toFloatArray()));
        }
    }
}
