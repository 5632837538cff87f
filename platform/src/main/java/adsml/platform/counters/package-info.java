/**
 * Real-time counters: impressions, clicks, conversions and spend per ad, campaign, advertiser, category, creative type
 * and user pair, over several windows, updated from events and read by the next rank request.
 */
package adsml.platform.counters;
