/**
 * Scorers: a model version applied to a {@code FeatureBatch}. The plain-Java reference is the oracle every faster
 * backend is held to; the DJL scorer is the CPU backend. GPU backends live in {@code gpu-scheduler}, batching does too.
 */
package adsml.platform.scoring;
