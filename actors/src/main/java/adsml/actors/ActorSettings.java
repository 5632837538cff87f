package adsml.actors;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;

/**
 * How the request pipeline is laid out.
 *
 * @param maxCandidates candidates retrieved per request, before scoring
 * @param stagePoolSize coordinators, retrievers and feature assemblers per pool
 */
public record ActorSettings(int maxCandidates, int stagePoolSize) {
    public ActorSettings {
        if (maxCandidates < 1) {
            throw new IllegalArgumentException("maxCandidates must be >= 1, was " + maxCandidates);
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
        return new ActorSettings(r.intIn("max-candidates", 1, 100_000), pool == 0 ? cores : pool);
    }
}
