package adsml.platform.model;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * The model files' parsers under Jazzer: whatever the bytes, reading a safetensors file or a {@code model.json} gives a
 * model part or an {@link InvalidModelException} naming the file, never another exception (which would fail a load with
 * an unexplained error). A plain {@code mvn test} runs the seeds under
 * {@code src/test/resources/adsml/platform/model/ModelFilesFuzzTestInputs}; {@code JAZZER_FUZZ=1} fuzzes one method for
 * real (see docs/ARCHITECTURE.md).
 */
class ModelFilesFuzzTest {
    /** Data after a fuzzed header: enough for a few small tensors, so offsets inside it are read. */
    private static final int DATA_BYTES = 64;

    private static Path dir;

    @BeforeAll
    static void createDir() throws IOException {
        dir = Files.createTempDirectory("adsml-model-fuzz");
    }

    @AfterAll
    static void deleteDir() throws IOException {
        try (var files = Files.list(dir)) {
            for (Path f : files.toList()) {
                Files.delete(f);
            }
        }
        Files.delete(dir);
    }

    @FuzzTest(maxDuration = "1m")
    void safetensors_anyFile_isTensorsOrInvalid(byte[] file) {
        readSafetensors(file);
    }

    /** The header alone, behind a length prefix that matches it: reaches the JSON checks far more often. */
    @FuzzTest(maxDuration = "1m")
    void safetensors_anyHeader_isTensorsOrInvalid(byte[] header) {
        ByteBuffer file = ByteBuffer.allocate(8 + header.length + DATA_BYTES).order(ByteOrder.LITTLE_ENDIAN);
        file.putLong(header.length).put(header);
        for (int i = 0; i < DATA_BYTES; i++) {
            file.put((byte) i);
        }
        readSafetensors(file.array());
    }

    @FuzzTest(maxDuration = "1m")
    void modelJson_anyFile_isASpecOrInvalid(byte[] json) {
        Path f = write("model.json", json);
        try {
            ModelJson.read(f);
        } catch (InvalidModelException invalid) {
            assertNamesTheFile(invalid, "model.json");
        }
    }

    private static void readSafetensors(byte[] bytes) {
        Path f = write("weights.safetensors", bytes);
        try {
            Safetensors.read(f);
        } catch (InvalidModelException invalid) {
            assertNamesTheFile(invalid, "weights.safetensors");
        }
    }

    private static void assertNamesTheFile(InvalidModelException invalid, String file) {
        String reason = invalid.getMessage();
        assertTrue(reason.startsWith(file + ": "), () -> "does not name the file: " + reason);
    }

    private static Path write(String name, byte[] bytes) {
        Path f = dir.resolve(name);
        try {
            Files.write(f, bytes);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return f;
    }
}
