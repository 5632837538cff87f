package adsml.platform.scoring;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;

import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import org.junit.jupiter.api.Test;

class CpuScorersTest {
    private final ModelSpec spec = ModelPreset.DEMO.spec("ctr", "1");
    private final Model model = new Model.Dcn(spec, DcnWeights.random(spec, 1L));

    @Test
    void engineNamesAreCaseInsensitiveAndAnUnknownOneListsTheChoices() {
        assertEquals(CpuScorers.Engine.REFERENCE, CpuScorers.Engine.named(" Reference "));
        assertEquals(CpuScorers.Engine.DJL, CpuScorers.Engine.named("djl"));
        IllegalArgumentException e =
                assertThrows(IllegalArgumentException.class, () -> CpuScorers.Engine.named("onnx"));
        assertEquals("unknown cpu engine 'onnx' (known: djl, reference)", e.getMessage());
    }

    @Test
    void theReferenceEngineIsThePlainJavaForwardPass() {
        try (Scorer scorer = CpuScorers.of(model, CpuScorers.Engine.REFERENCE)) {
            assertInstanceOf(ReferenceScorer.class, scorer);
        }
        try (Scorer scorer = CpuScorers.of(model)) {
            assertInstanceOf(DjlScorer.class, scorer);
        }
    }
}
