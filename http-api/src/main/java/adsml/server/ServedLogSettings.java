package adsml.server;

import adsml.platform.config.SettingsReader;
import adsml.platform.featurelog.FeatureLogSettings;
import com.typesafe.config.Config;
import java.time.Duration;

/**
 * {@code adsml.server.feature-log}: which rank requests' rows are logged and how the files roll and join.
 *
 * @param sampleRate the share of rank requests whose rows are logged (0 logs none)
 * @param unshownRows rows not shown, drawn at random among a logged request's other candidates, logged beside the shown
 *     ones (position -1)
 * @param wholeRequestRate the share of logged requests whose every candidate is logged, with what the auction knew of
 *     each (replay reads only those: another model's auction needs them all)
 * @param wholeRequestRows the most rows of a request logged whole: its shown rows and the best of the rest by the
 *     serving model's eCPM
 * @param files the writer's bounds: a file is complete at this age or size; batches queued at most
 * @param attributionWindow how long after a row was served a click or conversion still counts for it; rows are joined
 *     into training examples once it has passed
 * @param joinInterval how often the server joins the served files whose window has closed
 */
record ServedLogSettings(
        double sampleRate,
        int unshownRows,
        double wholeRequestRate,
        int wholeRequestRows,
        FeatureLogSettings files,
        Duration attributionWindow,
        Duration joinInterval) {

    static ServedLogSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.server.feature-log");
        return new ServedLogSettings(
                r.doubleIn("sample-rate", 0, 1),
                r.intIn("unshown-rows", 0, 1000),
                r.doubleIn("whole-request-rate", 0, 1),
                r.intIn("whole-request-rows", 1, 100_000),
                new FeatureLogSettings(
                        r.durationIn("max-file-age", Duration.ofSeconds(1), Duration.ofDays(1)),
                        r.bytesIn("max-file-bytes", 1 << 16, 1L << 34),
                        r.intIn("max-queued-batches", 1, 1 << 20)),
                r.durationIn("attribution-window", Duration.ofSeconds(1), Duration.ofDays(30)),
                r.durationIn("join-interval", Duration.ofSeconds(1), Duration.ofDays(1)));
    }
}
