/**
 * Retrieval at scale, for any embedding dimension: {@link adsml.platform.index.ann.IvfIndex}, an inverted-file index
 * whose targeting, pause and budget filters run inside the search (per-list bitmaps, dot products only for eligible
 * ads), with updates visible at once and a file to start from; {@link adsml.platform.index.ann.ExactScan}, the exact
 * answer it is measured against; and {@link adsml.platform.index.ann.LuceneHnsw}, Lucene's filtered HNSW on the same
 * ads, the comparison. The ads travel as columns ({@link adsml.platform.index.ann.VectorAds}), never as an object per
 * ad: ten million of them must fit on a 24 GiB machine.
 */
package adsml.platform.index.ann;
