package adsml.scheduler.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The committed PTX is what {@code build-ptx.sh} makes of the CUDA sources today, and it assembles for sm_90. Needs
 * {@code nvcc} (and {@code ptxas}) on the PATH; skips with the reason without them.
 */
class PtxFreshnessTest {
    private static final Path CUDA = Path.of("src/main/cuda");
    private static final Path COMMITTED = Path.of("src/main/resources/adsml/scheduler/gpu");

    @Test
    void committedPtx_matchesWhatNvccMakesOfTheSources(@TempDir Path out) throws Exception {
        assumeTrue(onPath("nvcc"), "nvcc is not on the PATH: cannot regenerate the PTX to compare");
        Process build = new ProcessBuilder("bash", CUDA.resolve("build-ptx.sh").toString(), out.toString())
                .redirectErrorStream(true)
                .start();
        String log = new String(build.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(build.waitFor(5, TimeUnit.MINUTES), "build-ptx.sh did not finish in 5 minutes");
        assertEquals(0, build.exitValue(), "build-ptx.sh failed:\n" + log);

        List<String> sources = names(CUDA, ".cu");
        assertEquals(sources, names(COMMITTED, ".ptx"), "one committed .ptx per .cu source");
        for (String name : sources) {
            List<String> committed = code(COMMITTED.resolve(name + ".ptx"));
            List<String> fresh = code(out.resolve(name + ".ptx"));
            int line = firstDifference(committed, fresh);
            String compilers = "committed PTX by " + compiler(COMMITTED.resolve(name + ".ptx")) + ", this nvcc: "
                    + compiler(out.resolve(name + ".ptx"));
            assertEquals(
                    -1,
                    line,
                    () -> name + ".ptx is stale from code line " + line + " ("
                            + (line < committed.size() ? committed.get(line) : "end") + " vs "
                            + (line < fresh.size() ? fresh.get(line) : "end")
                            + "): run gpu-scheduler/src/main/cuda/build-ptx.sh and commit the result (" + compilers
                            + ")");
        }
    }

    @Test
    void committedPtx_assemblesForSm90(@TempDir Path out) throws Exception {
        assumeTrue(onPath("ptxas"), "ptxas is not on the PATH: cannot assemble the PTX");
        for (String name : names(COMMITTED, ".ptx")) {
            Process ptxas = new ProcessBuilder(
                            "ptxas",
                            "-arch=sm_90",
                            COMMITTED.resolve(name + ".ptx").toString(),
                            "-o",
                            out.resolve(name + ".cubin").toString())
                    .redirectErrorStream(true)
                    .start();
            String log = new String(ptxas.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertTrue(ptxas.waitFor(5, TimeUnit.MINUTES), "ptxas did not finish in 5 minutes");
            assertEquals(0, ptxas.exitValue(), name + ".ptx does not assemble for sm_90:\n" + log);
        }
    }

    /** The "Cuda compilation tools" line that nvcc writes at the top of its PTX. */
    private static String compiler(Path ptx) throws IOException {
        return Files.readAllLines(ptx).stream()
                .filter(line -> line.contains("compilation tools"))
                .findFirst()
                .map(line -> line.substring(2).trim())
                .orElse("unknown");
    }

    private static int firstDifference(List<String> a, List<String> b) {
        for (int i = 0; i < Math.max(a.size(), b.size()); i++) {
            if (i >= a.size() || i >= b.size() || !a.get(i).equals(b.get(i))) {
                return i;
            }
        }
        return -1;
    }

    /** The PTX without its comment lines, which name the compiler's build and would fail a newer nvcc for nothing. */
    private static List<String> code(Path ptx) throws IOException {
        return Files.readAllLines(ptx).stream()
                .filter(line -> !line.startsWith("//"))
                .collect(Collectors.toList());
    }

    private static List<String> names(Path dir, String suffix) throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.map(p -> p.getFileName().toString())
                    .filter(n -> n.endsWith(suffix))
                    .map(n -> n.substring(0, n.length() - suffix.length()))
                    .sorted()
                    .collect(Collectors.toList());
        }
    }

    private static boolean onPath(String tool) {
        String path = System.getenv("PATH");
        if (path == null) {
            return false;
        }
        for (String dir : path.split(java.io.File.pathSeparator)) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }
}
