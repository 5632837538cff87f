package adsml.load;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.UncheckedIOException;
import java.util.Collections;
import java.util.Locale;
import java.util.SortedMap;
import java.util.TreeMap;
import org.HdrHistogram.Histogram;

/**
 * The result of one run. Latencies cover the requests that got an HTTP answer, of any status, and run from each
 * request's intended start: in an open loop that includes any time the request waited behind a late scheduler.
 * Transport failures are {@code errors}, not latency samples; requests due while the in-flight limit was reached are
 * {@code dropped} and were never sent.
 *
 * @param target the URL the requests went to
 * @param openLoop true for a fixed-rate run, false for closed-loop clients
 * @param clients closed-loop clients, or the open loop's client count (sizing its pools)
 * @param targetQps the open loop's rate, 0 in a closed loop
 * @param durationS the recorded window in seconds (warm-up excluded)
 * @param requests recorded requests that ended: answered plus errors
 * @param qps {@code requests / durationS}
 * @param status answered requests by HTTP status
 * @param goodput 2xx answers within the requests' deadline (from their intended start) per second
 * @param okP99Ms p99 latency of those answers
 * @param shedP99Ms p99 latency of the 503s: how fast the server refuses what it cannot serve
 */
public record LoadReport(
        String target,
        boolean openLoop,
        int clients,
        double targetQps,
        double durationS,
        long requests,
        double qps,
        double p50Ms,
        double p90Ms,
        double p99Ms,
        double p999Ms,
        double maxMs,
        double meanMs,
        SortedMap<Integer, Long> status,
        long errors,
        long dropped,
        double goodput,
        double okP99Ms,
        double shedP99Ms) {
    private static final ObjectMapper JSON = new ObjectMapper();

    public LoadReport {
        status = Collections.unmodifiableSortedMap(new TreeMap<>(status));
    }

    static LoadReport of(LoadSettings settings, Recording.Snapshot s) {
        Histogram h = s.latencyMicros();
        double seconds = settings.duration().toNanos() / 1e9;
        long requests = s.answered() + s.errors();
        return new LoadReport(
                settings.rankUri().toString(),
                settings.openLoop(),
                settings.clients(),
                settings.qps(),
                seconds,
                requests,
                requests / seconds,
                ms(h.getValueAtPercentile(50)),
                ms(h.getValueAtPercentile(90)),
                ms(h.getValueAtPercentile(99)),
                ms(h.getValueAtPercentile(99.9)),
                ms(h.getMaxValue()),
                h.getTotalCount() == 0 ? 0 : round3(h.getMean() / 1000.0),
                s.statuses(),
                s.errors(),
                s.dropped(),
                round3(s.goodMicros().getTotalCount() / seconds),
                ms(s.goodMicros().getValueAtPercentile(99)),
                ms(s.shedMicros().getValueAtPercentile(99)));
    }

    /** Answered requests of one status; 0 when none. */
    public long status(int code) {
        return status.getOrDefault(code, 0L);
    }

    /**
     * One JSON object: {@code requests, qps, p50_ms, p90_ms, p99_ms, max_ms, status, errors} and then {@code p999_ms,
     * mean_ms, dropped, goodput, ok_p99_ms, shed_p99_ms, duration_s, mode, clients, target_qps, url}.
     */
    public String toJson() {
        ObjectNode root = JSON.createObjectNode();
        root.put("requests", requests)
                .put("qps", round3(qps))
                .put("p50_ms", p50Ms)
                .put("p90_ms", p90Ms)
                .put("p99_ms", p99Ms)
                .put("max_ms", maxMs);
        ObjectNode codes = root.putObject("status");
        status.forEach((code, n) -> codes.put(Integer.toString(code), n));
        root.put("errors", errors)
                .put("p999_ms", p999Ms)
                .put("mean_ms", meanMs)
                .put("dropped", dropped)
                .put("goodput", goodput)
                .put("ok_p99_ms", okP99Ms)
                .put("shed_p99_ms", shedP99Ms)
                .put("duration_s", round3(durationS))
                .put("mode", openLoop ? "open" : "closed")
                .put("clients", clients)
                .put("target_qps", targetQps)
                .put("url", target);
        try {
            return JSON.writeValueAsString(root) + "\n";
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The report for a person: one labelled value per line, latencies in milliseconds. */
    public String toTable() {
        StringBuilder b = new StringBuilder();
        line(b, "target", target);
        line(
                b,
                "mode",
                openLoop
                        ? String.format(Locale.ROOT, "open loop at %s qps (%d clients)", plain(targetQps), clients)
                        : String.format(Locale.ROOT, "closed loop, %d clients", clients));
        line(b, "duration", String.format(Locale.ROOT, "%.1f s recorded", durationS));
        line(b, "requests", Long.toString(requests));
        line(b, "qps", String.format(Locale.ROOT, "%.1f", qps));
        line(b, "p50 ms", String.format(Locale.ROOT, "%.3f", p50Ms));
        line(b, "p90 ms", String.format(Locale.ROOT, "%.3f", p90Ms));
        line(b, "p99 ms", String.format(Locale.ROOT, "%.3f", p99Ms));
        line(b, "p99.9 ms", String.format(Locale.ROOT, "%.3f", p999Ms));
        line(b, "max ms", String.format(Locale.ROOT, "%.3f", maxMs));
        line(b, "mean ms", String.format(Locale.ROOT, "%.3f", meanMs));
        if (status.isEmpty()) {
            line(b, "status", "no HTTP answers");
        }
        status.forEach((code, n) -> line(b, "status " + code, Long.toString(n)));
        line(b, "errors", Long.toString(errors));
        line(b, "goodput", String.format(Locale.ROOT, "%.1f /s (2xx within the deadline)", goodput));
        line(b, "2xx p99 ms", String.format(Locale.ROOT, "%.3f", okP99Ms));
        line(b, "503 p99 ms", String.format(Locale.ROOT, "%.3f", shedP99Ms));
        if (openLoop) {
            line(b, "dropped", Long.toString(dropped));
        }
        return b.toString();
    }

    private static void line(StringBuilder b, String label, String value) {
        b.append(String.format(Locale.ROOT, "%-12s%s%n", label, value));
    }

    private static String plain(double x) {
        return x == Math.rint(x) ? Long.toString((long) x) : Double.toString(x);
    }

    private static double ms(long micros) {
        return round3(micros / 1000.0);
    }

    private static double round3(double x) {
        return Math.round(x * 1000.0) / 1000.0;
    }
}
