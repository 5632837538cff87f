package adsml.platform.offline.replay;

/** A model under judgement: its calibrated pCTR and pCVR for every candidate of a logged request. */
@FunctionalInterface
public interface CandidateScores {
    /** Writes one score per candidate of {@code request} (in its order) into each array. */
    void score(LoggedRequest request, float[] pCtr, float[] pCvr);
}
