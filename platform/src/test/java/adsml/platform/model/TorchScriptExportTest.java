package adsml.platform.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TorchScriptExportTest {
    @TempDir
    Path models;

    private static Model.Dcn demo() {
        ModelSpec spec =
                ModelPreset.DEMO.spec("ctr", "4").withCalibration(Map.of("ctr", new Calibration.Platt(1.1, -0.2)));
        return new Model.Dcn(spec, DcnWeights.random(spec, 42));
    }

    @Test
    void exportVersion_writesLoadableTorchScriptVersion() throws IOException {
        Model.Dcn dcn = demo();
        ModelFolder.saveNextVersion(dcn, models.resolve("ctr"));
        Path v2 = TorchScriptExport.exportVersion(dcn, models.resolve("ctr"));
        assertEquals("2", v2.getFileName().toString());
        Model.TorchScript loaded = (Model.TorchScript) ModelFolder.load(v2);
        ModelSpec spec = loaded.spec();
        assertEquals(Architecture.TORCHSCRIPT, spec.architecture());
        assertEquals("2", spec.version());
        assertEquals(new ModelSpec.TorchScriptSpec("model.pt", "sparse", "dense"), spec.torchScript());
        assertEquals(dcn.spec().schema(), spec.schema());
        assertEquals(dcn.spec().heads(), spec.heads());
        assertEquals(new Calibration.Platt(1.1, -0.2), spec.calibrationOf("ctr"));
        assertEquals("4", spec.training().get("exported_from"));
        assertEquals(v2.resolve("model.pt"), loaded.file());
        try (var entries = Files.list(models.resolve("ctr"))) {
            assertEquals(
                    List.of("1", "2"),
                    entries.map(p -> p.getFileName().toString()).sorted().toList());
        }
    }

    @Test
    void write_isDeterministic_oneFolder_alignedData() throws IOException {
        Path a = models.resolve("a.pt");
        Path b = models.resolve("b.pt");
        TorchScriptExport.write(demo(), a);
        TorchScriptExport.write(demo(), b);
        byte[] bytes = Files.readAllBytes(a);
        assertArrayEquals(bytes, Files.readAllBytes(b));
        // Walk the local headers: every entry is STORED, so its data follows the header directly.
        ByteBuffer zip = ByteBuffer.wrap(bytes).order(ByteOrder.LITTLE_ENDIAN);
        int entries = 0;
        for (int pos = 0; zip.getInt(pos) == 0x04034b50; entries++) {
            int nameLength = Short.toUnsignedInt(zip.getShort(pos + 26));
            String name = new String(bytes, pos + 30, nameLength, StandardCharsets.UTF_8);
            int dataStart = pos + 30 + nameLength + Short.toUnsignedInt(zip.getShort(pos + 28));
            assertTrue(name.startsWith("model/"), name);
            assertEquals(0, dataStart % 64, name + " data at " + dataStart);
            pos = dataStart + zip.getInt(pos + 18);
        }
        // data.pkl, code, constants, 13 tensors of the demo preset, version, byteorder
        assertEquals(18, entries);
    }
}
