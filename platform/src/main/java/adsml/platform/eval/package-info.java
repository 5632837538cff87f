/**
 * Offline evaluation metrics (ROC AUC, log loss, calibration error, predicted-over-observed) computed on
 * primitive arrays of predictions and labels. No I/O, no model loading and no reporting live here: callers
 * gather the arrays and decide what to do with the numbers.
 */
package adsml.platform.eval;
