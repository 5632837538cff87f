package adsml.e2e;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * bin/adsml, the operators' launcher, is a shell script: tests/launcher-test.sh checks it (the options of
 * bin/jvm.options reach java in order, ADSML_JAVA_OPTS after them, clear errors for a missing jar, options file or Java
 * 17), and this runs that script as part of the suite.
 */
class LauncherTest {
    @Test
    void launcherScript_passesItsChecks() throws IOException, InterruptedException {
        Path root = Path.of("..").toAbsolutePath().normalize();
        Path script = root.resolve("tests/launcher-test.sh");
        assertTrue(Files.isExecutable(script), script + " is missing or not executable");
        Path log = Files.createTempFile("launcher-test", ".log");
        Process p = new ProcessBuilder("bash", script.toString())
                .directory(root.toFile())
                .redirectErrorStream(true)
                .redirectOutput(log.toFile())
                .start();
        assertTrue(p.waitFor(120, TimeUnit.SECONDS), "tests/launcher-test.sh did not finish in 120 s");
        String out = Files.readString(log, StandardCharsets.UTF_8);
        assertEquals(0, p.exitValue(), out);
        assertTrue(out.contains(" passed, 0 failed"), out);
    }
}
