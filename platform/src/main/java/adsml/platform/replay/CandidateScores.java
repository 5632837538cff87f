package adsml.platform.replay;

import adsml.platform.scoring.Scorer;

/** A model under judgement: its calibrated pCTR and pCVR for every candidate of a logged request. */
@FunctionalInterface
public interface CandidateScores {
    /** Writes one score per candidate of {@code request} (in its order) into each array. */
    void score(LoggedRequest request, float[] pCtr, float[] pCvr);

    /** A version's scorer on the features the request's candidates were served with. */
    static CandidateScores of(Scorer scorer) {
        int heads = scorer.spec().heads().size();
        int ctr = scorer.spec().ctrHead();
        int cvr = scorer.spec().cvrHead();
        return (request, pCtr, pCvr) -> {
            if (request.features() == null) {
                throw new IllegalArgumentException("request " + request.requestId() + " was logged without features");
            }
            int n = request.bids().size();
            float[] out = new float[n * heads];
            scorer.score(request.features(), out);
            for (int i = 0; i < n; i++) {
                pCtr[i] = out[i * heads + ctr];
                pCvr[i] = heads > 1 ? out[i * heads + cvr] : 0f;
            }
        };
    }
}
