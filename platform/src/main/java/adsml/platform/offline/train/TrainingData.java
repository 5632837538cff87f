package adsml.platform.offline.train;

import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import adsml.platform.featurelog.ExampleFiles;
import adsml.platform.featurelog.ServedRows;
import adsml.platform.featurelog.ServedRowsReader;
import adsml.platform.featurelog.TrainingExamples;
import adsml.platform.features.FeatureAssembly;
import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSchema;
import adsml.platform.features.FeatureSet;
import adsml.platform.features.RequestRow;
import adsml.platform.world.ImpressionLog;
import adsml.platform.world.World;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Logged impressions joined with the world's user, ad and campaign rows through a feature set's
 * {@link FeatureAssembly}, the one that serving runs: one feature row and its click and conversion labels per
 * impression. A set that reads real-time counters reads them from a {@link CounterReplay} of the log, point in time.
 */
public record TrainingData(FeatureSchema schema, FeatureBatch features, boolean[] click, boolean[] conversion) {

    public int size() {
        return features.rows();
    }

    /**
     * Every 50th impression of a training log is featurized as a cold start (only the request's country and device
     * known), so that the "unknown" embedding rows that serving uses for new users are trained rather than left at
     * their random start.
     */
    public static final int COLD_START_EVERY = 50;

    /** Training rows: as {@link #of}, with every {@link #COLD_START_EVERY}th user replaced by a cold start. */
    public static TrainingData forTraining(World world, ImpressionLog log, FeatureAssembly set, CounterReplay replay) {
        return build(world, log, set, replay, COLD_START_EVERY);
    }

    /**
     * Features and labels of every impression in {@code log}, in log order, as serving would see them. {@code replay}
     * may be null for a set that reads no counters.
     */
    public static TrainingData of(World world, ImpressionLog log, FeatureAssembly set, CounterReplay replay) {
        return build(world, log, set, replay, 0);
    }

    private static TrainingData build(
            World world, ImpressionLog log, FeatureAssembly set, CounterReplay replay, int coldStartEvery) {
        boolean counters = set.set().readsCounters();
        if (counters && replay == null) {
            throw new IllegalArgumentException("feature set " + set.set().id() + " reads counters: it needs a replay");
        }
        if (set.set().readsSpend()) {
            // A spend column that is always 0 in training would meet real spend, through untrained weights, in serving.
            throw new IllegalArgumentException("feature set " + set.set().id()
                    + " reads spend counters, which the world's log cannot replay (it has no prices): train it with"
                    + " --from-log");
        }
        int n = log.size();
        FeatureBatch batch = set.batch(n);
        RequestRow[] users = new RequestRow[world.users().size()];
        AdColumns one = AdColumns.ofRows(1);
        long[] requestIds = log.requestId();
        for (int from = 0, to; from < n; from = to) {
            to = from + 1;
            while (to < n && requestIds[to] == requestIds[from]) {
                to++;
            }
            long nowMs = replay == null ? 0 : replay.nowMs();
            for (int i = from; i < to; i++) {
                int userId = log.userId()[i];
                RequestRow user = users[userId];
                if (user == null) {
                    user = RequestRow.of(world.user(userId), log.context(i));
                    users[userId] = user;
                }
                RequestRow row = user.in(log.context(i));
                if (coldStartEvery > 0 && i % coldStartEvery == coldStartEvery - 1) {
                    User u = world.user(userId);
                    row = RequestRow.coldStart(u.country(), u.device(), user.userHash(), log.context(i));
                }
                Ad ad = world.ad(log.adId()[i]);
                one.set(0, ad, world.campaign(ad.campaignId()));
                set.fill(batch, i, row, one, counters ? replay.store() : null, nowMs);
            }
            if (counters) {
                replay.countRequest(world, log, from, to, set);
            }
        }
        batch.setRows(n);
        return new TrainingData(
                set.schema(), batch, log.click().clone(), log.conversion().clone());
    }

    /**
     * The shown rows of every examples file of the feature log under {@code logDir} for {@code set} (the folder
     * {@code logDir/<set id>}), in file name order (the order they were served): the rows as they were scored, labelled
     * by the join, except that a set with a position slot ({@link FeatureSet#positionSlot()}) reads the slot each ad
     * was shown in. Every candidate is scored as if at the top, so as scored the rows would teach the model the click
     * rate averaged over the slots below it too: on the loop's simulated day the versions trained on them put the ads
     * they showed at 0.61-0.77 of their true click probability at the top, and at 0.78-1.02 once trained on the shown
     * slot (docs/perf-log.md). Rows sampled without being shown are left out: nobody could click them.
     *
     * @throws IOException naming the file when one cannot be read or has other columns
     * @throws IllegalArgumentException when there is no examples file yet
     */
    public static TrainingData fromLog(Path logDir, FeatureAssembly set) throws IOException {
        return fromLog(logDir, set, Long.MIN_VALUE, Long.MAX_VALUE);
    }

    /** The same, keeping the rows served in {@code [fromMs, toMs)}: a recent window of the log. */
    public static TrainingData fromLog(Path logDir, FeatureAssembly set, long fromMs, long toMs) throws IOException {
        FeatureSchema schema = set.schema();
        List<Path> files = ExampleFiles.of(logDir, schema.name());
        List<TrainingExamples> parts = new ArrayList<>();
        int rows = 0;
        for (Path file : files) {
            TrainingExamples part = ServedRowsReader.readExamples(file, schema);
            parts.add(part);
            for (int r = 0; r < part.rows().rows(); r++) {
                rows += kept(part.rows(), r, fromMs, toMs) ? 1 : 0;
            }
        }
        FeatureBatch batch = FeatureBatch.forSchema(schema, rows);
        boolean[] click = new boolean[rows];
        boolean[] conversion = new boolean[rows];
        int slots = schema.sparseSlots(), dense = schema.denseDims(), at = 0;
        int position = set.set().positionSlot();
        int positionOffset = position < 0 ? 0 : schema.offsets()[position];
        for (TrainingExamples part : parts) {
            ServedRows served = part.rows();
            for (int r = 0; r < served.rows(); r++) {
                if (!kept(served, r, fromMs, toMs)) {
                    continue;
                }
                System.arraycopy(served.sparse(), r * slots, batch.sparse(), at * slots, slots);
                System.arraycopy(served.dense(), r * dense, batch.dense(), at * dense, dense);
                if (position >= 0) {
                    batch.sparse()[at * slots + position] =
                            positionOffset + Math.min(served.position(r), Vocab.MAX_POSITION - 1);
                }
                click[at] = part.click()[r];
                conversion[at] = part.conversion()[r];
                at++;
            }
        }
        batch.setRows(rows);
        return new TrainingData(schema, batch, click, conversion);
    }

    private static boolean kept(ServedRows rows, int r, long fromMs, long toMs) {
        return rows.shown(r) && rows.servedAtMs(r) >= fromMs && rows.servedAtMs(r) < toMs;
    }

    /** The rows {@code [from, to)} as a new data set (used to split off a calibration set). */
    public TrainingData slice(int from, int to) {
        FeatureBatch part = new FeatureBatch(to - from, features.sparseSlots(), features.denseDims());
        System.arraycopy(
                features.sparse(),
                from * features.sparseSlots(),
                part.sparse(),
                0,
                (to - from) * features.sparseSlots());
        System.arraycopy(
                features.dense(), from * features.denseDims(), part.dense(), 0, (to - from) * features.denseDims());
        part.setRows(to - from);
        boolean[] c = new boolean[to - from];
        boolean[] v = new boolean[to - from];
        System.arraycopy(click, from, c, 0, c.length);
        System.arraycopy(conversion, from, v, 0, v.length);
        return new TrainingData(schema, part, c, v);
    }
}
