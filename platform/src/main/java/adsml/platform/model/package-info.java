/**
 * The on-disk model format: safetensors weight files ({@link adsml.platform.model.Safetensors},
 * {@link adsml.platform.model.Tensor}), probability calibrations ({@link adsml.platform.model.Calibration})
 * and the {@link adsml.platform.model.InvalidModelException} every loader throws on bad input.
 * Nothing here runs a model or talks to DJL; scoring and training live elsewhere and only consume these values.
 */
package adsml.platform.model;
