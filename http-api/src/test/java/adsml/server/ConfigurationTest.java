package adsml.server;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.actors.ActorSettings;
import adsml.actors.cluster.ClusterSettings;
import adsml.http.HttpSettings;
import adsml.platform.auction.AuctionSettings;
import adsml.platform.config.SettingsReader;
import adsml.platform.store.UserStoreSettings;
import adsml.scheduler.CpuSettings;
import adsml.scheduler.SchedulerSettings;
import adsml.scheduler.gpu.Backends;
import adsml.scheduler.gpu.GpuSettings;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigException;
import com.typesafe.config.ConfigFactory;
import java.net.URL;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/** Every adsml key has one home, a valid default, and a bound that start-up enforces by name. */
class ConfigurationTest {
    /** Reads every module's section the way AdsmlServer.start does. */
    private static final List<Consumer<Config>> READERS = List.of(
            SettingsReader::requireKnownKeys,
            HttpSettings::from,
            ServerSettings::from,
            ActorSettings::from,
            ClusterSettings::from,
            SchedulerSettings::from,
            CpuSettings::from,
            c -> GpuSettings.from(c, 4096),
            Backends.Backend::from,
            AuctionSettings::from,
            UserStoreSettings::from);

    @Test
    void everyAdsmlKey_isDeclaredInExactlyOneReferenceConf() throws Exception {
        Map<String, URL> homes = new HashMap<>();
        for (URL url : Collections.list(getClass().getClassLoader().getResources("reference.conf"))) {
            Config reference = ConfigFactory.parseURL(url);
            if (!reference.hasPath("adsml")) {
                continue;
            }
            for (String key : reference.getConfig("adsml").root().keySet()) {
                URL other = homes.put(key, url);
                assertTrue(other == null, "adsml." + key + " is declared in " + url + " and in " + other);
            }
        }
        assertEquals(
                Set.of("platform", "scheduler", "actors", "cluster", "http", "server"),
                homes.keySet(),
                "each module's section (actors declares the cluster's too)");
        assertFalse(
                ConfigFactory.parseResources("application.conf").hasPath("adsml"),
                "application.conf only overrides Pekko; adsml's defaults live in the modules' reference.conf");
    }

    @Test
    void theShippedDefaults_passEveryModulesChecks() {
        Config config = ConfigFactory.load();
        READERS.forEach(reader -> reader.accept(config));
    }

    @Test
    void aValueOutOfBounds_failsStartUpNamingTheKey() {
        for (Map.Entry<String, Object> bad : Map.<String, Object>ofEntries(
                        Map.entry("adsml.http.port", 70000),
                        Map.entry("adsml.http.max-body-bytes", 10),
                        Map.entry("adsml.server.warm-up-requests", -1),
                        Map.entry("adsml.server.warm-up-concurrency", -1),
                        Map.entry("adsml.scheduler.batching.max-batch-rows", 200_000_000),
                        Map.entry("adsml.scheduler.cpu.engine", "tensorflow"),
                        Map.entry("adsml.scheduler.gpu.precision", "fp8"),
                        Map.entry("adsml.scheduler.gpu.embeddings", "fp8"),
                        Map.entry("adsml.scheduler.backend", "tpu"),
                        Map.entry("adsml.platform.auction.reserve-ecpm.search", -1),
                        Map.entry("adsml.actors.max-candidates", 0),
                        Map.entry("adsml.scheduler.batching.max-queue-dely-ms", 1))
                .entrySet()) {
            Config config =
                    ConfigFactory.parseMap(Map.of(bad.getKey(), bad.getValue())).withFallback(ConfigFactory.load());
            ConfigException e = assertThrows(
                    ConfigException.class, () -> READERS.forEach(reader -> reader.accept(config)), bad.getKey());
            assertTrue(e.getMessage().contains(bad.getKey()), bad.getKey() + ": " + e.getMessage());
        }
    }
}
