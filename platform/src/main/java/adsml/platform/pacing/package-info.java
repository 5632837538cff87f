/**
 * Budget pacing: how a campaign's daily budget is spread over the day. A {@link adsml.platform.pacing.Pacer} throttles
 * each campaign's share of auctions so that its spend follows the day's traffic curve
 * ({@link adsml.platform.pacing.TrafficCurve}) instead of running out by noon.
 */
package adsml.platform.pacing;
