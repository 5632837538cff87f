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
 * ad, and only if the shadow's scores came back before it did (an impression that came first is not counted, and
 * neither is its click). Counting is adders only, on the thread that completed the shadow's job or that appended the
 * events; nothing is allocated per row.
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

    private final ShownAds shown;
    private final VersionIndex<Version> versions;

    /** @param shownAds the shown ads whose shadow pCTR is remembered for their events, a power of two */
    ShadowFigures(int shownAds) {
        this.shown = new ShownAds(shownAds);
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
            shown.put(
                    ShownAds.key(request, auction.adId(slot)),
                    v.index,
                    shadowScores[auction.candidateIndex(slot) * heads],
                    slot == 0);
        }
    }

    @Override
    public void shed(String shadowVersion) {
        Version v = versions.of(shadowVersion);
        if (v != null) {
            v.shed.increment();
        }
    }

    /** An event whose shown ad the live table held under {@code key}, with the live pCTR it was shown with. */
    void event(long key, Event e, float livePctr) {
        long entry = shown.get(key);
        if (entry == ShownAds.NONE || !ShownAds.top(entry)) {
            return;
        }
        Version v = versions.at(ShownAds.version(entry));
        switch (e.type()) {
            case IMPRESSION -> {
                v.impressions.increment();
                v.shadowPctrShown.add(ShownAds.pCtr(entry));
                v.livePctrShown.add(livePctr);
            }
            case CLICK -> v.clicks.increment();
            case CONVERSION -> {}
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
