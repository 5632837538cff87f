package adsml.http;

import adsml.actors.events.Event;
import adsml.actors.ranking.ShadowLog;
import adsml.platform.auction.AuctionResult;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.DoubleAdder;
import java.util.concurrent.atomic.LongAdder;

/**
 * How each shadow version's predictions compare with the live ones on the same rows, since the server started: the
 * requests it scored and those it did not (shed), the mean absolute difference of its pCTR from the live pCTR over
 * every row, the mean of each, and its calibration on the live impressions in the first slot (its pCTR summed over the
 * first-slot impressions of the ads the live version showed, over the clicks they got, beside the live version's on
 * exactly those impressions; the first slot only, as {@link VersionFigures.Figures} says why).
 *
 * <p>To meet the events of the shown ads it keeps the shadow's pCTR of each in a second {@link ShownAds} table of the
 * live one's size (8 bytes an entry), keyed alike; an event counts for the shadow only when both tables still hold its
 * ad. The shadow scores after the answer has gone, and a client that reports its impression at once (the demo's
 * simulated users do) is often faster: a first-slot impression or click that finds no shadow score yet is remembered in
 * a third, smaller table ({@code early}: its kind and the live pCTR) and counted when the shadow's scores for its ad
 * come. An event and the scores that cross each other's paths in the same instant may go uncounted, never counted
 * twice. Counting is adders only, on the thread that completed the shadow's job or that appended the events; nothing is
 * allocated per row.
 */
public final class ShadowFigures implements ShadowLog {
    /**
     * One shadow version's figures; ratios null while their denominator is 0.
     *
     * @param requests requests whose rows it scored
     * @param shed requests it did not score: shed by the scheduler, failed, or built with another feature set
     * @param rows rows compared (a row where either score is not a probability is left out)
     * @param meanAbsDelta the mean over rows of |shadow pCTR - live pCTR|
     * @param impressions live first-slot impressions of ads whose shadow pCTR was held
     * @param clicks their clicks
     * @param calibration the shadow's pCTR summed over those impressions, over their clicks (1 is calibrated)
     * @param liveCalibration the live version's, over the same impressions and clicks
     */
    public record Figures(
            long requests,
            long shed,
            long rows,
            Double meanAbsDelta,
            Double meanShadowPctr,
            Double meanLivePctr,
            long impressions,
            long clicks,
            Double calibration,
            Double liveCalibration) {}

    /** In an {@code early} entry's version field: which events came before the shadow's scores (never 0). */
    private static final int EARLY_IMPRESSION = 1;

    private static final int EARLY_CLICK = 2;

    private final ShownAds shown;
    private final ShownAds early;
    private final VersionIndex<Version> versions;

    /** @param shownAds the shown ads whose shadow pCTR is remembered for their events, a power of two */
    ShadowFigures(int shownAds) {
        this.shown = new ShownAds(shownAds);
        // Events wait here only between the answer and the shadow's scores: an eighth of the table is ample.
        this.early = new ShownAds(Math.max(ShownAds.WAYS, shownAds / 8));
        this.versions = new VersionIndex<>(Version::new);
    }

    @Override
    public void scored(
            String shadowVersion, String requestId, float[] livePctr, float[] shadowScores, AuctionResult auction) {
        Version v = versions.of(shadowVersion);
        if (v == null) {
            return;
        }
        int rows = livePctr.length;
        int heads = rows == 0 ? 1 : shadowScores.length / rows;
        long compared = 0;
        double absDelta = 0, shadowSum = 0, liveSum = 0;
        for (int i = 0; i < rows; i++) {
            float live = livePctr[i];
            float shadow = shadowScores[i * heads];
            if (probability(live) && probability(shadow)) {
                compared++;
                absDelta += Math.abs(shadow - live);
                shadowSum += shadow;
                liveSum += live;
            }
        }
        v.requests.increment();
        v.rows.add(compared);
        v.absDelta.add(absDelta);
        v.shadowPctr.add(shadowSum);
        v.livePctr.add(liveSum);
        if (requestId == null) {
            return;
        }
        long request = ShownAds.requestHash(requestId);
        for (int slot = 0; slot < auction.winners(); slot++) {
            long key = ShownAds.key(request, auction.adId(slot));
            float pCtr = shadowScores[auction.candidateIndex(slot) * heads];
            shown.put(key, v.index, pCtr, slot == 0);
            if (slot == 0) {
                countEarly(v, key, pCtr);
            }
        }
    }

    /** Counts the first-slot events that came for {@code key} before the shadow's score {@code pCtr} did. */
    private void countEarly(Version v, long key, float pCtr) {
        long entry = early.get(key);
        if (entry == ShownAds.NONE) {
            return;
        }
        int kinds = ShownAds.version(entry);
        if ((kinds & EARLY_IMPRESSION) != 0) {
            v.impressions.increment();
            v.shadowPctrShown.add(ShownAds.round(pCtr));
            v.livePctrShown.add(ShownAds.pCtr(entry));
        }
        if ((kinds & EARLY_CLICK) != 0) {
            v.clicks.increment();
        }
    }

    @Override
    public void shed(String shadowVersion) {
        Version v = versions.of(shadowVersion);
        if (v != null) {
            v.shed.increment();
        }
    }

    /**
     * An event whose shown ad the live table held under {@code key}, with the live pCTR it was shown with and whether
     * it had the first slot.
     */
    void event(long key, Event e, float livePctr, boolean top) {
        if (!top || e.type() == Event.Type.CONVERSION) {
            return;
        }
        long entry = shown.get(key);
        if (entry == ShownAds.NONE) {
            if (versions.any()) { // before the shadow's scores: they count it when they come
                long before = early.get(key);
                int kinds = (before == ShownAds.NONE ? 0 : ShownAds.version(before))
                        | (e.type() == Event.Type.IMPRESSION ? EARLY_IMPRESSION : EARLY_CLICK);
                early.put(key, kinds, livePctr, true);
            }
            return;
        }
        Version v = versions.at(ShownAds.version(entry));
        if (e.type() == Event.Type.IMPRESSION) {
            v.impressions.increment();
            v.shadowPctrShown.add(ShownAds.pCtr(entry));
            v.livePctrShown.add(livePctr);
        } else {
            v.clicks.increment();
        }
    }

    /** Every version that ran in shadow since start, by {@code name/version}, in name order. */
    public Map<String, Figures> figures() {
        Map<String, Figures> figures = new TreeMap<>();
        versions.forEach((id, v) -> figures.put(id, v.figures()));
        return figures;
    }

    private static boolean probability(float p) {
        return p >= 0f && p <= 1f; // false for NaN too
    }

    private static final class Version {
        final int index;
        final LongAdder requests = new LongAdder();
        final LongAdder shed = new LongAdder();
        final LongAdder rows = new LongAdder();
        final DoubleAdder absDelta = new DoubleAdder();
        final DoubleAdder shadowPctr = new DoubleAdder();
        final DoubleAdder livePctr = new DoubleAdder();
        final LongAdder impressions = new LongAdder();
        final LongAdder clicks = new LongAdder();
        final DoubleAdder shadowPctrShown = new DoubleAdder();
        final DoubleAdder livePctrShown = new DoubleAdder();

        Version(int index) {
            this.index = index;
        }

        Figures figures() {
            long n = rows.sum();
            long c = clicks.sum();
            return new Figures(
                    requests.sum(),
                    shed.sum(),
                    n,
                    n == 0 ? null : absDelta.sum() / n,
                    n == 0 ? null : shadowPctr.sum() / n,
                    n == 0 ? null : livePctr.sum() / n,
                    impressions.sum(),
                    c,
                    c == 0 ? null : shadowPctrShown.sum() / c,
                    c == 0 ? null : livePctrShown.sum() / c);
        }
    }
}
