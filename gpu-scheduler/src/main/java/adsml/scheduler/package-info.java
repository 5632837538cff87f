/**
 * The batching scheduler: it admits scoring jobs against their deadlines, merges the rows of concurrent requests into
 * one device batch per model version (live before shadow), runs the batches on device worker threads and splits the
 * scores back, and it accounts for each device's model memory. The CPU backend's scorers live in
 * {@code adsml.platform}, the GPU backend in {@code adsml.scheduler.gpu}; actors, HTTP and the model registry's
 * lifecycle live above this module.
 */
package adsml.scheduler;
