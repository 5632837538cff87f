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
import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * An {@link AdIndex} whose retrieval reads every ad: the {@link RetrievalTower}'s vectors in an {@link InventoryScan},
 * each eligible ad scored exactly and the best kept, the requests of concurrent retrievals searched together by a
 * {@link ScanBatcher}. On a GPU ({@code adsml.scheduler.gpu}'s GpuInventoryScan) the whole inventory stays on the card
 * and a call of many requests reads it once; where an IVF finds 0.95-0.97 of the true top 1,000, this finds all of it.
 * A retrieval returns at most {@link InventoryScan#MAX_K} ads, what the device sorts per request.
 *
 * <p>Beside the scan stands an {@link IvfAdIndex} over the same vectors: it is the store (what serving reads of an ad,
 * cold starts) and the standby. Every write goes to it first, then to the scan. When the scan fails (a GPU fault, a
 * call that takes longer than {@link #SEARCH_TIMEOUT}), retrieval is the IVF's, as on a server without a GPU: degraded
 * recall, not an outage; after a late call, requests skip the scan for a rest (1 s, doubling while calls stay late, up
 * to 30 s) rather than each waiting out the timeout. When the scan may no longer hold what the store holds (a write it
 * refused while its device was quarantined, or its memory {@linkplain InventoryScan#lost() lost} with a GPU context
 * rebuilt after a sticky error), retrieval stays on the IVF and the scan is replaced in the background: the old one
 * closed, a new one opened and every ad of the store written into it (writes wait meanwhile); a replacement that fails
 * is tried again after 1 s, then 2, 4, up to a minute. Then the scan serves again, without a restart. Positions are ad
 * ids, with room for {@link #HEADROOM} ads written while serving; the ad that finds it full has the scan rewritten with
 * as much room again.
 *
 * <p>An ad's vector is its tower vector and then its {@link LightVector}, so that the same scan also light-ranks: with
 * a light model's priors written ({@link #lightRank}), a request's light query, read against the light part of each row
 * only, ranks every eligible ad by the light model's log eCPM ({@link #lightRetrieveLater}); a tower query reads the
 * tower's part only. While the priors are a light model's, tower retrievals go to the standby: the priors would bias
 * them.
 */
public final class ScanAdIndex implements AdIndex, AutoCloseable {
    /** Ad ids the scan has room for beyond the world's: new ads written while serving. */
    public static final int HEADROOM = 100_000;

    /**
     * The longest a retrieval waits for the scan before it asks the standby, unless told otherwise
     * ({@code adsml.platform.index.scan-timeout}): far above what a call should take (its time on a GPU is not measured
     * yet), far below a rank request's deadline.
     */
    public static final Duration SEARCH_TIMEOUT = Duration.ofMillis(100);

    private static final Logger LOG = LoggerFactory.getLogger(ScanAdIndex.class);
    /** The wait after a failed replacement: doubled at each failure in a row, up to the longest. */
    private static final long REOPEN_FIRST_BACKOFF_NANOS = 1_000_000_000L;

    private static final long REOPEN_LONGEST_BACKOFF_NANOS = 60_000_000_000L;
    private static final long WARN_INTERVAL_NANOS = 10_000_000_000L;
    /** The first rest after a late call; doubled while calls stay late, up to the longest. */
    private static final long FIRST_REST_NANOS = 1_000_000_000L;

    private static final long LONGEST_REST_NANOS = 30_000_000_000L;
    private static final int WRITE_CHUNK = 65_536;

    private final IvfAdIndex standby;
    private final RetrievalTower tower;
    private final BudgetTracker budget;
    private final Opener openScan;
    private final Duration searchTimeout;
    /** The ad ids the scan has room for; grows, under the write lock, when a new ad finds it full. */
    private volatile int capacity;

    private final Object writeLock = new Object();
    private final AtomicBoolean reopening = new AtomicBoolean();
    /** The scan and its batcher; replaced under the write lock. */
    private volatile Scan current;
    /** True while the scan may not hold what the store does: retrieval asks the standby until it is replaced. */
    private volatile boolean stale;

    private volatile boolean failing;
    // A scan that flaps (late under load, then answering) would log each turn: one warning per 10 s, with counts.
    private final AtomicLong fellBack = new AtomicLong();
    private volatile long warnedNanos;
    private volatile boolean warnedFailing;
    // A late scan (a hung or overloaded device) would cost every request the whole timeout: after one, requests skip
    // it for a rest, 1 s and doubling while it stays late, and the next answer ends the rests.
    private final Object restLock = new Object();
    private volatile long restNanos;
    private volatile long restUntilNanos;
    /** lightRank's callers one at a time: each owns {@link #touched} while its priors are computed. */
    private final Object rankLock = new Object();

    private volatile boolean closed;
    private volatile long nextReopenNanos = System.nanoTime();
    private volatile long reopenBackoffNanos = REOPEN_FIRST_BACKOFF_NANOS;

    /** The light ranking whose priors the scan holds; null while they are zero and tower retrievals use the scan. */
    private volatile LightPriors light;
    /** Ads written while a light ranking's priors are computed outside the write lock; under the write lock. */
    private List<Integer> touched;
    /**
     * Counts the changes of whose priors the scan holds (a light ranking's, another's, zeros): an answer from a call
     * submitted before a change was ranked by other priors than its request asked for, and is not used.
     */
    private volatile long epoch;

    private record Scan(InventoryScan scan, ScanBatcher batcher) {}

    /** Opens an empty inventory scan of {@code dim}-dimensional vectors with room for {@code capacity} ads. */
    @FunctionalInterface
    public interface Opener {
        InventoryScan open(int dim, int capacity);
    }

    /**
     * A light ranking's part of the scan: its id and each ad's prior, the ad's own term of its key beside
     * {@link LightVector}'s (adsml.platform.funnel's LightScan).
     */
    public interface LightPriors {
        String id();

        /** Writes the prior of each of {@code ads} into {@code out[0, ads.rows())}. */
        void priors(AdColumns ads, float[] out);
    }

    private ScanAdIndex(
            IvfAdIndex standby, RetrievalTower tower, BudgetTracker budget, Opener openScan, Duration searchTimeout) {
        this.standby = standby;
        this.tower = tower;
        this.budget = budget;
        this.openScan = openScan;
        this.searchTimeout = searchTimeout;
        this.capacity = standby.size() + HEADROOM;
    }

    /**
     * The index of {@code standby}'s ads (an {@link IvfAdIndex} over {@code tower}'s vectors), written into the scan
     * that {@code openScan} opens for a capacity (the ads and {@link #HEADROOM}); the index closes it.
     */
    public static ScanAdIndex open(IvfAdIndex standby, RetrievalTower tower, BudgetTracker budget, Opener openScan) {
        return open(standby, tower, budget, openScan, SEARCH_TIMEOUT);
    }

    /**
     * As {@link #open(IvfAdIndex, RetrievalTower, BudgetTracker, Opener)}, asking the standby after
     * {@code searchTimeout}.
     */
    public static ScanAdIndex open(
            IvfAdIndex standby, RetrievalTower tower, BudgetTracker budget, Opener openScan, Duration searchTimeout) {
        ScanAdIndex index = new ScanAdIndex(standby, tower, budget, openScan, searchTimeout);
        index.current = index.openFresh();
        return index;
    }

    /** The dimension of the scan's vectors over {@code tower}: the tower's and {@link LightVector#DIM}. */
    public static int dim(RetrievalTower tower) {
        return tower.dim() + LightVector.DIM;
    }

    /** A new scan with every ad of the store written into it, paused ones paused, and its batcher. */
    private Scan openFresh() {
        InventoryScan scan = openScan.open(dim(tower), capacity);
        try {
            writeAll(scan);
        } catch (RuntimeException e) {
            scan.close();
            throw e;
        }
        return new Scan(scan, new ScanBatcher(scan, this::exhausted, "adsml-inventory-scan"));
    }

    private void writeAll(InventoryScan scan) {
        List<Integer> paused = new ArrayList<>();
        List<Ad> ads = new ArrayList<>(WRITE_CHUNK);
        int room = scan.capacity();
        for (int id = 0; id < room; id++) {
            Optional<AdEntry> entry = standby.get(id);
            if (entry.isPresent()) {
                ads.add(entry.get().ad());
                if (entry.get().paused()) {
                    paused.add(id);
                }
            }
            if (ads.size() == WRITE_CHUNK || (id == room - 1 && !ads.isEmpty())) {
                scan.write(rowsOf(ads, null, null));
                ads.clear();
            }
        }
        for (int id : paused) {
            scan.setPaused(id, true);
        }
    }

    /**
     * The scan's rows of {@code ads}, with the light ranking's priors if there is one (zeros else); {@code vector} is
     * {@code given}'s tower vector when it is among them (else computed).
     */
    private InventoryRows rowsOf(List<Ad> ads, Ad given, float[] vector) {
        int dim = dim(tower);
        int n = ads.size();
        int[] positions = new int[n];
        float[] vectors = new float[n * dim];
        int[] campaigns = new int[n];
        int[] categories = new int[n];
        int[] words = new int[n];
        long[] interests = new long[n];
        for (int i = 0; i < n; i++) {
            Ad a = ads.get(i);
            Campaign campaign = standby.campaign(a.campaignId()).orElseThrow();
            Targeting t = campaign.targeting();
            positions[i] = a.id();
            if (a == given) {
                System.arraycopy(vector, 0, vectors, i * dim, tower.dim());
            } else {
                tower.ad(a, vectors, i * dim);
            }
            LightVector.write(
                    a.category(),
                    a.creativeType(),
                    campaign.bidType(),
                    a.embedding(),
                    0,
                    vectors,
                    i * dim + tower.dim());
            campaigns[i] = a.campaignId();
            categories[i] = a.category();
            words[i] = VectorAds.targetWord(t);
            interests[i] = t.interestMask();
        }
        float[] priors = new float[n];
        LightPriors ranking = light;
        if (ranking != null) {
            try {
                ranking.priors(standby.resolve(positions, n), priors);
            } catch (RuntimeException e) {
                // The rows still go in, with priors of 0 until the next refresh: a light model that cannot price
                // some ads must not take the scan, and every retrieval with it, to the standby.
                java.util.Arrays.fill(priors, 0f);
                LOG.warn(
                        "the priors of {} failed for {} ads, written as 0 until its next refresh: {}",
                        ranking.id(),
                        n,
                        e.toString());
            }
        }
        return new InventoryRows(dim, positions, vectors, campaigns, categories, words, interests, priors);
    }

    /** The scan behind the index, for the log and the admin API. */
    public InventoryScan scan() {
        return current.scan();
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
        check(context, max, outAdIds);
        Scan now = current;
        long at = epoch; // before reading the ranking: see samePriors
        if (audience.coldStart() || stale || closed || light != null || (at & 1) != 0 || resting()) {
            return offScan(now, audience, context, max, outAdIds);
        }
        ScanBatcher.Found found;
        try {
            found = now.batcher().search(0, towerQuery(audience), audience.filter(), k(max), searchTimeout);
        } catch (RuntimeException e) {
            return fellBack(now, e, audience, context, max, outAdIds);
        }
        return samePriors(at) ? answered(found, outAdIds) : standby.retrieve(audience, context, max, outAdIds);
    }

    /**
     * {@inheritDoc} The request joins the scan's next call; its answer comes on the batcher's thread, or, when the scan
     * fails or takes longer than the search timeout ({@link #SEARCH_TIMEOUT}), the standby's on {@code cpu}. While a
     * light ranking's priors are in the scan, the standby answers.
     */
    @Override
    public CompletionStage<Integer> retrieveLater(
            Audience audience, Context context, int max, int[] outAdIds, Executor cpu) {
        check(context, max, outAdIds);
        Scan now = current;
        long at = epoch; // before reading the ranking: see samePriors
        if (audience.coldStart() || stale || closed || light != null || (at & 1) != 0 || resting()) {
            return CompletableFuture.completedFuture(offScan(now, audience, context, max, outAdIds));
        }
        CompletableFuture<Integer> count = new CompletableFuture<>();
        now.batcher()
                .submit(0, towerQuery(audience), audience.filter(), k(max))
                // Completes the batcher's own future: a request that timed out is left out of the calls to come.
                .orTimeout(searchTimeout.toNanos(), TimeUnit.NANOSECONDS)
                .whenComplete((found, failure) -> {
                    // Whatever is thrown here completes the count: a stage nobody reads would swallow it, and the
                    // request would wait for an answer that never comes.
                    try {
                        if (failure == null && samePriors(at)) {
                            count.complete(answered(found, outAdIds));
                        } else {
                            // Failed, late, or ranked while a light ranking's priors came or went: the standby's.
                            cpu.execute(() -> {
                                try {
                                    count.complete(
                                            failure == null
                                                    ? standby.retrieve(audience, context, max, outAdIds)
                                                    : fellBack(now, failure, audience, context, max, outAdIds));
                                } catch (Throwable e) {
                                    count.completeExceptionally(e);
                                }
                            });
                        }
                    } catch (Throwable e) { // an executor that stops with the server, too
                        count.completeExceptionally(e);
                    }
                });
        return count;
    }

    /**
     * Ranks every eligible ad for a request by the light ranking {@code lightId}, whose query for the request is
     * {@code lightQuery} ({@link LightVector#DIM} values, handed over: read on the batcher's thread after this returns,
     * so the caller must not reuse it), and completes with how many of the best it wrote into {@code outAdIds} (at most
     * {@link InventoryScan#MAX_K}), best first; on the batcher's thread. Completes exceptionally when the scan does not
     * hold that ranking's priors (none yet, another version, a scan being replaced, priors that changed while the call
     * was on the device), fails, or takes longer than the search timeout: the caller then retrieves and cuts on the
     * CPU.
     */
    public CompletionStage<Integer> lightRetrieveLater(
            String lightId, float[] lightQuery, AdFilter filter, int max, int[] outAdIds) {
        if (max < 0 || outAdIds.length < max || lightQuery.length != LightVector.DIM) {
            throw new IllegalArgumentException("max must be >= 0 and fit outAdIds, and the query have "
                    + LightVector.DIM + " values; were " + max + " and " + lightQuery.length);
        }
        Scan now = current;
        long at = epoch; // before reading the ranking: see samePriors
        LightPriors ranking = light;
        if (ranking == null || !ranking.id().equals(lightId) || stale || closed || (at & 1) != 0) {
            return CompletableFuture.failedFuture(new IllegalStateException("the inventory scan does not rank by "
                    + lightId + " now (" + (ranking == null ? "no light ranking" : ranking.id()) + ")"));
        }
        if (resting()) {
            return CompletableFuture.failedFuture(
                    new IllegalStateException("the inventory scan rests after a late call"));
        }
        CompletableFuture<Integer> count = new CompletableFuture<>();
        now.batcher()
                .submit(tower.dim(), lightQuery, filter, k(max))
                .orTimeout(searchTimeout.toNanos(), TimeUnit.NANOSECONDS)
                .whenComplete((found, failure) -> {
                    try {
                        if (failure != null) {
                            failed(now, failure);
                            count.completeExceptionally(failure);
                        } else if (!samePriors(at)) {
                            count.completeExceptionally(new IllegalStateException(
                                    "the scan's priors changed while " + lightId + " ranked on it"));
                        } else {
                            count.complete(answered(found, outAdIds));
                        }
                    } catch (Throwable e) {
                        count.completeExceptionally(e);
                    }
                });
        return count;
    }

    /** The light ranking whose priors the scan holds, if any. */
    public Optional<String> lightRanking() {
        return Optional.ofNullable(light).map(LightPriors::id);
    }

    /**
     * Makes {@code ranking} the scan's light ranking, or refreshes its priors (a light model's ad terms move with the
     * day's click rates): every ad's prior computed, outside the write lock so that ad writes go on (those written
     * meanwhile have theirs computed again), then written in one call. From then on {@link #lightRetrieveLater} answers
     * for its id. Blocks for the computation: for a background thread.
     */
    public void lightRank(LightPriors ranking) {
        synchronized (rankLock) {
            rankLocked(ranking);
        }
    }

    private void rankLocked(LightPriors ranking) {
        synchronized (writeLock) {
            if (closed) {
                return;
            }
            touched = new ArrayList<>();
        }
        float[] priors;
        try {
            priors = priorsOfEveryAd(ranking);
        } catch (Throwable e) {
            synchronized (writeLock) {
                touched = null;
            }
            throw e;
        }
        synchronized (writeLock) {
            List<Integer> again = touched;
            touched = null;
            if (closed) {
                return;
            }
            boolean another = light == null || !light.id().equals(ranking.id());
            if (another) {
                epoch++; // odd: the priors change, no call's answer from now until the even count is used
            }
            try {
                light = ranking;
                if (stale) {
                    return; // the replacement writes the store's ads with this ranking's priors
                }
                current.scan().setPriors(priors);
                List<Ad> ads = new ArrayList<>();
                for (int id : again) {
                    standby.get(id).ifPresent(e -> ads.add(e.ad()));
                }
                if (!ads.isEmpty()) {
                    current.scan().write(rowsOf(ads, null, null));
                }
            } catch (RuntimeException e) {
                refused("the priors of " + ranking.id(), e);
            } finally {
                if (another) {
                    epoch++;
                }
            }
        }
    }

    /** Ends the light ranking: priors zero again, and tower retrievals back on the scan. */
    public void endLight() {
        synchronized (writeLock) {
            if (light == null || closed) {
                return;
            }
            epoch++;
            try {
                if (!stale) {
                    current.scan().setPriors(new float[current.scan().size()]);
                }
            } catch (RuntimeException e) {
                refused("zeroing the priors", e);
            } finally {
                light = null;
                epoch++;
            }
        }
    }

    /**
     * Whether a retrieval that read {@code epoch} {@code at} before the ranking it asks for may use the answer of a
     * call that completes now: no change of the priors began or ended in between. A change counts the epoch up (odd)
     * before it touches the ranking or the priors and again (even) after both, under the write lock; a retrieval that
     * reads an even count and then the ranking sees that change's ranking, or one whose count will have moved.
     */
    private boolean samePriors(long at) {
        return (at & 1) == 0 && epoch == at;
    }

    /** Whether {@link #lightRetrieveLater} for {@code lightId} would go to the scan now. */
    public boolean ranksBy(String lightId) {
        LightPriors ranking = light;
        return ranking != null && ranking.id().equals(lightId) && !stale && !closed && (epoch & 1) == 0 && !resting();
    }

    /** The length of the rest now or last begun; 0 once the scan answered. For tests. */
    Duration rest() {
        return Duration.ofNanos(restNanos);
    }

    /** Whether requests skip the scan for now, after a late call. */
    private boolean resting() {
        return restNanos != 0 && System.nanoTime() - restUntilNanos < 0;
    }

    /** {@code ranking}'s prior for every position of the scan up to the store's highest ad id (0 where no ad is). */
    private float[] priorsOfEveryAd(LightPriors ranking) {
        int room = capacity;
        int last = -1;
        int[] ids = new int[WRITE_CHUNK];
        float[] chunk = new float[WRITE_CHUNK];
        float[] priors = new float[0];
        int n = 0;
        for (int id = 0; id < room; id++) {
            if (standby.get(id).isPresent()) {
                ids[n++] = id;
                last = id;
            }
            if (n == WRITE_CHUNK || (id == room - 1 && n > 0)) {
                priors = java.util.Arrays.copyOf(priors, Math.max(priors.length, last + 1));
                ranking.priors(standby.resolve(ids, n), chunk);
                for (int i = 0; i < n; i++) {
                    priors[ids[i]] = chunk[i];
                }
                n = 0;
            }
        }
        return priors;
    }

    /** The scan's query for a tower retrieval: the tower's, over the rows' first dimensions. */
    private float[] towerQuery(Audience audience) {
        return tower.user(audience.embedding());
    }

    private static void check(Context context, int max, int[] outAdIds) {
        if (max < 0 || outAdIds.length < max) {
            throw new IllegalArgumentException("max must be >= 0 and fit outAdIds, was " + max);
        }
        if (context == null) {
            throw new IllegalArgumentException("context must not be null");
        }
    }

    private static int k(int max) {
        return Math.min(max, InventoryScan.MAX_K);
    }

    /**
     * A cold start (the store's walk in id order), or any request while the scan is stale or closed or holds a light
     * ranking's priors: the standby.
     */
    private int offScan(Scan now, Audience audience, Context context, int max, int[] outAdIds) {
        if (stale && !audience.coldStart()) {
            reopenLater(now);
        }
        return standby.retrieve(audience, context, max, outAdIds);
    }

    /** The standby's answer after the scan failed {@code failure}. */
    private int fellBack(Scan now, Throwable failure, Audience audience, Context context, int max, int[] outAdIds) {
        failed(now, failure);
        return standby.retrieve(audience, context, max, outAdIds);
    }

    /** Counts a failure of the scan, warned of as the fields above say; a scan whose memory was lost is replaced. */
    private void failed(Scan now, Throwable failure) {
        long since = fellBack.incrementAndGet();
        if (failure instanceof TimeoutException && now == current) {
            synchronized (restLock) {
                // The calls in flight when the device stalled time out together: one rest for them, doubled only by
                // a late call after it.
                long t = System.nanoTime();
                if (restNanos == 0 || t - restUntilNanos >= 0) {
                    long rest = restNanos == 0 ? FIRST_REST_NANOS : Math.min(LONGEST_REST_NANOS, 2 * restNanos);
                    restUntilNanos = t + rest;
                    restNanos = rest;
                }
            }
        }
        if (!failing) {
            failing = true;
            long t = System.nanoTime();
            if (warnedNanos == 0 || t - warnedNanos >= WARN_INTERVAL_NANOS) {
                warnedNanos = t;
                warnedFailing = true;
                LOG.warn(
                        "the inventory scan failed; retrieving from the IVF until it answers again ({} retrievals"
                                + " from the IVF since the last warning): {}",
                        since,
                        failure instanceof TimeoutException
                                ? "no answer within " + searchTimeout.toMillis() + " ms"
                                : failure.toString());
                fellBack.set(0);
            }
        }
        if (now.scan().lost() && now == current) { // a replaced scan's late failure leaves the new one alone
            stale = true;
            reopenLater(now);
        }
    }

    private int answered(ScanBatcher.Found found, int[] outAdIds) {
        if (restNanos != 0) {
            synchronized (restLock) {
                restNanos = 0;
            }
        }
        if (failing) {
            failing = false;
            if (warnedFailing) {
                warnedFailing = false;
                LOG.info(
                        "the inventory scan answers again ({} more retrievals went to the IVF meanwhile)",
                        fellBack.get());
            }
        }
        for (int i = 0; i < found.count(); i++) {
            outAdIds[i] = RankKeys.adOf(found.keys()[i]);
        }
        return found.count();
    }

    /** Replaces the scan on a thread of its own, unless a replacement runs or the backoff of a failed one is not up. */
    private void reopenLater(Scan old) {
        if (closed || System.nanoTime() - nextReopenNanos < 0 || !reopening.compareAndSet(false, true)) {
            return;
        }
        Thread t = new Thread(
                () -> {
                    try {
                        reopen(old);
                    } catch (RuntimeException e) {
                        // A device that cannot hold the scan (its memory budget taken by model versions) fails the
                        // same way each time: retrieval stays on the IVF, retried ever less often.
                        long backoff = reopenBackoffNanos;
                        nextReopenNanos = System.nanoTime() + backoff;
                        reopenBackoffNanos = Math.min(REOPEN_LONGEST_BACKOFF_NANOS, 2 * backoff);
                        LOG.warn(
                                "reopening the inventory scan failed, retrieving from the IVF; again in {} s at the"
                                        + " earliest: {}",
                                backoff / 1_000_000_000L,
                                e.toString());
                    } finally {
                        reopening.set(false);
                    }
                },
                "adsml-inventory-reopen");
        t.setDaemon(true);
        t.start();
    }

    /**
     * Closes {@code old} (so that its device memory is free for the new one) and swaps in a new scan with the store's
     * ads; under the write lock, so writes wait and none is missed.
     */
    private void reopen(Scan old) {
        long start = System.nanoTime();
        Scan fresh;
        synchronized (writeLock) {
            if (closed || current != old) {
                return;
            }
            stale = true;
            old.batcher().close();
            old.scan().close();
            fresh = openFresh();
            current = fresh;
            stale = false;
            reopenBackoffNanos = REOPEN_FIRST_BACKOFF_NANOS;
            synchronized (restLock) {
                restNanos = 0; // the old scan's lateness is not the new one's
            }
        }
        LOG.info(
                "the inventory scan is replaced: {} written in {} ms",
                fresh.scan(),
                (System.nanoTime() - start) / 1_000_000);
    }

    /** After a write the scan refused: retrieval leaves it until it is replaced with the store's ads. */
    private void refused(String write, RuntimeException e) {
        if (!stale) {
            LOG.warn(
                    "the inventory scan refused {}; retrieving from the IVF until it is rewritten: {}",
                    write,
                    e.toString());
        }
        stale = true;
    }

    @Override
    public Optional<AdEntry> get(int adId) {
        return standby.get(adId);
    }

    @Override
    public AdColumns resolve(int[] adIds, int count) {
        return standby.resolve(adIds, count);
    }

    /**
     * {@inheritDoc} A new ad that finds the scan full goes to the store, and retrieval stays on the store until a scan
     * with {@link #HEADROOM} more room has replaced this one (in the background, as after a refused write).
     *
     * @throws IllegalArgumentException also when the ad's embedding is not finite
     */
    @Override
    public void upsert(Ad ad, Campaign campaign) {
        synchronized (writeLock) {
            Campaign before = standby.campaign(campaign.id()).orElse(null);
            standby.upsert(ad, campaign);
            List<Ad> ads = new ArrayList<>();
            // A campaign's targeting, bid type and bid are in each of its ads' rows.
            if (before != null && !before.equals(campaign)) {
                for (int id : standby.adsOf(campaign.id())) {
                    ads.add(id == ad.id() ? ad : standby.get(id).orElseThrow().ad());
                }
            } else {
                ads.add(ad);
            }
            if (touched != null) {
                ads.forEach(a -> touched.add(a.id())); // however they are written, lightRank writes them again
            }
            if (ad.id() >= capacity) {
                capacity = Math.max(ad.id() + 1, standby.size()) + HEADROOM;
                LOG.info("the inventory scan is full at ad {}: rewriting it with room for {} ads", ad.id(), capacity);
                stale = true;
                reopenLater(current);
                return;
            }
            if (stale) {
                return; // the replacement reads the store
            }
            try {
                current.scan().write(rowsOf(ads, ad, tower.ad(ad)));
            } catch (RuntimeException e) {
                refused("ad " + ad.id(), e);
            }
        }
    }

    @Override
    public boolean setPaused(int adId, boolean paused) {
        synchronized (writeLock) {
            if (!standby.setPaused(adId, paused)) {
                return false;
            }
            if (!stale) {
                try {
                    current.scan().setPaused(adId, paused);
                } catch (RuntimeException e) {
                    refused("pausing ad " + adId, e);
                }
            }
            return true;
        }
    }

    @Override
    public int size() {
        return standby.size();
    }

    /** Stops the batcher and closes the scan (the standby is heap only). */
    @Override
    public void close() {
        synchronized (writeLock) {
            closed = true;
            Scan now = current;
            now.batcher().close();
            now.scan().close();
        }
    }
}
