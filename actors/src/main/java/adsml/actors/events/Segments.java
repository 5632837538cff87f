package adsml.actors.events;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Where the event log's segments are: the active one at the log's own path ({@code events.log}), sealed ones beside it
 * numbered in the order they were sealed ({@code events.log.0000000001}, ...), so that listing them by name lists them
 * in time order.
 */
final class Segments {
    private Segments() {}

    /** The sealed segment {@code seq} of the log whose active segment is {@code active}. */
    static Path sealed(Path active, long seq) {
        return active.resolveSibling(active.getFileName() + "." + String.format(Locale.ROOT, "%010d", seq));
    }

    /** The sealed segments beside {@code active}, by number, oldest first. */
    static TreeMap<Long, Path> sealed(Path active) throws IOException {
        Pattern name = Pattern.compile(Pattern.quote(active.getFileName().toString()) + "\\.(\\d{10})");
        TreeMap<Long, Path> found = new TreeMap<>();
        Path dir = active.toAbsolutePath().getParent();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir)) {
            for (Path f : files) {
                Matcher m = name.matcher(f.getFileName().toString());
                if (m.matches()) {
                    found.put(Long.parseLong(m.group(1)), f);
                }
            }
        }
        return found;
    }

    /**
     * Reads every line of {@code segment}: each event to {@code each}; returns how many lines were not events (see
     * {@link EventLines#parse}).
     */
    static int read(Path segment, Consumer<EventLines.Logged> each) throws IOException {
        int unreadable = 0;
        // A reader that replaces undecodable bytes: a damaged byte costs its line, never the whole log.
        try (BufferedReader lines =
                new BufferedReader(new InputStreamReader(Files.newInputStream(segment), StandardCharsets.UTF_8))) {
            for (String line = lines.readLine(); line != null; line = lines.readLine()) {
                EventLines.Logged logged = EventLines.parse(line);
                if (logged == null) {
                    unreadable++;
                } else {
                    each.accept(logged);
                }
            }
        }
        return unreadable;
    }
}
