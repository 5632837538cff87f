package adsml.platform.offline.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSets;
import adsml.platform.model.Architecture;
import adsml.platform.model.Calibration;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.offline.generator.ProgressListener;
import adsml.platform.offline.generator.WorldGenerator;
import adsml.platform.offline.metrics.Metrics;
import adsml.platform.scoring.Predictions;
import adsml.platform.world.World;
import adsml.platform.world.WorldConfig;
import java.util.Arrays;
import java.util.SplittableRandom;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

class TrainerTest {
    private static World world;
    private static TrainingData heldout;

    @BeforeAll
    static void smallWorld() {
        world = WorldGenerator.generate(new WorldConfig(5, 20_000, 5_000, 300_000, 60_000), ProgressListener.NONE);
        heldout = TrainingData.of(world, world.heldout(), FeatureSets.builtIn(FeatureSets.DEFAULT), null);
    }

    private static double constantLogLoss() {
        float[] constant = new float[heldout.size()];
        Arrays.fill(constant, (float) world.train().clicks() / world.train().size());
        return Metrics.logLoss(constant, heldout.click());
    }

    private static Model train(Architecture architecture) {
        Trainer.Config d = Trainer.Config.defaults(architecture);
        Trainer.Config config = new Trainer.Config(
                architecture,
                ModelPreset.DEMO,
                1,
                512,
                d.learningRate(),
                d.weightDecay(),
                d.calibrationFraction(),
                d.calibration(),
                d.seed());
        return new Trainer(config, Trainer.Progress.NONE)
                .train(
                        TrainingData.forTraining(world, world.train(), FeatureSets.builtIn(FeatureSets.DEFAULT), null),
                        "ctr");
    }

    @Test
    void dcn_beatsConstantBaseline_andIsCalibrated() {
        Model model = train(Architecture.DCN);
        assertInstanceOf(Model.Dcn.class, model);
        assertInstanceOf(Calibration.Platt.class, model.spec().calibrationOf("ctr"));
        float[] p = Predictions.of(model, heldout.features()).head(0);
        double auc = Metrics.auc(p, heldout.click());
        double logLoss = Metrics.logLoss(p, heldout.click());
        assertTrue(auc > 0.6, "held-out AUC " + auc);
        assertTrue(logLoss < 0.99 * constantLogLoss(), "log loss " + logLoss + " vs constant " + constantLogLoss());
        assertEquals(1.0, Metrics.predOverObs(p, heldout.click()), 0.1);
        assertEquals(1, model.spec().training().get("epochs"));
    }

    @Test
    void lr_beatsConstantBaseline() {
        Model model = train(Architecture.LR);
        assertInstanceOf(Model.Lr.class, model);
        float[] p = Predictions.of(model, heldout.features()).head(0);
        assertTrue(Metrics.auc(p, heldout.click()) > 0.6, "held-out AUC " + Metrics.auc(p, heldout.click()));
        assertTrue(Metrics.logLoss(p, heldout.click()) < constantLogLoss());
    }

    @Test
    void warmStart_continuesFromTheVersion_andRefusesAnotherShape() {
        Model first = train(Architecture.DCN);
        Trainer.Config d = Trainer.Config.defaults(Architecture.DCN);
        Trainer trainer = new Trainer(
                new Trainer.Config(
                        Architecture.DCN,
                        ModelPreset.DEMO,
                        1,
                        512,
                        d.learningRate(),
                        d.weightDecay(),
                        d.calibrationFraction(),
                        d.calibration(),
                        d.seed() + 1),
                Trainer.Progress.NONE);
        TrainingData recent = TrainingData.forTraining(
                world, world.train().firstRows(30_000), FeatureSets.builtIn(FeatureSets.DEFAULT), null);
        Model warm = trainer.train(recent, "ctr", first);
        Model cold = trainer.train(recent, "ctr");
        float[] pWarm = Predictions.of(warm, heldout.features()).head(0);
        float[] pCold = Predictions.of(cold, heldout.features()).head(0);
        // A tenth of the data on top of the first version keeps what it learned; from scratch it is not enough.
        assertTrue(
                Metrics.auc(pWarm, heldout.click()) > Metrics.auc(pCold, heldout.click()) + 0.01,
                "warm " + Metrics.auc(pWarm, heldout.click()) + ", cold " + Metrics.auc(pCold, heldout.click()));
        assertThrows(IllegalArgumentException.class, () -> trainer.train(recent, "ctr", train(Architecture.LR)));
    }

    @Test
    void sliceCtr_fitsAnOffsetPerCategoryOverTheVersionsOwnCalibration() {
        Model model = train(Architecture.DCN);
        // The training rows: enough clicks (about 3,000) for a tight offset in the larger categories.
        TrainingData rows = TrainingData.of(world, world.train(), FeatureSets.builtIn(FeatureSets.DEFAULT), null);
        float[] p = Predictions.of(model, rows.features()).head(0);
        int slot = model.spec().schema().slotIndex("ad_category");
        int first = model.spec().schema().offset(slot);
        int slots = rows.features().sparseSlots();
        // The world of the held-out rows after a drift: odd categories' clicks up by e^0.8, even ones' down by e^-0.8.
        SplittableRandom random = new SplittableRandom(3);
        boolean[] drifted = new boolean[rows.size()];
        int categories = model.spec().schema().slots().get(slot).vocab();
        double[] expected = new double[categories];
        for (int r = 0; r < drifted.length; r++) {
            int k = rows.features().sparse()[r * slots + slot] - first;
            double z = Math.log(p[r] / (1.0 - p[r])) + (k % 2 == 1 ? 0.8 : -0.8);
            drifted[r] = random.nextDouble() < 1 / (1 + Math.exp(-z));
            expected[k] += p[r];
        }
        TrainingData now = new TrainingData(rows.schema(), rows.features(), drifted, rows.conversion());
        Model sliced = Trainer.sliceCtr(model, now, "ad_category", 1);
        var calibration =
                assertInstanceOf(Calibration.Sliced.class, sliced.spec().calibrationOf("ctr"));
        assertEquals(model.spec().calibrationOf("ctr"), calibration.base());
        assertEquals(model.spec().calibrationOf("cvr"), sliced.spec().calibrationOf("cvr"));
        float[] offsets = calibration.offsets();
        int checked = 0;
        for (int k = 0; k < categories; k++) {
            if (expected[k] >= 100) {
                assertEquals(k % 2 == 1 ? 0.8 : -0.8, offsets[k], 0.3, "category " + k);
                checked++;
            }
        }
        assertTrue(checked >= 5, checked + " categories with 100 expected clicks");
        // Fitting again starts from the base, not from the offsets already there.
        Model again = Trainer.sliceCtr(sliced, now, "ad_category", 1);
        assertEquals(calibration, again.spec().calibrationOf("ctr"));
        assertEquals("ad_category", sliced.spec().training().get("slice_slot"));
        assertEquals(rows.size(), sliced.spec().training().get("slice_examples"));
        assertThrows(IllegalArgumentException.class, () -> Trainer.sliceCtr(model, now, "ad_colour", 10));
        TrainingData otherSet = new TrainingData(
                new FeatureSchema(
                        "other-v1", rows.schema().slots(), rows.schema().dense()),
                rows.features(),
                drifted,
                rows.conversion());
        assertThrows(IllegalArgumentException.class, () -> Trainer.sliceCtr(model, otherSet, "ad_category", 10));
    }
}
