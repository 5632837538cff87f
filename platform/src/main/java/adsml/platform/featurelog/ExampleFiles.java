package adsml.platform.featurelog;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** The examples files of the feature log, where trainers and replay read the joined rows. */
public final class ExampleFiles {
    private ExampleFiles() {}

    /**
     * The examples files of feature set {@code setName} under the log's directory {@code logDir}, in name order (the
     * order they were served).
     *
     * @throws IllegalArgumentException when there is none yet, saying when the server makes them
     */
    public static List<Path> of(Path logDir, String setName) throws IOException {
        Path folder = logDir.resolve(setName);
        List<Path> files = new ArrayList<>();
        if (Files.isDirectory(folder)) {
            try (DirectoryStream<Path> found = Files.newDirectoryStream(folder, "examples-*.parquet")) {
                found.forEach(files::add);
            }
        }
        if (files.isEmpty()) {
            throw new IllegalArgumentException("no examples-*.parquet in " + folder + ": the server joins a served file"
                    + " into examples once its attribution window (adsml.server.feature-log.attribution-window) has"
                    + " passed");
        }
        Collections.sort(files);
        return files;
    }
}
