package adsml.server;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;
import java.time.Duration;

/**
 * {@code adsml.server}: what the server does at start-up, and the bounds of its live figures per model version, read
 * once and checked.
 *
 * @param modelName the model whose highest version is activated at start-up
 * @param warmUpRequests rank requests the server sends itself before it reports ready
 * @param warmUpConcurrency how many of them are in flight at once
 * @param liveShownAds shown ads remembered to attribute events to the version that served them, a power of two
 * @param liveWindow the recent window of the live figures, in whole minutes
 */
record ServerSettings(
        String modelName, int warmUpRequests, int warmUpConcurrency, int liveShownAds, Duration liveWindow) {
    static ServerSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.server");
        int shownAds = r.intIn("live-figures.shown-ads", 1024, 1 << 24);
        r.require(Integer.bitCount(shownAds) == 1, "live-figures.shown-ads", "must be a power of two, was " + shownAds);
        Duration window = r.durationIn("live-figures.recent-window", Duration.ofMinutes(1), Duration.ofHours(24));
        r.require(
                window.toMillis() % 60_000 == 0, "live-figures.recent-window", "must be whole minutes, was " + window);
        int concurrency = r.intIn("warm-up-concurrency", 0, 4096);
        return new ServerSettings(
                r.nonEmptyString("model-name"),
                r.intIn("warm-up-requests", 0, 1_000_000),
                concurrency == 0 ? 4 * Runtime.getRuntime().availableProcessors() : concurrency,
                shownAds,
                window);
    }
}
