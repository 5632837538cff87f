/**
 * The trainer: logged impressions joined into feature rows, LR or DCN fitted with DJL, then calibrated (Platt or
 * isotonic, fitted here; the model format only applies them). Evaluation lives in {@code eval}.
 */
package adsml.platform.offline.train;
