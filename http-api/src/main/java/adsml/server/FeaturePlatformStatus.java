package adsml.server;

import adsml.platform.counters.CounterStore;
import adsml.platform.featurelog.ExampleJoin;
import adsml.platform.featurelog.FeatureLogStats;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * {@code GET /admin/api/feature-log}: each feature set's log (rows, rate, size, drops, the last join and its lag), the
 * requests whose rows the log refused, and the real-time counters' store, for the admin overview.
 */
record FeaturePlatformStatus(
        double sampleRate, long attributionWindowMs, long refusedRequests, List<SetLog> sets, CounterStatus counters) {

    /** One feature set's log; {@code join} is null before its first join. */
    record SetLog(String set, FeatureLogStats log, ExampleJoin.Report join) {}

    /** The counter store: its kind, keys held, the most it holds, bytes per key, evictions, refused updates. */
    record CounterStatus(String store, long keys, long maxKeys, int bytesPerKey, long evictions, long failedUpdates) {}

    static FeaturePlatformStatus of(
            ServedLogSettings settings,
            ServedRowsLog log,
            FeatureLogJoins joins,
            CounterStore store,
            CounterFeed feed) {
        Map<String, FeatureLogStats> stats = log.stats();
        Map<String, ExampleJoin.Report> reports = joins.reports();
        TreeSet<String> ids = new TreeSet<>(stats.keySet());
        ids.addAll(reports.keySet());
        List<SetLog> sets = new ArrayList<>();
        for (String id : ids) {
            sets.add(new SetLog(id, stats.get(id), reports.get(id)));
        }
        CounterStore.Stats s = store.stats();
        return new FeaturePlatformStatus(
                settings.sampleRate(),
                settings.attributionWindow().toMillis(),
                log.failures(),
                sets,
                new CounterStatus(
                        store.durable() ? "redis" : "embedded",
                        s.keys(),
                        s.maxKeys(),
                        s.bytesPerKey(),
                        s.evictions(),
                        feed.failures()));
    }
}
