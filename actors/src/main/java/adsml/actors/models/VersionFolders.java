package adsml.actors.models;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Pattern;

/** Where a model version lives: the one check of a version's name against the models folder, for every model. */
public final class VersionFolders {
    private VersionFolders() {}

    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}");

    /**
     * The folder of {@code name/version} in {@code modelsRoot}; names are plain folder names and the resolved folder,
     * links followed, must lie inside the models folder, as must every file in it.
     *
     * @throws RegistryRefusal BAD_NAME for a name that could leave the folder, NOT_FOUND for no such version
     */
    public static Path resolve(Path modelsRoot, String name, String version) {
        for (String part : List.of(name, version)) {
            if (!NAME.matcher(part).matches() || part.equals(".") || part.equals("..")) {
                throw new RegistryRefusal(
                        RegistryRefusal.Kind.BAD_NAME,
                        "'" + part + "' is not a model or version name (letters, digits, _ . -)");
            }
        }
        Path dir = modelsRoot.resolve(name).resolve(version);
        try {
            Path root = modelsRoot.toRealPath();
            Path real = dir.toRealPath();
            if (!real.startsWith(root)) {
                throw new RegistryRefusal(
                        RegistryRefusal.Kind.BAD_NAME, name + "/" + version + " resolves outside the models folder");
            }
            // The files inside must not link out either: a version is what the models folder holds.
            try (DirectoryStream<Path> files = Files.newDirectoryStream(real)) {
                for (Path file : files) {
                    if (!file.toRealPath().startsWith(root)) {
                        throw new RegistryRefusal(
                                RegistryRefusal.Kind.BAD_NAME,
                                name + "/" + version + "/" + file.getFileName() + " links outside the models folder");
                    }
                }
            }
            return real;
        } catch (IOException e) {
            throw new RegistryRefusal(
                    RegistryRefusal.Kind.NOT_FOUND, "no version " + name + "/" + version + " in the models folder");
        }
    }
}
