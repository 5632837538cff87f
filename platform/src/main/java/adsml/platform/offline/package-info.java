/**
 * Offline code: the demo world's generator and ground truth, the trainer and the evaluation. Serving never depends on
 * anything under here (an architecture test holds the rule); these packages may use the serving core (features, model
 * format, scoring) so that training and serving build the same rows.
 */
package adsml.platform.offline;
