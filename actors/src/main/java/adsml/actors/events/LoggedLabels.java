package adsml.actors.events;

import adsml.platform.featurelog.LabelEvent;
import adsml.platform.featurelog.LabelSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The clicks and conversions of the event log at {@code active} (its retained segments and the active one), for the
 * feature log's join. A sealed segment last written before the period asked for holds nothing of it and is not read, so
 * that a join reads about one attribution window of the log, not all of it. Reads files the log is writing: a line torn
 * at the end of the active segment is skipped, as at start.
 */
public final class LoggedLabels implements LabelSource {
    private final Path active;

    public LoggedLabels(Path active) {
        this.active = active;
    }

    @Override
    public Iterable<LabelEvent> between(long fromMs, long toMs) {
        List<LabelEvent> labels = new ArrayList<>();
        Set<String> seen = new HashSet<>();
        try {
            Set<Path> read = new HashSet<>();
            for (Path file : Segments.sealed(active).values()) {
                read(file, fromMs, toMs, labels, seen);
                read.add(file);
            }
            read(active, fromMs, toMs, labels, seen);
            // The log may have sealed the active segment while it was read: its events are now in a segment the
            // first listing did not hold. Read that too; the ids keep what both reads saw counted once.
            for (Path file : Segments.sealed(active).values()) {
                if (!read.contains(file)) {
                    read(file, fromMs, toMs, labels, seen);
                }
            }
        } catch (IOException e) {
            throw new UncheckedIOException("reading the event log " + active + " for labels", e);
        }
        return labels;
    }

    private static void read(Path file, long fromMs, long toMs, List<LabelEvent> labels, Set<String> seen)
            throws IOException {
        try {
            if (Files.getLastModifiedTime(file).toMillis() < fromMs) {
                return;
            }
            Segments.read(file, logged -> {
                Event e = logged.event();
                long at = logged.loggedAtMs();
                if (e.type() != Event.Type.IMPRESSION
                        && e.requestId() != null
                        && at >= fromMs
                        && at <= toMs
                        && seen.add(e.eventId())) {
                    labels.add(new LabelEvent(
                            e.type() == Event.Type.CLICK ? LabelEvent.Type.CLICK : LabelEvent.Type.CONVERSION,
                            e.requestId(),
                            e.adId(),
                            at));
                }
            });
        } catch (NoSuchFileException e) {
            // retention deleted it between the listing and the read: its events are older than any window
        }
    }
}
