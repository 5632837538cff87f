/**
 * The model format and its shapes: {@code model.json} ({@link adsml.platform.model.ModelSpec},
 * {@link adsml.platform.model.ModelJson}), safetensors weights, version folders
 * ({@link adsml.platform.model.ModelFolder}), calibrations, the named presets and the TorchScript export. Every loader
 * throws {@link adsml.platform.model.InvalidModelException} naming the file and field. Running a model lives in
 * {@code scoring}, training in {@code train}.
 */
package adsml.platform.model;
