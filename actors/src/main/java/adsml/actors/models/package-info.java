/**
 * The model registry: loads, validates, warms and swaps model versions, and publishes the active one for the request
 * path to read without asking an actor. Scoring itself lives in {@code gpu-scheduler}; model files in {@code platform}.
 */
package adsml.actors.models;
