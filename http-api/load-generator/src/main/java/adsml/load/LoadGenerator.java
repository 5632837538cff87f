package adsml.load;

import java.net.ConnectException;
import java.net.UnknownHostException;
import java.nio.channels.UnresolvedAddressException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Runs one load test and reports it.
 *
 * <p>Open loop ({@code qps > 0}): request {@code i} is due at {@code start + i / qps}. The scheduler sends it then,
 * whatever earlier requests are doing, and its latency runs from that due time, not from when it actually left: a
 * stalled scheduler or a saturated client shows up as latency instead of silently thinning the sample (coordinated
 * omission). A request due while {@code maxInFlight} are unanswered is dropped and counted.
 *
 * <p>Closed loop: {@code clients} threads each send the next request when the last one answers.
 *
 * <p>Before the clock starts one probe request is sent; if it cannot connect the run fails with
 * {@link TargetUnreachableException}. Every loop ends by the clock: after warm-up plus duration no request is started,
 * and unanswered requests are waited for at most the request timeout plus one second, then counted as errors.
 */
public final class LoadGenerator {
    private static final long GRACE_NANOS = TimeUnit.SECONDS.toNanos(1);
    private static final long POLL_NANOS = TimeUnit.MILLISECONDS.toNanos(5);

    private final LoadSettings settings;
    private final Transport transport;
    private final LoadClock clock;
    private final RequestFactory bodies;
    private final Recording recording;
    private final AtomicLong nextIndex = new AtomicLong();

    LoadGenerator(LoadSettings settings, Transport transport, LoadClock clock) {
        this.settings = settings;
        this.transport = transport;
        this.clock = clock;
        this.bodies = RequestFactory.of(settings);
        this.recording = new Recording(TimeUnit.MILLISECONDS.toNanos(settings.deadlineMs()));
    }

    /**
     * Runs the settings against their URL over HTTP/1.1 and blocks until the run is over: about warm-up plus duration,
     * plus at most the request timeout and a second for stragglers.
     *
     * @throws TargetUnreachableException when the probe request cannot connect
     */
    public static LoadReport run(LoadSettings settings) throws TargetUnreachableException, InterruptedException {
        try (SocketTransport http = new SocketTransport(settings.rankUri(), settings.requestTimeout())) {
            return new LoadGenerator(settings, http, LoadClock.SYSTEM).run();
        }
    }

    LoadReport run() throws TargetUnreachableException, InterruptedException {
        probe();
        long start = clock.nanoTime();
        long measureFrom = start + settings.warmup().toNanos();
        long end = measureFrom + settings.duration().toNanos();
        if (settings.openLoop()) {
            openLoop(start, measureFrom, end);
        } else {
            closedLoop(measureFrom, end);
        }
        long drainUntil = clock.nanoTime() + settings.requestTimeout().toNanos() + GRACE_NANOS;
        while (recording.inFlight() > 0 && clock.nanoTime() < drainUntil) {
            clock.parkUntil(Math.min(drainUntil, clock.nanoTime() + POLL_NANOS));
        }
        return LoadReport.of(settings, recording.close());
    }

    private void probe() throws TargetUnreachableException, InterruptedException {
        CompletableFuture<Integer> answer;
        try {
            answer = transport.send(bodies.body(-1));
            answer.get(settings.requestTimeout().toNanos() + GRACE_NANOS, TimeUnit.NANOSECONDS);
        } catch (ExecutionException e) {
            String reason = unreachable(e.getCause());
            if (reason != null) {
                throw new TargetUnreachableException(settings.rankUri(), reason, e.getCause());
            }
            // A slow or failing first answer is the server's business: the run will count it.
        } catch (TimeoutException e) {
            // Connected but slow: the run will show it.
        } catch (RuntimeException e) {
            String reason = unreachable(e);
            throw new TargetUnreachableException(
                    settings.rankUri(), reason == null ? String.valueOf(e.getMessage()) : reason, e);
        }
    }

    /** Why a failure means nothing can be sent at all, or null when it does not. */
    private static String unreachable(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SocketTransport.ConnectTimeoutException) {
                return "connect timed out";
            }
            if (t instanceof ConnectException) {
                return "connection refused";
            }
            if (t instanceof UnknownHostException || t instanceof UnresolvedAddressException) {
                return "unknown host";
            }
        }
        return null;
    }

    private void openLoop(long start, long measureFrom, long end) throws InterruptedException {
        double interval = 1e9 / settings.qps();
        for (long i = 0; ; i++) {
            long due = start + (long) (i * interval);
            if (due >= end) {
                return;
            }
            clock.parkUntil(due);
            boolean measured = due >= measureFrom;
            if (recording.tryStart(settings.maxInFlight(), measured)) {
                send(due, measured);
            }
        }
    }

    private void closedLoop(long measureFrom, long end) throws InterruptedException {
        ExecutorService clients =
                Executors.newFixedThreadPool(settings.clients(), SocketTransport.daemonThreads("adsml-load-client-"));
        long perRequestNanos = settings.requestTimeout().toNanos() + GRACE_NANOS;
        try {
            for (int c = 0; c < settings.clients(); c++) {
                clients.execute(() -> client(measureFrom, end, perRequestNanos));
            }
            clients.shutdown();
            long waitNanos = end - clock.nanoTime() + perRequestNanos + GRACE_NANOS;
            clients.awaitTermination(Math.max(0, waitNanos), TimeUnit.NANOSECONDS);
        } finally {
            clients.shutdownNow();
        }
    }

    private void client(long measureFrom, long end, long perRequestNanos) {
        for (long started = clock.nanoTime(); started < end; started = clock.nanoTime()) {
            boolean measured = started >= measureFrom;
            recording.tryStart(Integer.MAX_VALUE, measured);
            try {
                send(started, measured).get(perRequestNanos, TimeUnit.NANOSECONDS);
            } catch (InterruptedException e) {
                return;
            } catch (ExecutionException | TimeoutException e) {
                // Recorded by send's completion, or counted as unanswered when the run closes.
            }
        }
    }

    /** Sends the next body; the returned stage completes after the outcome is recorded. */
    private CompletableFuture<Void> send(long due, boolean measured) {
        CompletableFuture<Integer> answer;
        try {
            answer = transport.send(bodies.body(nextIndex.getAndIncrement()));
        } catch (RuntimeException e) {
            answer = CompletableFuture.failedFuture(e);
        }
        return answer.handle((status, failure) -> {
            if (failure == null) {
                recording.answered(measured, clock.nanoTime() - due, status);
            } else {
                recording.failed(measured);
            }
            return null;
        });
    }
}
