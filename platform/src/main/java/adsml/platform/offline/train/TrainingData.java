package adsml.platform.offline.train;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.features.DemoFeatures;
import adsml.platform.features.FeatureBatch;
import adsml.platform.world.ImpressionLog;
import adsml.platform.world.World;

/**
 * Logged impressions joined with the world's user, ad and campaign rows through {@link DemoFeatures}, the same
 * definition that serving uses: one feature row and its click and conversion labels per impression.
 */
public record TrainingData(FeatureBatch features, boolean[] click, boolean[] conversion) {

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
    public static TrainingData forTraining(World world, ImpressionLog log) {
        return build(world, log, COLD_START_EVERY);
    }

    /** Features and labels of every impression in {@code log}, in log order, as serving would see them. */
    public static TrainingData of(World world, ImpressionLog log) {
        return build(world, log, 0);
    }

    private static TrainingData build(World world, ImpressionLog log, int coldStartEvery) {
        int n = log.size();
        FeatureBatch batch = FeatureBatch.forSchema(DemoFeatures.SCHEMA, n);
        DemoFeatures.UserRow[] users = new DemoFeatures.UserRow[world.users().size()];
        for (int i = 0; i < n; i++) {
            int userId = log.userId()[i];
            DemoFeatures.UserRow user = users[userId];
            if (user == null) {
                user = DemoFeatures.user(world.user(userId));
                users[userId] = user;
            }
            if (coldStartEvery > 0 && i % coldStartEvery == coldStartEvery - 1) {
                User u = world.user(userId);
                user = DemoFeatures.coldStart(u.country(), u.device());
            }
            Ad ad = world.ad(log.adId()[i]);
            DemoFeatures.fill(
                    batch,
                    i,
                    user,
                    ad,
                    world.campaign(ad.campaignId()),
                    new Context(log.surface()[i], log.hour()[i], log.position()[i]));
        }
        batch.setRows(n);
        return new TrainingData(batch, log.click().clone(), log.conversion().clone());
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
        return new TrainingData(part, c, v);
    }
}
