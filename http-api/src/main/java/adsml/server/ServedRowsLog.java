package adsml.server;

import adsml.actors.ranking.FeatureAssembler;
import adsml.actors.ranking.RankQuery;
import adsml.actors.ranking.ServedLog;
import adsml.platform.auction.AuctionResult;
import adsml.platform.auction.Outcome;
import adsml.platform.domain.AdColumns;
import adsml.platform.featurelog.AuctionFacts;
import adsml.platform.featurelog.FeatureLogStats;
import adsml.platform.featurelog.FeatureLogWriter;
import adsml.platform.featurelog.ServedRows;
import adsml.platform.features.FeatureBatch;
import adsml.platform.features.ShownToday;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLong;
import java.util.stream.IntStream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The feature log as the coordinators see it: a sampled request's shown rows and a few of its other rows (or, for a
 * share of them, every other row) are copied, with what the auction knew of each, into a {@link ServedRows} batch and
 * handed to the writer of the request's feature set (one per set, started on first use), which writes Parquet files on
 * its own thread. Copying a handful of rows is all the request path pays; a full queue drops the batch and counts it.
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
    public void served(
            RankQuery query,
            FeatureAssembler.Features features,
            String version,
            float[] pCtr,
            float[] pCvr,
            AuctionResult auction) {
        try {
            log(query, features, version, pCtr, pCvr, auction);
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

    private void log(
            RankQuery query,
            FeatureAssembler.Features features,
            String version,
            float[] pCtr,
            float[] pCvr,
            AuctionResult auction) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        if (settings.sampleRate() <= 0 || random.nextDouble() >= settings.sampleRate()) {
            return;
        }
        FeatureBatch batch = features.batch();
        boolean whole = random.nextDouble() < settings.wholeRequestRate();
        int others = batch.rows() - auction.winners();
        int wanted = whole ? settings.wholeRequestRows() - auction.winners() : settings.unshownRows();
        int unshown = Math.max(0, Math.min(wanted, others));
        ServedRows rows = new ServedRows(features.set().schema(), auction.winners() + unshown);
        boolean[] taken = new boolean[batch.rows()];
        for (int slot = 0; slot < auction.winners(); slot++) {
            int r = auction.candidateIndex(slot);
            taken[r] = true;
            add(rows, query, features, version, slot, facts(query, features, pCtr, pCvr, auction, r, slot, whole), r);
        }
        if (whole) {
            for (int r : bestOthers(auction, taken, unshown)) {
                add(
                        rows,
                        query,
                        features,
                        version,
                        ServedRows.NOT_SHOWN,
                        facts(query, features, pCtr, pCvr, auction, r, -1, true),
                        r);
            }
        } else {
            // A few of the losers, uniformly: more than a few per request would crowd the log with rows nobody saw.
            for (int added = 0; added < unshown; ) {
                int r = random.nextInt(batch.rows());
                if (!taken[r]) {
                    taken[r] = true;
                    add(
                            rows,
                            query,
                            features,
                            version,
                            ServedRows.NOT_SHOWN,
                            facts(query, features, pCtr, pCvr, auction, r, -1, false),
                            r);
                    added++;
                }
            }
        }
        writers.computeIfAbsent(
                        features.set().set().id(),
                        id -> new FeatureLogWriter(root, features.set().schema(), settings.files(), clock))
                .append(rows);
    }

    /** The {@code count} rows not taken with the highest eCPMs, best first. */
    private static int[] bestOthers(AuctionResult auction, boolean[] taken, int count) {
        return IntStream.range(0, taken.length)
                .filter(r -> !taken[r])
                .boxed()
                .sorted((a, b) -> Double.compare(auction.candidateEcpm(b), auction.candidateEcpm(a)))
                .limit(Math.max(0, count))
                .mapToInt(Integer::intValue)
                .toArray();
    }

    private static void add(
            ServedRows rows,
            RankQuery query,
            FeatureAssembler.Features features,
            String version,
            int position,
            AuctionFacts facts,
            int r) {
        rows.add(
                query.requestId(),
                query.userKey(),
                features.ads().adIds()[r],
                position,
                version,
                features.servedAtMs(),
                facts,
                features.batch(),
                r);
    }

    /** What the auction knew and did with batch row {@code r}, shown in {@code slot} (-1: not shown). */
    private static AuctionFacts facts(
            RankQuery query,
            FeatureAssembler.Features features,
            float[] pCtr,
            float[] pCvr,
            AuctionResult auction,
            int r,
            int slot,
            boolean whole) {
        AdColumns ads = features.ads();
        ShownToday shown = features.shown();
        Outcome outcome = auction.outcome(r);
        return new AuctionFacts(
                features.candidates().user().context().surface(),
                query.slots(),
                whole,
                ads.campaignIds()[r],
                ads.advertiserIds()[r],
                ads.bids()[r],
                ads.bidTypes()[r].ordinal(),
                outcome == Outcome.OUT_OF_BUDGET || outcome == Outcome.PACED_OUT,
                auction.budgetLeft(r),
                shown == null ? -1f : shown.ads()[r],
                shown == null ? -1f : shown.campaigns()[r],
                pCtr[r],
                pCvr[r],
                slot < 0 ? 0 : auction.propensity(slot),
                slot < 0 ? 0 : auction.priceBid(slot),
                slot < 0 ? 0 : auction.priceEcpm(slot));
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
