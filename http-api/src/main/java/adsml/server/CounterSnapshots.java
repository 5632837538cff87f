package adsml.server;

import adsml.platform.counters.CounterSettings;
import adsml.platform.counters.CounterStore;
import adsml.platform.counters.CounterStores;
import adsml.platform.counters.EmbeddedCounterStore;
import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The embedded counters' snapshot beside the event log ({@code events.log.counters}): the segment it covers, then the
 * store's own checksummed snapshot. Read once at start, before the event log replays the segments after it; written
 * whenever the log seals a segment, all at once (temporary file, forced, renamed, folder forced), so that a crash
 * leaves the old snapshot or the new one. A Redis store keeps its own state and has none.
 */
final class CounterSnapshots {
    private static final Logger LOG = LoggerFactory.getLogger(CounterSnapshots.class);
    private static final long MAGIC = 0x6164736d6c434e54L; // "adsmlCNT"

    private final Path file;
    private final CounterStore store;
    private final long covers;

    private CounterSnapshots(Path file, CounterStore store, long covers) {
        this.file = file;
        this.store = store;
        this.covers = covers;
    }

    /** The counter store {@code settings} names, restored from {@code file} when it is embedded and one is there. */
    static CounterSnapshots open(Path file, CounterSettings settings) {
        if (settings.store() != CounterSettings.Kind.EMBEDDED) {
            return new CounterSnapshots(file, CounterStores.open(settings), 0);
        }
        try (DataInputStream in = new DataInputStream(new BufferedInputStream(Files.newInputStream(file), 1 << 16))) {
            if (in.readLong() != MAGIC) {
                throw new IOException("not a counters snapshot");
            }
            long covers = in.readLong();
            EmbeddedCounterStore store = EmbeddedCounterStore.readSnapshot(in, settings.maxKeys());
            LOG.info(
                    "counters restored from {} ({} keys, up to segment {})",
                    file,
                    store.stats().keys(),
                    covers);
            return new CounterSnapshots(file, store, covers);
        } catch (NoSuchFileException e) {
            return new CounterSnapshots(file, new EmbeddedCounterStore(settings.maxKeys()), 0);
        } catch (IOException | RuntimeException e) {
            LOG.warn(
                    "the counters snapshot {} cannot be read ({}): the counters start from the retained event log"
                            + " segments only",
                    file,
                    e.toString());
            return new CounterSnapshots(file, new EmbeddedCounterStore(settings.maxKeys()), 0);
        }
    }

    CounterStore store() {
        return store;
    }

    /** The last sealed segment the restored snapshot covers; 0 for none. */
    long restore() {
        return covers;
    }

    /** Writes the store's state as covering every segment up to {@code segment}. */
    void write(long segment) throws IOException {
        if (!(store instanceof EmbeddedCounterStore embedded)) {
            return;
        }
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel c = FileChannel.open(
                tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING)) {
            OutputStream raw = Channels.newOutputStream(c);
            DataOutputStream out = new DataOutputStream(new BufferedOutputStream(raw, 1 << 16));
            out.writeLong(MAGIC);
            out.writeLong(segment);
            embedded.writeSnapshot(out);
            out.flush();
            c.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }
}
