package adsml.platform.index;

import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.Targeting;
import adsml.platform.domain.User;
import adsml.platform.index.ann.AdFilter;
import adsml.platform.index.ann.InventoryRows;
import adsml.platform.index.ann.InventoryScan;
import adsml.platform.index.ann.ScanBatcher;
import adsml.platform.index.ann.VectorAds;
import adsml.platform.world.World;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntFunction;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link AdIndex} whose retrieval reads every ad: the {@link RetrievalTower}'s vectors in an {@link InventoryScan},
 * each eligible ad scored exactly and the best kept, the requests of concurrent retrievals searched together by a
 * {@link ScanBatcher}. On a GPU ({@code adsml.scheduler.gpu}'s GpuInventoryScan) the whole inventory stays on the card
 * and a call of many requests costs about one pass over it; where an {@link IvfAdIndex} finds 0.95-0.97 of the true top
 * 1,000, this finds all of it. On the CPU the twin reads every ad per request (tens of ms at a million ads): for tests
 * and small worlds.
 *
 * <p>As {@link IvfAdIndex}: what serving reads of an ad comes from an {@link ExactAdIndex} kept beside it as the store,
 * which also answers cold starts (a zero query ranks every ad alike: id order). Positions are ad ids, so the scan holds
 * ids below its capacity, the world's ads and room for {@link #HEADROOM} more. A retrieval returns at most
 * {@link InventoryScan#MAX_K} ads, what the device sorts per request. A scan that fails (a GPU fault) is answered from
 * the store, exactly by the ads' latent factors, until the scan answers again: retrieval degrades, serving goes on. A
 * scan that {@linkplain InventoryScan#lost() lost its ads} (a GPU context rebuilt after a sticky error) is replaced in
 * the background: a new one opened and every ad of the store written into it, at most once a second, writes waiting
 * meanwhile; then retrieval reads it again, without a restart.
 */
public final class ScanAdIndex implements AdIndex, AutoCloseable {
    /** Ad ids the scan has room for beyond the world's: new ads written while serving. */
    public static final int HEADROOM = 100_000;

    private static final Logger LOG = LoggerFactory.getLogger(ScanAdIndex.class);

    private static final long REOPEN_INTERVAL_NANOS = 1_000_000_000L;

    private final ExactAdIndex store;
    private final RetrievalTower tower;
    private final BudgetTracker budget;
    private final IntFunction<InventoryScan> openScan;
    private final int capacity;
    private final Object writeLock = new Object();
    private final AtomicBoolean reopening = new AtomicBoolean();
    /** The scan and its batcher; replaced, under the write lock, when the scan was lost. */
    private volatile Scan current;

    private volatile boolean failing;
    private volatile long nextReopenNanos = System.nanoTime();

    private record Scan(InventoryScan scan, ScanBatcher batcher) {}

    private ScanAdIndex(
            ExactAdIndex store,
            RetrievalTower tower,
            BudgetTracker budget,
            IntFunction<InventoryScan> openScan,
            int capacity,
            InventoryScan scan) {
        this.store = store;
        this.tower = tower;
        this.budget = budget;
        this.openScan = openScan;
        this.capacity = capacity;
        this.current = new Scan(scan, batcher(scan));
    }

    private ScanBatcher batcher(InventoryScan scan) {
        return new ScanBatcher(scan, this::exhausted, "adsml-inventory-scan");
    }

    /**
     * The index of {@code world}'s ads, written into the scan that {@code openScan} opens for a capacity (the world's
     * ads and {@link #HEADROOM}); the index closes it.
     *
     * @throws IllegalArgumentException when the world's ad ids are not {@code 0..n-1} in order
     */
    public static ScanAdIndex open(
            World world, BudgetTracker budget, RetrievalTower tower, IntFunction<InventoryScan> openScan) {
        List<Ad> ads = world.ads();
        int n = ads.size();
        int dim = tower.dim();
        int[] positions = new int[n];
        float[] vectors = new float[n * dim];
        int[] campaign = new int[n];
        int[] category = new int[n];
        int[] word = new int[n];
        long[] interests = new long[n];
        for (int i = 0; i < n; i++) {
            Ad a = ads.get(i);
            if (a.id() != i) {
                throw new IllegalArgumentException(
                        "the world's ad ids must be 0..n-1 in order; row " + i + " is ad " + a.id());
            }
            positions[i] = i;
            tower.ad(a, vectors, i * dim);
            Targeting t = world.campaign(a.campaignId()).targeting();
            campaign[i] = a.campaignId();
            category[i] = a.category();
            word[i] = VectorAds.targetWord(t);
            interests[i] = t.interestMask();
        }
        ExactAdIndex store = ExactAdIndex.storeOf(world, budget);
        int capacity = n + HEADROOM;
        InventoryScan scan = openScan.apply(capacity);
        try {
            scan.write(new InventoryRows(dim, positions, vectors, campaign, category, word, interests, new float[n]));
        } catch (RuntimeException e) {
            scan.close();
            throw e;
        }
        return new ScanAdIndex(store, tower, budget, openScan, capacity, scan);
    }

    /** The scan behind the index, for the log and the admin API. */
    public InventoryScan scan() {
        return current.scan();
    }

    /** Requests per call of the current scan so far: how much the batcher gathers. */
    public double meanRequestsPerCall() {
        return current.batcher().meanRequestsPerCall();
    }

    /** Today's exhausted campaigns, once per scan call. */
    private BitSet exhausted() {
        BudgetTracker.DayView today = budget.view();
        BitSet spent = new BitSet();
        for (int c = 0, limit = today.idLimit(); c < limit; c++) {
            if (today.known(c) && today.exhausted(c)) {
                spent.set(c);
            }
        }
        return spent;
    }

    @Override
    public int retrieve(User user, Context context, int max, int[] outAdIds) {
        return retrieve(Audience.of(user), context, max, outAdIds);
    }

    @Override
    public int retrieve(Audience audience, Context context, int max, int[] outAdIds) {
        if (max < 0 || outAdIds.length < max) {
            throw new IllegalArgumentException("max must be >= 0 and fit outAdIds, was " + max);
        }
        if (isZero(audience.embedding())) {
            return store.retrieve(audience, context, max, outAdIds);
        }
        if (context == null) {
            throw new IllegalArgumentException("context must not be null");
        }
        Scan now = current;
        ScanBatcher.Found found;
        try {
            found = now.batcher()
                    .search(tower.user(audience.embedding()), filter(audience), Math.min(max, InventoryScan.MAX_K));
        } catch (RuntimeException e) {
            if (!failing) {
                failing = true;
                LOG.warn(
                        "the inventory scan failed; retrieving from the store until it answers again: {}",
                        e.toString());
            }
            if (now.scan().lost()) {
                reopenLater(now);
            }
            return store.retrieve(audience, context, max, outAdIds);
        }
        if (failing) {
            failing = false;
            LOG.info("the inventory scan answers again");
        }
        for (int i = 0; i < found.count(); i++) {
            outAdIds[i] = RankKeys.adOf(found.keys()[i]);
        }
        return found.count();
    }

    /** Replaces a lost scan on a thread of its own, unless a replacement runs or one failed within the last second. */
    private void reopenLater(Scan lost) {
        if (System.nanoTime() - nextReopenNanos < 0 || !reopening.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(
                () -> {
                    try {
                        reopen(lost);
                    } catch (RuntimeException e) {
                        nextReopenNanos = System.nanoTime() + REOPEN_INTERVAL_NANOS;
                        LOG.warn(
                                "reopening the inventory scan failed, again in a second at the earliest: {}",
                                e.toString());
                    } finally {
                        reopening.set(false);
                    }
                },
                "adsml-inventory-reopen");
        t.setDaemon(true);
        t.start();
    }

    /** A new scan with every ad of the store, paused ones paused, swapped in for {@code lost}; writes wait. */
    private void reopen(Scan lost) {
        long start = System.nanoTime();
        Scan fresh;
        synchronized (writeLock) {
            if (current != lost) {
                return;
            }
            InventoryScan scan = openScan.apply(capacity);
            try {
                writeAll(scan);
            } catch (RuntimeException e) {
                scan.close();
                throw e;
            }
            fresh = new Scan(scan, batcher(scan));
            current = fresh;
        }
        lost.batcher().close();
        lost.scan().close();
        LOG.info(
                "the inventory scan was lost and is replaced: {} written in {} ms",
                fresh.scan(),
                (System.nanoTime() - start) / 1_000_000);
    }

    /** Every ad the store holds, in chunks, then the paused ones paused; under the write lock. */
    private void writeAll(InventoryScan scan) {
        int chunk = 65_536;
        List<Integer> paused = new ArrayList<>();
        List<Ad> ads = new ArrayList<>(chunk);
        for (int id = 0; id < capacity; id++) {
            Optional<AdEntry> entry = store.get(id);
            if (entry.isPresent()) {
                ads.add(entry.get().ad());
                if (entry.get().paused()) {
                    paused.add(id);
                }
            }
            if (ads.size() == chunk || (id == capacity - 1 && !ads.isEmpty())) {
                scan.write(rowsOf(ads));
                ads.clear();
            }
        }
        for (int id : paused) {
            scan.setPaused(id, true);
        }
    }

    /** The scan's rows of {@code ads}, each with its campaign's targeting as the store has it. */
    private InventoryRows rowsOf(List<Ad> ads) {
        int dim = tower.dim();
        int n = ads.size();
        int[] positions = new int[n];
        float[] vectors = new float[n * dim];
        int[] campaigns = new int[n];
        int[] categories = new int[n];
        int[] words = new int[n];
        long[] interests = new long[n];
        for (int i = 0; i < n; i++) {
            Ad a = ads.get(i);
            Targeting t = store.campaign(a.campaignId()).orElseThrow().targeting();
            positions[i] = a.id();
            tower.ad(a, vectors, i * dim);
            campaigns[i] = a.campaignId();
            categories[i] = a.category();
            words[i] = VectorAds.targetWord(t);
            interests[i] = t.interestMask();
        }
        return new InventoryRows(dim, positions, vectors, campaigns, categories, words, interests, new float[n]);
    }

    private static AdFilter filter(Audience audience) {
        return new AdFilter(audience.country(), audience.device(), audience.ageBucket(), audience.interestMask(), 0L);
    }

    private static boolean isZero(float[] v) {
        for (float x : v) {
            if (x != 0f) {
                return false;
            }
        }
        return true;
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
     * @throws IllegalArgumentException also when the ad's embedding is not finite, or its id is past the scan's
     *     capacity
     */
    @Override
    public void upsert(Ad ad, Campaign campaign) {
        if (campaign.id() != ad.campaignId()) {
            throw new IllegalArgumentException(
                    "ad " + ad.id() + " belongs to campaign " + ad.campaignId() + ", not " + campaign.id());
        }
        if (ad.id() >= capacity) {
            throw new IllegalArgumentException(
                    "ad id must be below " + capacity + " (the inventory's room), was " + ad.id());
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
            int[] ids = before != null && !before.equals(campaign.targeting())
                    ? store.adsOf(campaign.id())
                    : new int[] {ad.id()};
            current.scan().write(rows(ids, ad, vector, campaign));
        }
    }

    /**
     * The scan's rows of {@code ids}, all of {@code campaign}: {@code ad} as given, the others as the store has them.
     */
    private InventoryRows rows(int[] ids, Ad ad, float[] vector, Campaign campaign) {
        int dim = tower.dim();
        int n = ids.length;
        float[] vectors = new float[n * dim];
        int[] campaigns = new int[n];
        int[] categories = new int[n];
        int[] words = new int[n];
        long[] interests = new long[n];
        Targeting t = campaign.targeting();
        for (int i = 0; i < n; i++) {
            Ad a = ids[i] == ad.id() ? ad : store.get(ids[i]).orElseThrow().ad();
            if (a == ad) {
                System.arraycopy(vector, 0, vectors, i * dim, dim);
            } else {
                tower.ad(a, vectors, i * dim);
            }
            campaigns[i] = campaign.id();
            categories[i] = a.category();
            words[i] = VectorAds.targetWord(t);
            interests[i] = t.interestMask();
        }
        return new InventoryRows(dim, ids, vectors, campaigns, categories, words, interests, new float[n]);
    }

    @Override
    public boolean setPaused(int adId, boolean paused) {
        synchronized (writeLock) {
            if (!store.setPaused(adId, paused)) {
                return false;
            }
            current.scan().setPaused(adId, paused);
            return true;
        }
    }

    @Override
    public int size() {
        return store.size();
    }

    /** Stops the batcher and closes the scan. */
    @Override
    public void close() {
        synchronized (writeLock) {
            Scan now = current;
            now.batcher().close();
            now.scan().close();
        }
    }
}
