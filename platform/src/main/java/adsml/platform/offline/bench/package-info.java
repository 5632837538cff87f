/**
 * Measurements that are run on purpose, not on every build: {@link adsml.platform.offline.bench.RetrievalBench}, the
 * retrieval benchmark behind {@code adsml bench retrieval}.
 */
package adsml.platform.offline.bench;
