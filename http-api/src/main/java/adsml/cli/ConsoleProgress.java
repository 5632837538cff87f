package adsml.cli;

import java.io.PrintStream;

/** Progress of a long job on standard error: a line per phase, redrawn at most a few times a second. */
final class ConsoleProgress {
    private final PrintStream err;
    private String phase = "";
    private long lastPrint;

    ConsoleProgress(PrintStream err) {
        this.err = err;
    }

    void update(String newPhase, long done, long total) {
        long now = System.nanoTime();
        boolean phaseChanged = !newPhase.equals(phase);
        if (!phaseChanged && done < total && now - lastPrint < 500_000_000L) {
            return;
        }
        if (phaseChanged && !phase.isEmpty()) {
            err.println();
        }
        phase = newPhase;
        lastPrint = now;
        int percent = total <= 0 ? 100 : (int) (100 * done / total);
        int filled = percent / 5;
        err.print("\r"
                + String.format("%-12s [%-20s] %3d%% %,d/%,d", newPhase, "#".repeat(filled), percent, done, total));
        err.flush();
    }

    void done() {
        if (!phase.isEmpty()) {
            err.println();
        }
        phase = "";
    }
}
