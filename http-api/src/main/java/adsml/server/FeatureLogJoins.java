package adsml.server;

import adsml.platform.featurelog.ExampleJoin;
import adsml.platform.featurelog.LabelEvent;
import adsml.platform.featurelog.LabelSource;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureSets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Joins the feature log's served files with the event log's clicks and conversions, every feature set's folder in turn,
 * on a schedule (off the request path, on the blocking dispatcher). Keeps each set's last report for the admin UI.
 */
final class FeatureLogJoins implements Runnable {
    private static final Logger LOG = LoggerFactory.getLogger(FeatureLogJoins.class);

    private final Path root;
    private final FeatureSets sets;
    private final Duration window;
    private final LabelSource labels;
    private final Clock clock;
    private final Map<String, ExampleJoin.Report> reports = new ConcurrentHashMap<>();

    FeatureLogJoins(Path root, FeatureSets sets, Duration window, LabelSource labels, Clock clock) {
        this.root = root;
        this.sets = sets;
        this.window = window;
        this.labels = labels;
        this.clock = clock;
    }

    @Override
    public void run() {
        LabelSource once = new ReadOnce(labels, clock.millis());
        for (FeatureAssembly set : sets.all()) {
            if (!Files.isDirectory(root.resolve(set.set().id()))) {
                continue;
            }
            try {
                reports.put(set.set().id(), new ExampleJoin(root, set.schema(), window, clock).run(once));
            } catch (Exception e) {
                // the files stay as they are; the next run tries again
                LOG.warn("joining the feature log of {} failed: {}", set.set().id(), e.toString());
            }
        }
    }

    /**
     * One run's labels, read from the event log once: the join asks for each served file's period in turn, oldest
     * first, and reading the log again for every file would cost one pass over the window per file.
     */
    private static final class ReadOnce implements LabelSource {
        private final LabelSource log;
        private final long nowMs;
        private long fromMs = Long.MAX_VALUE;
        private List<LabelEvent> read = List.of();

        ReadOnce(LabelSource log, long nowMs) {
            this.log = log;
            this.nowMs = nowMs;
        }

        @Override
        public Iterable<LabelEvent> between(long from, long to) {
            if (from < fromMs || to > nowMs) {
                fromMs = from;
                read = new ArrayList<>();
                log.between(from, Math.max(to, nowMs)).forEach(read::add);
            }
            return read; // a superset of [from, to]: the join checks each event's time
        }
    }

    /** Each set's last join, by set id. */
    Map<String, ExampleJoin.Report> reports() {
        return new TreeMap<>(reports);
    }
}
