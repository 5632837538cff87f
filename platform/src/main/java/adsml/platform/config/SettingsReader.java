package adsml.platform.config;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import com.typesafe.config.ConfigObject;
import java.time.Duration;
import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/**
 * Reads the keys under one path of the configuration and checks each against its bounds, so that a bad value fails
 * start-up with an error that names the key in full ({@code adsml.scheduler.cpu.workers: must be between 0 and 1024,
 * was -1}). Each module's settings record reads its own section through one of these; a missing or mistyped value fails
 * the same way, through {@link ConfigException}.
 */
public final class SettingsReader {
    private final Config section;
    private final String path;

    private SettingsReader(Config section, String path) {
        this.section = section;
        this.path = path;
    }

    /** @throws ConfigException.Missing naming {@code path} when the configuration has no such section */
    public static SettingsReader of(Config root, String path) {
        return new SettingsReader(root.getConfig(path), path);
    }

    /** @return the full name of {@code key} in this section, as errors print it */
    public String key(String key) {
        return path + "." + key;
    }

    public int intIn(String key, int min, int max) {
        int v = section.getInt(key);
        require(v >= min && v <= max, key, "must be between " + min + " and " + max + ", was " + v);
        return v;
    }

    public long longIn(String key, long min, long max) {
        long v = section.getLong(key);
        require(v >= min && v <= max, key, "must be between " + min + " and " + max + ", was " + v);
        return v;
    }

    /** A size in bytes; HOCON's units ({@code 1m}, {@code 512k}) are accepted. */
    public long bytesIn(String key, long min, long max) {
        long v = section.getBytes(key);
        require(v >= min && v <= max, key, "must be between " + min + " and " + max + " bytes, was " + v);
        return v;
    }

    public double doubleIn(String key, double min, double max) {
        double v = section.getDouble(key);
        require(v >= min && v <= max, key, "must be a number between " + min + " and " + max + ", was " + v);
        return v;
    }

    public Duration durationIn(String key, Duration min, Duration max) {
        Duration v = section.getDuration(key);
        require(
                v.compareTo(min) >= 0 && v.compareTo(max) <= 0,
                key,
                "must be between " + min + " and " + max + ", was " + v);
        return v;
    }

    public String string(String key) {
        return section.getString(key);
    }

    public String nonEmptyString(String key) {
        String v = section.getString(key);
        require(!v.isBlank(), key, "must not be empty");
        return v;
    }

    /**
     * @param parse turns the value into its type; an {@link IllegalArgumentException} from it becomes an error naming
     *     the key, with the parser's message
     */
    public <T> T parsed(String key, Function<String, T> parse) {
        String v = section.getString(key);
        try {
            return parse.apply(v.trim().toLowerCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new ConfigException.BadValue(key(key), e.getMessage());
        }
    }

    /**
     * The constant of {@code type} the value names, in any case.
     *
     * @throws ConfigException.BadValue naming the key and the known values when it names none
     */
    public <E extends Enum<E>> E oneOf(String key, Class<E> type) {
        return parsed(key, name -> {
            for (E e : type.getEnumConstants()) {
                if (e.name().toLowerCase(Locale.ROOT).equals(name)) {
                    return e;
                }
            }
            throw new IllegalArgumentException("unknown value '" + name + "' (known: "
                    + Arrays.stream(type.getEnumConstants())
                            .map(e -> e.name().toLowerCase(Locale.ROOT))
                            .collect(Collectors.joining(", "))
                    + ")");
        });
    }

    /** @throws ConfigException.BadValue naming the key with {@code problem} unless {@code ok} */
    public void require(boolean ok, String key, String problem) {
        if (!ok) {
            throw new ConfigException.BadValue(key(key), problem);
        }
    }

    /**
     * Fails on a key under {@code adsml} that no module's {@code reference.conf} declares: a misspelt key would
     * otherwise be ignored without a word, and the server would run on the default.
     *
     * @throws ConfigException.BadPath naming every unknown key
     */
    public static void requireKnownKeys(Config root) {
        // Not ConfigFactory.defaultReference(): it lays the system properties over the reference, so a misspelt
        // -Dadsml... key would count as declared.
        Config reference = ConfigFactory.parseResourcesAnySyntax("reference").resolve();
        if (!root.hasPath("adsml")) {
            return;
        }
        Set<String> unknown = new TreeSet<>();
        for (Map.Entry<String, ?> e : root.getConfig("adsml").entrySet()) {
            String key = "adsml." + e.getKey();
            if (!reference.hasPathOrNull(key) && !insideDispatcher(reference, key)) {
                unknown.add(key);
            }
        }
        if (!unknown.isEmpty()) {
            throw new ConfigException.BadPath(
                    String.join(", ", unknown),
                    "not a setting of adsml (every setting is documented in a module's reference.conf)");
        }
    }

    /** A dispatcher's section is Pekko's, and takes any of Pekko's executor settings. */
    private static boolean insideDispatcher(Config reference, String key) {
        for (int dot = key.lastIndexOf('.'); dot > 0; dot = key.lastIndexOf('.', dot - 1)) {
            String parent = key.substring(0, dot);
            if (reference.hasPath(parent)
                    && reference.getValue(parent) instanceof ConfigObject
                    && reference.hasPath(parent + ".executor")) {
                return true;
            }
        }
        return false;
    }
}
