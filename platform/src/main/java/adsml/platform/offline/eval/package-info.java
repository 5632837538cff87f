/**
 * Evaluation of a trained model against the world's ground truth: AUC, log loss and calibration on the held-out log,
 * and the CTR and revenue of ranking policies (the model's, the oracle's, random) in a simulated auction.
 */
package adsml.platform.offline.eval;
