/**
 * Offline metrics (ROC AUC, log loss, calibration error, predicted-over-observed) on primitive arrays of predictions
 * and labels, shared by the trainer and the evaluation. No I/O and no reporting here.
 */
package adsml.platform.offline.metrics;
