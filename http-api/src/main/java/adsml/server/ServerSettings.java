package adsml.server;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;

/**
 * {@code adsml.server}: what the server does at start-up, read once and checked.
 *
 * @param modelName the model whose highest version is activated at start-up
 * @param warmUpRequests rank requests the server sends itself before it reports ready
 */
record ServerSettings(String modelName, int warmUpRequests) {
    static ServerSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.server");
        return new ServerSettings(r.nonEmptyString("model-name"), r.intIn("warm-up-requests", 0, 1_000_000));
    }
}
