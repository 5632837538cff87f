package adsml.platform.store;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;

/** How the user store is read: {@code cacheSize} users are kept in memory in front of it. */
public record UserStoreSettings(int cacheSize) {
    public UserStoreSettings {
        if (cacheSize < 0) {
            throw new IllegalArgumentException("cacheSize must be >= 0, was " + cacheSize);
        }
    }

    /** Reads {@code adsml.platform.user-store}. */
    public static UserStoreSettings from(Config root) {
        return new UserStoreSettings(
                SettingsReader.of(root, "adsml.platform.user-store").intIn("cache-size", 0, 100_000_000));
    }
}
