package adsml.simulate;

import adsml.platform.auction.AuctionSettings;
import adsml.platform.pacing.TrafficCurve;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * The simulated day's figures, as {@code adsml simulate --json} prints them and the admin UI plots them.
 *
 * <ul>
 *   <li>{@code ctr}: clicks per impression; {@code cvr}: conversions per click; {@code revenue}: what the budgets were
 *       charged; {@code rpm}: revenue per 1000 requests; {@code oracle_rpm}: the expected revenue per 1000 requests of
 *       the same auctions ranked by the true probabilities, on a sample of the requests ({@link OracleTap}).
 *   <li>Paced campaigns are those pacing held back: over the day's traffic, they sat out at least a tenth of the
 *       auctions they could have entered (one throttled for a few minutes by a burst of charges is not paced).
 *       {@code budget_utilization}: their spend over their budgets; {@code pacing_rmse}: the root mean square over them
 *       and the hours of (spend in the hour - budget x the hour's share of traffic) / budget;
 *       {@code pacing_noise_floor}: the same root mean square that a perfect pacer would still show, because charges
 *       arrive at random (the square root of each hour's sum of squared charges, over the budget: a day billed by the
 *       click has a few dozen charges per campaign, and no pacer can spend them along a curve);
 *       {@code campaigns_exhausted_before_18h}: how many of them spent their whole budget before 18:00.
 *   <li>{@code max_overspend_pct}: the most any campaign spent beyond its budget, in percent of it.
 *   <li>{@code frequency_cap_violations}: impressions beyond the caps, per user and campaign and per user and ad;
 *       {@code max_user_campaign_impressions}: the most impressions one user saw of one campaign;
 *       {@code same_advertiser_pairs}: pairs of ads of one advertiser in one response.
 * </ul>
 */
final class DayReport {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final int EXHAUSTED_BY = 18;

    private DayReport() {}

    static ObjectNode of(
            DayLedger day,
            double[] budgets,
            boolean[] paced,
            TrafficCurve curve,
            AuctionSettings auction,
            double oracleRpm,
            Simulation.Settings settings,
            boolean pacing,
            double seconds) {
        long requests = sum(day.requests);
        long answered = sum(day.answered);
        long impressions = sum(day.impressions);
        long clicks = sum(day.clicks);
        long conversions = sum(day.conversions);
        double revenue = 0;
        for (double s : day.spend) {
            revenue += s;
        }
        int pacedCount = 0;
        int exhaustedEarly = 0;
        double pacedBudget = 0;
        double pacedSpend = 0;
        double squares = 0;
        double noise = 0;
        double maxOverspend = 0;
        double[] pacedHourly = new double[day.hours];
        double[] targetHourly = new double[day.hours];
        for (int c = 0; c < budgets.length; c++) {
            double spent = 0;
            for (int h = 0; h < day.hours; h++) {
                spent += day.campaignSpend[c][h];
            }
            if (budgets[c] > 0) {
                maxOverspend = Math.max(maxOverspend, (spent - budgets[c]) / budgets[c] * 100);
            }
            if (!paced[c] || budgets[c] <= 0) {
                continue;
            }
            pacedCount++;
            pacedBudget += budgets[c];
            pacedSpend += spent;
            if (day.exhaustedAt[c] >= 0 && day.exhaustedAt[c] < EXHAUSTED_BY) {
                exhaustedEarly++;
            }
            for (int h = 0; h < day.hours; h++) {
                double target = budgets[c] * curve.share(h);
                double miss = (day.campaignSpend[c][h] - target) / budgets[c];
                squares += miss * miss;
                noise += day.campaignSquares[c][h] / (budgets[c] * budgets[c]);
                pacedHourly[h] += day.campaignSpend[c][h];
                targetHourly[h] += target;
            }
        }
        int violations = violations(day.userCampaign, auction.frequencyCap().campaignPerDay())
                + violations(day.userAd, auction.frequencyCap().adPerDay());

        ObjectNode root = JSON.createObjectNode();
        root.put("requests", requests);
        root.put("answered", answered);
        root.put("impressions", impressions);
        root.put("clicks", clicks);
        root.put("conversions", conversions);
        root.put("ctr", ratio(clicks, impressions));
        root.put("cvr", ratio(conversions, clicks));
        root.put("revenue", revenue);
        root.put("rpm", requests == 0 ? 0 : 1000 * revenue / requests);
        if (Double.isNaN(oracleRpm)) {
            root.putNull("oracle_rpm"); // no request was sampled
        } else {
            root.put("oracle_rpm", oracleRpm);
        }
        root.put("paced_campaigns", pacedCount);
        root.put("budget_utilization", pacedBudget == 0 ? 0 : pacedSpend / pacedBudget);
        root.put("max_overspend_pct", Math.max(0, maxOverspend));
        root.put("pacing_rmse", pacedCount == 0 ? 0 : Math.sqrt(squares / (pacedCount * (double) day.hours)));
        root.put("pacing_noise_floor", pacedCount == 0 ? 0 : Math.sqrt(noise / (pacedCount * (double) day.hours)));
        root.put("campaigns_exhausted_before_18h", exhaustedEarly);
        root.put("frequency_cap_violations", violations);
        root.put(
                "max_user_campaign_impressions",
                day.userCampaign.values().stream()
                        .mapToInt(Integer::intValue)
                        .max()
                        .orElse(0));
        root.put("same_advertiser_pairs", day.sameAdvertiserPairs);
        root.put("events_refused", day.eventsRefused);
        root.put("wall_seconds", Math.round(seconds * 10) / 10.0);
        root.set(
                "settings",
                JSON.valueToTree(Map.of(
                        "hours", settings.hours(),
                        "requests", settings.requests(),
                        "users", settings.users(),
                        "slots", settings.slots(),
                        "budget_scale", settings.budgetScale(),
                        "billing", settings.billByImpression() ? "impression" : "action",
                        "pacing", pacing,
                        "diversity", auction.diversity().per().name().toLowerCase(java.util.Locale.ROOT))));
        ArrayNode hourly = root.putArray("hourly");
        for (int h = 0; h < day.hours; h++) {
            hourly.addObject()
                    .put("hour", h)
                    .put("requests", day.requests[h])
                    .put("spend", day.spend[h])
                    .put("paced_spend", pacedHourly[h])
                    .put("target_spend", targetHourly[h])
                    .put("ctr", ratio(day.clicks[h], day.impressions[h]))
                    .put("rpm", day.requests[h] == 0 ? 0 : 1000 * day.spend[h] / day.requests[h]);
        }
        return root;
    }

    /** Impressions beyond {@code cap} per key; none when the cap is 0 (no cap). */
    private static int violations(Map<Long, Integer> shown, int cap) {
        if (cap == 0) {
            return 0;
        }
        int beyond = 0;
        for (int n : shown.values()) {
            beyond += Math.max(0, n - cap);
        }
        return beyond;
    }

    private static double ratio(long a, long b) {
        return b == 0 ? 0 : a / (double) b;
    }

    private static long sum(long[] values) {
        long s = 0;
        for (long v : values) {
            s += v;
        }
        return s;
    }
}
