package adsml.actors.ranking;

import adsml.platform.counters.CounterStore;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureSets;
import adsml.scheduler.LoadedVersion;
import java.util.function.LongSupplier;

/**
 * What feature assembly reads besides the request and the index: the declared feature sets (a version is filled with
 * the set it names), the real-time counters, and the wall clock their windows decay by.
 */
public record FeatureStores(FeatureSets sets, CounterStore counters, LongSupplier wallClockMs) {

    /** The set {@code version} was trained on; the registry loads no version whose set is not here. */
    public FeatureAssembly setOf(LoadedVersion version) {
        return sets.require(version.spec().schema().name());
    }
}
