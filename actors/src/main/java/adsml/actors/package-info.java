/**
 * The actor system of the deployable: {@code ServingGuardian} spawns the model registry, the ranking stages and the
 * event log. Each area has a package of its own: {@code ranking}, {@code models}, {@code events}.
 */
package adsml.actors;
