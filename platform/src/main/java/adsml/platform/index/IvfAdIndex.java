package adsml.platform.index;

import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.Targeting;
import adsml.platform.domain.User;
import adsml.platform.index.ann.AdFilter;
import adsml.platform.index.ann.IvfFile;
import adsml.platform.index.ann.IvfIndex;
import adsml.platform.index.ann.VectorAds;
import adsml.platform.world.World;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.stream.IntStream;

/**
 * An {@link AdIndex} for inventories of a million ads and more: retrieval by the {@link RetrievalTower}'s vectors in an
 * {@link IvfIndex} (approximate: 0.95-0.97 of the exact top 1,000 at a million ads, a few milliseconds), filters and
 * budgets applied inside the search. What the rest of serving reads of an ad (its attributes, its campaign, its paused
 * flag, as rows and columns) comes from an {@link ExactAdIndex} kept beside it, the store both indexes share; its own
 * retrieval answers only cold starts, whose zero query ranks every ad alike and is answered in id order.
 *
 * <p>Writes go to both under one lock: the store first, then the vectors, so a retrieval that meets the new ad can
 * resolve it. A campaign whose targeting changes re-files every ad of it, since the IVF keeps each ad's targeting
 * beside its code: one ad at a time, so for the milliseconds that takes a retrieval may still filter some of them by
 * the old targeting (the HTTP API cannot change a campaign; a batched re-file would close the window). The IVF takes
 * writes into a delta that it folds by itself; the store copies its arrays on each write (tens of milliseconds at a
 * million ads).
 *
 * <p>Partitioned ({@link #openPartition}), the IVF holds only one {@link Partition}'s ads and {@link #retrieveKeys}
 * answers for them, while the store keeps every ad: a node of a flat layout searches its share of the inventory and
 * resolves any ad locally.
 */
public final class IvfAdIndex implements AdIndex {
    private final ExactAdIndex store;
    private final RetrievalTower tower;
    private final IvfIndex ivf;
    private final BudgetTracker budget;
    private final Partition partition;
    private final boolean loaded;
    private final Object writeLock = new Object();

    private IvfAdIndex(
            ExactAdIndex store,
            RetrievalTower tower,
            IvfIndex ivf,
            BudgetTracker budget,
            Partition partition,
            boolean loaded) {
        this.store = store;
        this.tower = tower;
        this.ivf = ivf;
        this.budget = budget;
        this.partition = partition;
        this.loaded = loaded;
    }

    /**
     * The index of {@code world}'s ads: read from {@code file} when the file was built from exactly these ads and this
     * tower, else built (k-means, codes) and written there for the next start. A file that cannot be read is rebuilt,
     * not fatal: it is a cache of what the world holds.
     *
     * @throws IllegalArgumentException when the world's ad ids are not {@code 0..n-1} in order
     * @throws IOException when the built index cannot be written
     */
    public static IvfAdIndex open(World world, BudgetTracker budget, RetrievalTower tower, Path file)
            throws IOException {
        return openPartition(world, budget, tower, file, Partition.WHOLE);
    }

    /**
     * As {@link #open}, with only {@code partition}'s ads in the IVF (every ad in the store); {@code file} should name
     * the partition, since it holds only its lists.
     */
    public static IvfAdIndex openPartition(
            World world, BudgetTracker budget, RetrievalTower tower, Path file, Partition partition)
            throws IOException {
        ExactAdIndex store = ExactAdIndex.storeOf(world, budget);
        VectorAds ads = vectors(world, tower, partition);
        long fingerprint = ads.fingerprint();
        if (Files.exists(file)) {
            try {
                IvfIndex saved = IvfFile.read(file, fingerprint);
                if (saved != null) {
                    return new IvfAdIndex(store, tower, saved, budget, partition, true);
                }
                // Built from other ads or another tower: rebuilt below and overwritten.
            } catch (IOException e) {
                // Damaged: rebuilt below and overwritten.
            }
        }
        IvfIndex ivf = IvfIndex.build(ads, IvfIndex.Settings.forAds(ads.size), 1L);
        Files.createDirectories(file.toAbsolutePath().getParent());
        IvfFile.write(ivf, fingerprint, file);
        return new IvfAdIndex(store, tower, ivf, budget, partition, false);
    }

    /** Where in {@code dir} the lists of {@code partition}'s IVF are kept. */
    public static Path fileIn(Path dir, Partition partition) {
        return dir.resolve(
                partition.whole() ? "ivf.bin" : "ivf-" + partition.index() + "-of-" + partition.count() + ".bin");
    }

    /** The ads this index's IVF holds: {@link Partition#WHOLE} unless opened as one partition. */
    public Partition partition() {
        return partition;
    }

    /** The IVF's memory per ad it holds (codes, lists, filters), for the log and the benchmarks. */
    public double bytesPerAd() {
        return ivf.bytesPerAd();
    }

    /** How many ads the IVF holds: this partition's, paused ones included. */
    public int searchable() {
        return ivf.size();
    }

    /** True when the lists came from the file, false when they were built at start. */
    public boolean loadedFromFile() {
        return loaded;
    }

    /** The IVF lists: how many, for the log and the admin API. */
    public int lists() {
        return ivf.lists();
    }

    /** Row {@code r} holds ad {@code partition.adId(r)}. */
    private static VectorAds vectors(World world, RetrievalTower tower, Partition partition) {
        List<Ad> ads = world.ads();
        for (int i = 0; i < ads.size(); i++) {
            if (ads.get(i).id() != i) {
                throw new IllegalArgumentException("the world's ad ids must be 0..n-1 in order; row " + i + " is ad "
                        + ads.get(i).id());
            }
        }
        int n = partition.rowsOf(ads.size());
        int dim = tower.dim();
        float[] vectors = new float[n * dim];
        int[] campaign = new int[n];
        int[] category = new int[n];
        int[] word = new int[n];
        long[] interests = new long[n];
        IntStream.range(0, n).parallel().forEach(i -> {
            Ad a = ads.get(partition.adId(i));
            tower.ad(a, vectors, i * dim);
            Targeting t = world.campaign(a.campaignId()).targeting();
            campaign[i] = a.campaignId();
            category[i] = a.category();
            word[i] = VectorAds.targetWord(t);
            interests[i] = t.interestMask();
        });
        return new VectorAds(dim, n, vectors, campaign, category, word, interests);
    }

    /** One allocation more than the exact index's: the search allocates its query and filter anyway. */
    @Override
    public int retrieve(User user, Context context, int max, int[] outAdIds) {
        return retrieve(Audience.of(user), context, max, outAdIds);
    }

    @Override
    public int retrieve(Audience audience, Context context, int max, int[] outAdIds) {
        if (audience.coldStart()) {
            // Every ad scores 0 for a cold start: the store's walk in id order is that ranking, and costs little.
            return store.retrieve(audience, context, max, outAdIds);
        }
        if (context == null) {
            throw new IllegalArgumentException("context must not be null");
        }
        AdFilter filter = audience.filter();
        BudgetTracker.DayView today = budget.view();
        int count = ivf.search(tower.user(audience.embedding()), filter, today::exhausted, max, outAdIds);
        if (!partition.whole()) {
            for (int i = 0; i < count; i++) {
                outAdIds[i] = partition.adId(outAdIds[i]);
            }
        }
        return count;
    }

    /**
     * This index's best eligible ads for a known audience as (score, ad id) keys ({@link RankKeys}), best first, in
     * {@code outKeys[0..count)}: one partition's answer to a scattered retrieval, which merges with the others' by
     * score. Scores are the IVF's (8-bit codes of the same tower vectors in every partition). A zero embedding (a cold
     * start) is not asked of partitions: the store answers it whole.
     *
     * @throws IllegalArgumentException when the context is null, {@code max < 0} or {@code outKeys} is shorter
     */
    public int retrieveKeys(Audience audience, Context context, int max, long[] outKeys) {
        if (context == null) {
            throw new IllegalArgumentException("context must not be null");
        }
        BudgetTracker.DayView today = budget.view();
        int count = ivf.searchKeys(tower.user(audience.embedding()), audience.filter(), today::exhausted, max, outKeys);
        if (!partition.whole()) {
            for (int i = 0; i < count; i++) {
                long key = outKeys[i];
                outKeys[i] = RankKeys.key(RankKeys.scoreOf(key), partition.adId(RankKeys.adOf(key)));
            }
        }
        return count;
    }

    /**
     * The best {@code max} of several partitions' keys ({@link #retrieveKeys}), best first, as ad ids in
     * {@code outAdIds}; returns how many. {@code keys[p][0..counts[p])} is partition p's answer.
     */
    public static int merge(long[][] keys, int[] counts, int max, int[] outAdIds) {
        int total = 0;
        for (int c : counts) {
            total += c;
        }
        long[] all = new long[total];
        int at = 0;
        for (int p = 0; p < keys.length; p++) {
            System.arraycopy(keys[p], 0, all, at, counts[p]);
            at += counts[p];
        }
        int n = Math.min(max, total);
        if (n > 0 && n < total) {
            RankKeys.selectLargest(all, total, n);
        }
        Arrays.sort(all, 0, n);
        for (int i = 0; i < n; i++) {
            outAdIds[i] = RankKeys.adOf(all[n - 1 - i]);
        }
        return n;
    }

    @Override
    public Optional<AdEntry> get(int adId) {
        return store.get(adId);
    }

    @Override
    public AdColumns resolve(int[] adIds, int count) {
        return store.resolve(adIds, count);
    }

    /**
     * {@inheritDoc}
     *
     * @throws IllegalArgumentException also when the ad's embedding is not finite (the IVF stores codes of finite
     *     vectors) or its id is above {@link IvfIndex#MAX_AD_ID}
     */
    @Override
    public void upsert(Ad ad, Campaign campaign) {
        if (campaign.id() != ad.campaignId()) {
            throw new IllegalArgumentException(
                    "ad " + ad.id() + " belongs to campaign " + ad.campaignId() + ", not " + campaign.id());
        }
        if (ad.id() > IvfIndex.MAX_AD_ID) {
            throw new IllegalArgumentException("ad id must be <= " + IvfIndex.MAX_AD_ID + ", was " + ad.id());
        }
        float[] vector = tower.ad(ad);
        for (float v : vector) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("ad " + ad.id() + ": the embedding must be finite");
            }
        }
        synchronized (writeLock) {
            Targeting before =
                    store.campaign(campaign.id()).map(Campaign::targeting).orElse(null);
            store.upsert(ad, campaign);
            file(ad.id(), vector, campaign, ad.category());
            if (before != null && !before.equals(campaign.targeting())) {
                for (int other : store.adsOf(campaign.id())) {
                    if (other != ad.id()) {
                        Ad a = store.get(other).orElseThrow().ad();
                        file(other, tower.ad(a), campaign, a.category());
                    }
                }
            }
        }
    }

    /** Files the ad in the IVF when its partition is this index's; another partition's node files it there. */
    private void file(int adId, float[] vector, Campaign campaign, int category) {
        if (!partition.holds(adId)) {
            return;
        }
        Targeting t = campaign.targeting();
        ivf.upsert(partition.row(adId), vector, campaign.id(), category, VectorAds.targetWord(t), t.interestMask());
    }

    @Override
    public boolean setPaused(int adId, boolean paused) {
        synchronized (writeLock) {
            return store.setPaused(adId, paused)
                    && (!partition.holds(adId) || ivf.setPaused(partition.row(adId), paused));
        }
    }

    @Override
    public int size() {
        return store.size();
    }

    /** The campaign with this id as last written, empty when the index has none. */
    public Optional<Campaign> campaign(int campaignId) {
        return store.campaign(campaignId);
    }

    /** The ids of a campaign's ads, in id order: one pass over every ad, for writes. */
    public int[] adsOf(int campaignId) {
        return store.adsOf(campaignId);
    }
}
