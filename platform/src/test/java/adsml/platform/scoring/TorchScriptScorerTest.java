package adsml.platform.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.model.Architecture;
import adsml.platform.model.Calibration;
import adsml.platform.model.DcnWeights;
import adsml.platform.model.InvalidModelException;
import adsml.platform.model.Model;
import adsml.platform.model.ModelFolder;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.platform.model.TorchScriptExport;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchScriptScorerTest {
    @TempDir
    Path models;

    /** Exports {@code dcn} as a version, loads it back and checks its scores against the reference's. */
    private void assertParity(Model.Dcn dcn, int rows, long seed) throws IOException {
        Model loaded = ModelFolder.load(
                TorchScriptExport.exportVersion(dcn, models.resolve(dcn.spec().name())));
        try (TorchScriptScorer scorer = TorchScriptScorer.of((Model.TorchScript) loaded)) {
            ReferenceParity.assertScoresLikeReference(dcn, scorer, "torchscript", rows, seed);
        }
    }

    @Test
    void exportedDemoDcn_matchesReference() throws IOException {
        ModelSpec spec = ModelPreset.DEMO.spec("ctr", "7");
        assertParity(new Model.Dcn(spec, DcnWeights.random(spec, 11)), 300, 12);
    }

    @Test
    void exportedDemoDcn_withPlattCalibration_matchesReference() throws IOException {
        ModelSpec spec =
                ModelPreset.DEMO.spec("ctr", "7").withCalibration(Map.of("ctr", new Calibration.Platt(0.8, -0.3)));
        assertParity(new Model.Dcn(spec, DcnWeights.random(spec, 13)), 300, 14);
    }

    @Test
    void garbageFile_isInvalidModel_namingTheFile() throws IOException {
        ModelSpec dcnSpec = ModelPreset.DEMO.spec("ctr", "1");
        Path file = models.resolve("broken.pt");
        Files.writeString(file, "not a zip archive at all");
        ModelSpec spec = new ModelSpec(
                "ctr",
                "1",
                Architecture.TORCHSCRIPT,
                dcnSpec.schema(),
                0,
                0,
                List.of(),
                dcnSpec.heads(),
                Map.of(),
                new ModelSpec.TorchScriptSpec("broken.pt", "sparse", "dense"),
                Map.of());
        InvalidModelException e = assertThrows(
                InvalidModelException.class, () -> TorchScriptScorer.of(new Model.TorchScript(spec, file)));
        assertTrue(e.getMessage().contains("broken.pt"), e.getMessage());
        assertEquals(-1, e.getMessage().indexOf('\n'), "one line, no engine stack trace: " + e.getMessage());
    }
}
