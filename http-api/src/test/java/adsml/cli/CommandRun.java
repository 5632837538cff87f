package adsml.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** One run of the command line in this process, as a user meets it: the exit code and what it printed. */
record CommandRun(int code, String out, String err) {
    static CommandRun run(String... args) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteArrayOutputStream err = new ByteArrayOutputStream();
        int code = Main.run(
                args,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8));
        return new CommandRun(code, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
    }

    void assertCleanFailure(int expectedCode, String... mentions) {
        assertEquals(expectedCode, code, "exit code; stderr:\n" + err);
        for (String m : mentions) {
            assertTrue(err.contains(m), "stderr should mention '" + m + "':\n" + err);
        }
        assertFalse(err.contains("\tat "), "stack trace leaked:\n" + err);
    }
}
