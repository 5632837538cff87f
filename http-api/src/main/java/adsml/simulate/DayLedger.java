package adsml.simulate;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;

/**
 * What the simulated users saw and paid, hour by hour and campaign by campaign, as the server acknowledged it: a
 * request's events are entered once {@code /v1/events} took them, so spend here is what the budgets were charged.
 * Thread-safe (every entry takes the ledger's lock: a few hundred requests a second).
 */
final class DayLedger {
    final int hours;
    final long[] requests;
    final long[] answered;
    final long[] impressions;
    final long[] clicks;
    final long[] conversions;
    final double[] spend;
    /** Per campaign, spend per hour. */
    final double[][] campaignSpend;
    /** Per campaign, the sum of its charges' squares per hour: the variance their arrival alone gives its spend. */
    final double[][] campaignSquares;
    /** Per campaign, the hour its spend first reached its budget, or -1. */
    final int[] exhaustedAt;

    final Map<Long, Integer> userCampaign = new HashMap<>();
    final Map<Long, Integer> userAd = new HashMap<>();
    long sameAdvertiserPairs;
    long eventsRefused;
    /** Per model version: revenue, answered requests and the sum of the requests' squared revenues. */
    final Map<String, double[]> byVersion = new HashMap<>();
    /** Per hour, answered requests per model version. */
    final List<Map<String, Long>> versionsByHour = new ArrayList<>();

    /** A minute: the rank deadline is far under it. */
    private static final long MAX_LATENCY_MICROS = 60_000_000L;

    private final double[] budgets;
    private final double[] spentSoFar;

    DayLedger(int hours, double[] budgets) {
        this.hours = hours;
        this.requests = new long[hours];
        this.answered = new long[hours];
        this.impressions = new long[hours];
        this.clicks = new long[hours];
        this.conversions = new long[hours];
        this.spend = new double[hours];
        this.budgets = budgets;
        this.campaignSpend = new double[budgets.length][hours];
        this.campaignSquares = new double[budgets.length][hours];
        this.spentSoFar = new double[budgets.length];
        this.exhaustedAt = new int[budgets.length];
        java.util.Arrays.fill(exhaustedAt, -1);
        this.rankLatency = new Histogram[hours];
        for (int h = 0; h < hours; h++) {
            versionsByHour.add(new HashMap<>());
            rankLatency[h] = new Histogram(MAX_LATENCY_MICROS, 3);
        }
    }

    /** Per hour, how long the answered rank requests took, from send to response, in microseconds. */
    final Histogram[] rankLatency;

    /** A rank request of {@code hour} answered {@code nanos} after it was sent. */
    synchronized void ranked(int hour, long nanos) {
        rankLatency[hour].recordValue(Math.min(MAX_LATENCY_MICROS, Math.max(1, nanos / 1000)));
    }

    /** The 99th percentile of {@code hour}'s rank latency in milliseconds; NaN when none was answered. */
    synchronized double rankP99Ms(int hour) {
        Histogram h = rankLatency[hour];
        return h.getTotalCount() == 0 ? Double.NaN : h.getValueAtPercentile(99) / 1000.0;
    }

    /** The 99th percentile of the rank latency over {@code hours}, in milliseconds; NaN when none was answered. */
    synchronized double rankP99Ms(int fromHour, int toHour) {
        Histogram all = new Histogram(MAX_LATENCY_MICROS, 3);
        for (int h = fromHour; h < toHour; h++) {
            all.add(rankLatency[h]);
        }
        return all.getTotalCount() == 0 ? Double.NaN : all.getValueAtPercentile(99) / 1000.0;
    }

    synchronized void asked(int hour) {
        requests[hour]++;
    }

    /** One answered request's outcome, entered once its events were acknowledged. */
    synchronized void answered(int hour, Response r) {
        answered[hour]++;
        double revenue = 0;
        for (Response.Shown s : r.shown()) {
            revenue += s.cost();
            impressions[hour]++;
            clicks[hour] += s.clicked() ? 1 : 0;
            conversions[hour] += s.converted() ? 1 : 0;
            userCampaign.merge(((long) r.userId() << 32) | s.campaignId(), 1, Integer::sum);
            userAd.merge(((long) r.userId() << 32) | s.adId(), 1, Integer::sum);
            if (s.cost() > 0) {
                spend[hour] += s.cost();
                campaignSpend[s.campaignId()][hour] += s.cost();
                campaignSquares[s.campaignId()][hour] += s.cost() * s.cost();
                spentSoFar[s.campaignId()] += s.cost();
                // Exhausted within a micro-dollar of the budget: the auction bids what is left, never more.
                if (exhaustedAt[s.campaignId()] < 0 && spentSoFar[s.campaignId()] >= budgets[s.campaignId()] - 1e-6) {
                    exhaustedAt[s.campaignId()] = hour;
                }
            }
        }
        sameAdvertiserPairs += r.sameAdvertiserPairs();
        double[] version = byVersion.computeIfAbsent(r.version(), v -> new double[3]);
        version[0] += revenue;
        version[1]++;
        version[2] += revenue * revenue;
        versionsByHour.get(hour).merge(r.version(), 1L, Long::sum);
    }

    /** The version that answered most of {@code hour}'s requests, or "" when none was answered. */
    synchronized String versionOf(int hour) {
        return versionsByHour.get(hour).entrySet().stream()
                .max(Map.Entry.comparingByValue())
                .map(Map.Entry::getKey)
                .orElse("");
    }

    /** The requests {@code version} answered. */
    synchronized long requestsOf(String version) {
        double[] v = byVersion.get(version);
        return v == null ? 0 : (long) v[1];
    }

    /** Revenue per 1000 answered requests of {@code version}, NaN when it answered none. */
    synchronized double rpmOf(String version) {
        double[] v = byVersion.get(version);
        return v == null || v[1] == 0 ? Double.NaN : 1000 * v[0] / v[1];
    }

    /**
     * The standard error of {@link #rpmOf}: requests are independent draws of revenue, so it is the spread of one
     * request's revenue over the square root of their number. NaN under two requests.
     */
    synchronized double rpmStandardErrorOf(String version) {
        double[] v = byVersion.get(version);
        if (v == null || v[1] < 2) {
            return Double.NaN;
        }
        double mean = v[0] / v[1];
        double variance = Math.max(0, (v[2] - v[1] * mean * mean) / (v[1] - 1));
        return 1000 * Math.sqrt(variance / v[1]);
    }

    synchronized void refused() {
        eventsRefused++;
    }

    /** What one answered request showed and what came of it. */
    record Response(int userId, java.util.List<Shown> shown, int sameAdvertiserPairs, String version) {
        record Shown(int adId, int campaignId, boolean clicked, boolean converted, double cost) {}
    }
}
