/**
 * A deterministic demo world of advertisers, campaigns, ads and users, with a hidden ground-truth
 * click and conversion model ({@link adsml.platform.world.GroundTruth}), logged impressions, and a
 * folder format ({@link adsml.platform.world.WorldFiles}) to store it.
 *
 * <p>Nothing here learns or ranks: features, models, training and evaluation live in other packages
 * and only read worlds; the ground truth is for generating logs and scoring policies, never a feature.
 */
package adsml.platform.world;
