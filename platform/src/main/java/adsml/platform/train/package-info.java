/**
 * The trainer: logged impressions joined into features, and LR or DCN fitted with DJL, then
 * calibrated. Evaluation against the ground truth lives in {@code eval}.
 */
package adsml.platform.train;
