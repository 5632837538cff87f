package adsml.platform.index.ann;

import java.time.Duration;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;

/**
 * Requests from many threads gathered into calls of one {@link InventoryScan}: one thread takes whatever waits (up to
 * {@link InventoryScan#MAX_REQUESTS}) when the scan is free and searches it in one call, so that requests arriving
 * while the device works ride the next call together. A GPU reads the inventory once per call whatever the requests in
 * it, so under load a request costs a share of a call, not a whole one; alone, it waits for nothing.
 *
 * <p>The exhausted campaigns are read once per call. Requests that read different ranges of dimensions (a tower's query
 * and a light model's) go in separate calls. A scan that fails fails the call's requests with its exception; the next
 * call tries again.
 */
public final class ScanBatcher implements AutoCloseable {
    /** One request's answer: {@code keys[0, count)}, best first. */
    public record Found(long[] keys, int count) {}

    private record Pending(int from, float[] query, AdFilter filter, int k, CompletableFuture<Found> answer) {
        boolean sameRange(Pending other) {
            return from == other.from && query.length == other.query.length;
        }
    }

    private final InventoryScan scan;
    private final Supplier<BitSet> exhausted;
    private final LinkedBlockingQueue<Pending> queue = new LinkedBlockingQueue<>();
    private final Thread thread;
    private volatile boolean closed;
    private long calls;
    private long searched;

    /** Starts the batcher's thread ({@code name}) over {@code scan}; {@code exhausted} is read once per call. */
    public ScanBatcher(InventoryScan scan, Supplier<BitSet> exhausted, String name) {
        this.scan = scan;
        this.exhausted = exhausted;
        this.thread = new Thread(this::run, name);
        thread.setDaemon(true);
        thread.start();
    }

    /**
     * The best {@code k} eligible ads for {@code query} over dimensions {@code [from, from + query.length)} and
     * {@code filter}, searched with whatever other requests of that range wait beside it.
     *
     * @throws IllegalArgumentException as {@link InventoryScan#search} does for this request's arguments
     */
    public CompletableFuture<Found> submit(int from, float[] query, AdFilter filter, int k) {
        InventoryScan.checkRange(scan.dim(), from, query.length);
        if (k < 0 || k > InventoryScan.MAX_K) {
            throw new IllegalArgumentException("k must be within [0, " + InventoryScan.MAX_K + "], was " + k);
        }
        CompletableFuture<Found> answer = new CompletableFuture<>();
        if (closed) {
            answer.completeExceptionally(new IllegalStateException("the scan batcher is closed"));
            return answer;
        }
        queue.add(new Pending(from, query, filter, k, answer));
        if (closed) {
            failWaiting(); // closed while it was added: the thread may have drained the queue already
        }
        return answer;
    }

    /**
     * As {@link #submit}, waiting at most {@code timeout} for the answer; rethrows the scan's exception.
     *
     * @throws IllegalStateException when the answer does not come in time (a hung device, a context being rebuilt): the
     *     caller answers otherwise, and the request is dropped from its call
     */
    public Found search(int from, float[] query, AdFilter filter, int k, Duration timeout) {
        CompletableFuture<Found> answer = submit(from, query, filter, k);
        try {
            return answer.get(timeout.toNanos(), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            answer.cancel(false);
            throw new IllegalStateException("the inventory scan did not answer within " + timeout.toMillis() + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while waiting for the inventory scan", e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof RuntimeException re) {
                throw re;
            }
            throw new IllegalStateException(e.getCause());
        }
    }

    /** Requests searched per call so far, as a mean: how much batching there is. */
    public synchronized double meanRequestsPerCall() {
        return calls == 0 ? 0 : searched / (double) calls;
    }

    private void run() {
        List<Pending> batch = new ArrayList<>(InventoryScan.MAX_REQUESTS);
        try {
            while (!closed) {
                try {
                    Pending first = queue.poll(100, TimeUnit.MILLISECONDS);
                    if (first == null) {
                        continue;
                    }
                    batch.add(first);
                    queue.drainTo(batch, InventoryScan.MAX_REQUESTS - 1);
                    searchByRange(batch);
                } catch (InterruptedException e) {
                    break;
                } finally {
                    // Left by an Error in an earlier range's call: failed now, not left waiting.
                    for (Pending p : batch) {
                        p.answer().completeExceptionally(new IllegalStateException("the scan batcher stopped"));
                    }
                    batch.clear();
                }
            }
        } finally {
            // Whatever ended the loop, nobody waits on a thread that is gone.
            closed = true;
            failWaiting();
        }
    }

    private void failWaiting() {
        for (Pending p; (p = queue.poll()) != null; ) {
            p.answer().completeExceptionally(new IllegalStateException("the scan batcher is closed"));
        }
    }

    /**
     * One call per range of dimensions among {@code batch}'s requests (in practice one: tower or light), taking each
     * range's requests out of {@code batch} as it goes; a request whose caller gave up (timed out) is not searched.
     */
    private void searchByRange(List<Pending> batch) {
        while (!batch.isEmpty()) {
            Pending first = batch.get(0);
            List<Pending> same = new ArrayList<>(batch.size());
            List<Pending> other = new ArrayList<>(batch.size());
            for (Pending p : batch) {
                if (!p.sameRange(first)) {
                    other.add(p);
                } else if (!p.answer().isDone()) {
                    same.add(p);
                }
            }
            batch.clear();
            batch.addAll(other);
            if (!same.isEmpty()) {
                searchAll(same);
            }
        }
    }

    private void searchAll(List<Pending> batch) {
        int n = batch.size();
        int k = 0;
        float[][] queries = new float[n][];
        AdFilter[] filters = new AdFilter[n];
        for (int i = 0; i < n; i++) {
            Pending p = batch.get(i);
            queries[i] = p.query();
            filters[i] = p.filter();
            k = Math.max(k, p.k());
        }
        long[][] out = new long[n][k];
        int[] counts;
        try {
            counts = scan.search(batch.get(0).from(), queries, filters, exhausted.get(), k, out);
        } catch (RuntimeException | Error e) {
            for (Pending p : batch) {
                p.answer().completeExceptionally(e);
            }
            if (e instanceof Error error) {
                throw error;
            }
            return;
        }
        synchronized (this) {
            calls++;
            searched += n;
        }
        for (int i = 0; i < n; i++) {
            Pending p = batch.get(i);
            p.answer().complete(new Found(out[i], Math.min(counts[i], p.k())));
        }
    }

    /** Stops the thread; requests still waiting fail. Does not close the scan. */
    @Override
    public void close() {
        closed = true;
        thread.interrupt();
        try {
            thread.join(TimeUnit.SECONDS.toMillis(10));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
