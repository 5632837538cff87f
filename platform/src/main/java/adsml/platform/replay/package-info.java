/**
 * Judging a model before it takes traffic: off-policy estimates, from the requests a serving policy logged with its
 * propensities, of the click-through rate and revenue another model would have earned on the same requests.
 */
package adsml.platform.replay;
