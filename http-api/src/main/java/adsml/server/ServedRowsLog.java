package adsml.server;

import adsml.actors.ranking.FeatureAssembler;
import adsml.actors.ranking.RankQuery;
import adsml.actors.ranking.ServedLog;
import adsml.platform.featurelog.FeatureLogStats;
import adsml.platform.featurelog.FeatureLogWriter;
import adsml.platform.featurelog.ServedRows;
import adsml.platform.features.FeatureBatch;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feature log as the coordinators see it: a sampled request's shown rows and a few of its other rows are copied
 * into a {@link ServedRows} batch and handed to the writer of the request's feature set (one per set, started on first
 * use), which writes Parquet files on its own thread. Copying a handful of rows is all the request path pays; a full
 * queue drops the batch and counts it.
 */
final class ServedRowsLog implements ServedLog, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ServedRowsLog.class);

    private final Path root;
    private final ServedLogSettings settings;
    private final Clock clock;
    private final Map<String, FeatureLogWriter> writers = new ConcurrentHashMap<>();
    private final AtomicLong failures = new AtomicLong();

    ServedRowsLog(Path root, ServedLogSettings settings, Clock clock) {
        this.root = root;
        this.settings = settings;
        this.clock = clock;
    }

    @Override
    public void served(RankQuery query, FeatureAssembler.Features features, String version, int[] shownRows) {
        try {
            log(query, features, version, shownRows);
        } catch (RuntimeException e) {
            // The request is answered whatever the log does: a set the log cannot write is counted and named once.
            if (failures.getAndIncrement() == 0) {
                LOG.warn(
                        "the feature log cannot take rows of {}: {}",
                        features.set().set().id(),
                        e.toString());
            }
        }
    }

    /** Requests whose rows the log refused (its writer could not be built, or the rows did not fit). */
    long failures() {
        return failures.get();
    }

    private void log(RankQuery query, FeatureAssembler.Features features, String version, int[] shownRows) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (settings.sampleRate() <= 0 || random.nextDouble() >= settings.sampleRate()) {
            return;
        }
        FeatureBatch batch = features.batch();
        int unshown = Math.min(settings.unshownRows(), batch.rows() - shownRows.length);
        ServedRows rows = new ServedRows(features.set().schema(), shownRows.length + unshown);
        boolean[] taken = new boolean[batch.rows()];
        for (int slot = 0; slot < shownRows.length; slot++) {
            int r = shownRows[slot];
            taken[r] = true;
            rows.add(
                    query.requestId(),
                    query.userKey(),
                    features.ads().adIds()[r],
                    slot,
                    version,
                    features.servedAtMs(),
                    batch,
                    r);
        }
        // A few of the losers, uniformly: more than a few per request would crowd the log with rows nobody saw.
        for (int added = 0; added < unshown; ) {
            int r = random.nextInt(batch.rows());
            if (!taken[r]) {
                taken[r] = true;
                rows.add(
                        query.requestId(),
                        query.userKey(),
                        features.ads().adIds()[r],
                        ServedRows.NOT_SHOWN,
                        version,
                        features.servedAtMs(),
                        batch,
                        r);
                added++;
            }
        }
        writers.computeIfAbsent(
                        features.set().set().id(),
                        id -> new FeatureLogWriter(root, features.set().schema(), settings.files(), clock))
                .append(rows);
    }

    /** Each feature set's writer's figures, by set id. */
    Map<String, FeatureLogStats> stats() {
        Map<String, FeatureLogStats> stats = new TreeMap<>();
        writers.forEach((id, writer) -> stats.put(id, writer.stats()));
        return stats;
    }

    @Override
    public void close() {
        writers.values().forEach(FeatureLogWriter::close);
    }
}
