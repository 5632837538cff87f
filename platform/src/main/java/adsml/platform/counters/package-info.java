/**
 * Real-time counters: impressions, clicks, conversions and spend per ad, campaign, advertiser, category, creative type
 * and user pair, over several windows, updated from events and read by the next rank request. Two stores behind
 * {@link adsml.platform.counters.CounterStore}: embedded (bounded, snapshotted) and Redis (shared, durable; Lettuce
 * stays inside {@link adsml.platform.counters.RedisCounterStore}). Which events move which keys is the event feed's
 * business, not this package's.
 */
package adsml.platform.counters;
