/**
 * The feature definition shared by training and serving, and the columnar {@code FeatureBatch} that carries a request's
 * candidates to a scorer. No model code and no I/O live here.
 */
package adsml.platform.features;
