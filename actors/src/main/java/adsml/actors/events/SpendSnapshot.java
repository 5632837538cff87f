package adsml.actors.events;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.zip.CRC32;

/**
 * One day's spend as of a sealed segment, kept beside the log ({@code events.log.spend}) so that retention may delete
 * segments without their spend being lost at the next start. A text file: a header, the day, the segment, one line
 * {@code adId micros} per ad, then a CRC-32 of everything above it, so that damage reads as damage, not as a smaller
 * spend.
 *
 * @param dayMs an instant in the day the spend is for (what {@link EventLog.SpendReplay#countsNow} is asked)
 * @param covers the number of the last sealed segment it sums: its events and those of every segment before it
 * @param micros per ad, the summed cost of those events written that day, in micro-dollars
 */
record SpendSnapshot(long dayMs, long covers, Map<Integer, Long> micros) {
    private static final String HEADER = "adsml event-log spend 1";

    SpendSnapshot {
        micros = Map.copyOf(micros);
    }

    /** Where the snapshot of the log whose active segment is {@code active} lives. */
    static Path beside(Path active) {
        return active.resolveSibling(active.getFileName() + ".spend");
    }

    /**
     * Replaces the snapshot at {@code file} all at once: written to a temporary file through {@code channels}, forced,
     * renamed over it and the rename forced, so that a crash leaves the old snapshot or the new one, never a part.
     */
    void write(Path file, EventLog.Channels channels) throws IOException {
        StringBuilder text = new StringBuilder(64 + micros.size() * 20);
        text.append(HEADER)
                .append("\nday-ms ")
                .append(dayMs)
                .append("\ncovers ")
                .append(covers)
                .append('\n');
        new TreeMap<>(micros)
                .forEach((ad, m) -> text.append(ad).append(' ').append(m).append('\n'));
        String crc = crc(text);
        text.append("crc32 ").append(crc).append('\n');
        Path tmp = file.resolveSibling(file.getFileName() + ".tmp");
        try (FileChannel c = channels.open(tmp)) {
            c.truncate(0);
            ByteBuffer bytes = ByteBuffer.wrap(text.toString().getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                c.write(bytes);
            }
            c.force(true);
        }
        Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel dir = FileChannel.open(file.toAbsolutePath().getParent(), StandardOpenOption.READ)) {
            dir.force(true);
        }
    }

    /**
     * The snapshot at {@code file}, or null when there is none.
     *
     * @throws IOException when it cannot be read or is not a whole snapshot
     */
    static SpendSnapshot read(Path file) throws IOException {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            return null;
        }
        int crcAt = text.lastIndexOf("crc32 ");
        String[] lines = text.split("\n", -1);
        if (crcAt < 0
                || !text.endsWith("\n")
                || !text.substring(crcAt).equals("crc32 " + crc(text.substring(0, crcAt)) + "\n")
                || lines.length < 5
                || !lines[0].equals(HEADER)
                || !lines[1].startsWith("day-ms ")
                || !lines[2].startsWith("covers ")) {
            throw new IOException("not a whole spend snapshot (a bad header or checksum)");
        }
        try {
            Map<Integer, Long> micros = new HashMap<>();
            // lines: header, day, covers, the ads, the checksum, and the empty string after the last newline
            for (int i = 3; i < lines.length - 2; i++) {
                String[] f = lines[i].split(" ", -1);
                micros.put(Integer.parseInt(f[0]), Long.parseLong(f[1]));
            }
            return new SpendSnapshot(
                    Long.parseLong(lines[1].substring("day-ms ".length())),
                    Long.parseLong(lines[2].substring("covers ".length())),
                    micros);
        } catch (RuntimeException e) {
            throw new IOException("not a spend snapshot: " + e.getMessage(), e);
        }
    }

    private static String crc(CharSequence text) {
        CRC32 crc = new CRC32();
        crc.update(text.toString().getBytes(StandardCharsets.UTF_8));
        return Long.toHexString(crc.getValue());
    }
}
