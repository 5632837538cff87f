/**
 * The user feature store: the {@link adsml.platform.store.UserStore} interface, an embedded RocksDB implementation with
 * its binary record format, and a Caffeine cache to put in front of any store. Ads live in the ad index, and feature
 * assembly in {@code adsml.platform.features}; a Redis store for several nodes comes later behind the same interface.
 */
package adsml.platform.store;
