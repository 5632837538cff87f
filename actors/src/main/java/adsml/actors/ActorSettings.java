package adsml.actors;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;

/**
 * How the request pipeline is laid out.
 *
 * @param maxCandidates candidates the heavy model scores per request
 * @param retrieveWidth candidates retrieved per request while a light model is active, which it cuts to maxCandidates
 * @param lightModel the model name ({@code models/<name>}) whose newest version the light stage starts with, if any
 * @param stagePoolSize coordinators, retrievers and feature assemblers per pool
 */
public record ActorSettings(int maxCandidates, int retrieveWidth, String lightModel, int stagePoolSize) {
    public ActorSettings {
        if (maxCandidates < 1 || retrieveWidth < maxCandidates) {
            throw new IllegalArgumentException(
                    "need 1 <= maxCandidates <= retrieveWidth, were " + maxCandidates + ", " + retrieveWidth);
        }
        if (stagePoolSize < 1) {
            throw new IllegalArgumentException("stagePoolSize must be >= 1, was " + stagePoolSize);
        }
    }

    /** Reads {@code adsml.actors}; {@code stage-pool-size = 0} becomes one per core. */
    public static ActorSettings from(Config root) {
        return from(root, Runtime.getRuntime().availableProcessors());
    }

    static ActorSettings from(Config root, int cores) {
        SettingsReader r = SettingsReader.of(root, "adsml.actors");
        int pool = r.intIn("stage-pool-size", 0, 1024);
        int max = r.intIn("max-candidates", 1, 100_000);
        return new ActorSettings(
                max,
                r.intIn("funnel.retrieve-width", max, 1_000_000),
                r.string("funnel.light-model"),
                pool == 0 ? cores : pool);
    }
}
