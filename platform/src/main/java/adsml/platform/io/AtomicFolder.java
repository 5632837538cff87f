package adsml.platform.io;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.stream.Stream;

/**
 * Publishes a folder all at once: its contents are written into a temporary folder beside the target, which is then
 * renamed to the target. A failed write leaves nothing behind, and a reader sees either no folder or the whole one.
 */
public final class AtomicFolder {

    /** Fills the temporary folder it is given. */
    public interface Contents {
        void writeInto(Path dir) throws IOException;
    }

    private AtomicFolder() {}

    /**
     * Writes {@code contents} and renames the result to {@code target}, which must not exist or be an empty folder.
     *
     * @throws IOException from the writer or the file system; the temporary folder is removed
     */
    public static void publish(Path target, Contents contents) throws IOException {
        Path absolute = target.toAbsolutePath().normalize();
        Path parent = absolute.getParent();
        Files.createDirectories(parent);
        Path tmp = Files.createTempDirectory(parent, "." + absolute.getFileName() + ".writing-");
        try {
            // Temp folders are private (rwx------); the published folder is read by whoever serves it.
            if (Files.getFileStore(tmp).supportsFileAttributeView(PosixFileAttributeView.class)) {
                Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
            contents.writeInto(tmp);
            if (Files.exists(absolute, LinkOption.NOFOLLOW_LINKS)) {
                if (!Files.isDirectory(absolute, LinkOption.NOFOLLOW_LINKS)) {
                    throw new FileAlreadyExistsException(absolute.toString(), null, "exists and is not a folder");
                }
                Files.delete(absolute); // an empty folder only: a non-empty one throws DirectoryNotEmptyException
            }
            try {
                Files.move(tmp, absolute, StandardCopyOption.ATOMIC_MOVE);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, absolute);
            }
        } finally {
            deleteQuietly(tmp);
        }
    }

    private static void deleteQuietly(Path dir) {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(dir)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        } catch (IOException ignored) {
            // Best effort: the write's own failure, if any, is what the caller needs to see.
        }
    }
}
