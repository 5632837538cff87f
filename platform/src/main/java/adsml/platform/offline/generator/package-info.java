/**
 * The deterministic demo world generator (a seed in, the same world out) and its hidden ground-truth click and
 * conversion model. The truth is for generating logs, simulated traffic and scoring policies, never a feature.
 */
package adsml.platform.offline.generator;
