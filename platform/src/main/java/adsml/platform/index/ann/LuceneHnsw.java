package adsml.platform.index.ann;

import adsml.platform.domain.Vocab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.lucene.codecs.KnnVectorsFormat;
import org.apache.lucene.codecs.lucene912.Lucene912Codec;
import org.apache.lucene.codecs.lucene99.Lucene99HnswScalarQuantizedVectorsFormat;
import org.apache.lucene.codecs.lucene99.Lucene99HnswVectorsFormat;
import org.apache.lucene.document.Document;
import org.apache.lucene.document.IntPoint;
import org.apache.lucene.document.KnnFloatVectorField;
import org.apache.lucene.document.NumericDocValuesField;
import org.apache.lucene.index.DirectoryReader;
import org.apache.lucene.index.IndexWriter;
import org.apache.lucene.index.IndexWriterConfig;
import org.apache.lucene.index.LeafReaderContext;
import org.apache.lucene.index.NumericDocValues;
import org.apache.lucene.index.ReaderUtil;
import org.apache.lucene.index.VectorSimilarityFunction;
import org.apache.lucene.search.BooleanClause;
import org.apache.lucene.search.BooleanQuery;
import org.apache.lucene.search.IndexSearcher;
import org.apache.lucene.search.KnnFloatVectorQuery;
import org.apache.lucene.search.Query;
import org.apache.lucene.search.ScoreDoc;
import org.apache.lucene.search.TopDocs;
import org.apache.lucene.store.FSDirectory;

/**
 * Lucene's HNSW over the same ads, filtered the way Lucene filters: {@link KnnFloatVectorQuery} with a filter query of
 * the targeting (one point field per attribute holding every value an ad admits, and a marker for "untargeted"), the
 * category, and must-not clauses for paused ads and spent campaigns. Maximum inner product, {@code M = 16}, beam 100,
 * optionally with 8-bit scalar quantization. Kept for the side-by-side measurement {@code adsml bench retrieval
 * --compare lucene} makes, not for serving: see the package's measured comparison.
 *
 * <p>Built by as many indexing threads as cores, each adding a contiguous range of ads into its own segments (a graph
 * is built as its segment fills); no force-merge, which would build the graph again on two cores. A search visits each
 * segment's graph and merges their tops, as Lucene does.
 */
public final class LuceneHnsw implements AutoCloseable {
    private static final int UNTARGETED = 99;
    private static final int M = 16;
    private static final int BEAM = 100;

    private final FSDirectory directory;
    private final DirectoryReader reader;
    private final IndexSearcher searcher;

    private LuceneHnsw(FSDirectory directory) throws IOException {
        this.directory = directory;
        this.reader = DirectoryReader.open(directory);
        this.searcher = new IndexSearcher(reader);
        searcher.setQueryCache(null); // each query's filter is new: caching would only measure the cache
    }

    /** Indexes {@code ads} into a new index in {@code dir} (which must be empty). */
    public static LuceneHnsw build(VectorAds ads, boolean quantized, Path dir) throws IOException {
        KnnVectorsFormat format = quantized
                ? new Lucene99HnswScalarQuantizedVectorsFormat(M, BEAM)
                : new Lucene99HnswVectorsFormat(M, BEAM);
        IndexWriterConfig config = new IndexWriterConfig()
                .setRAMBufferSizeMB(1024)
                .setCodec(new Lucene912Codec() {
                    @Override
                    public KnnVectorsFormat getKnnVectorsFormatForField(String field) {
                        return format;
                    }
                });
        FSDirectory directory = FSDirectory.open(dir);
        int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (IndexWriter writer = new IndexWriter(directory, config)) {
            List<Future<?>> parts = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int from = (int) ((long) ads.size * t / threads), to = (int) ((long) ads.size * (t + 1) / threads);
                parts.add(pool.submit(() -> {
                    for (int i = from; i < to; i++) {
                        writer.addDocument(document(ads, i));
                    }
                    return null;
                }));
            }
            for (Future<?> part : parts) {
                part.get();
            }
            writer.commit();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted while indexing", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IOException("indexing failed: " + e.getCause().getMessage(), e.getCause());
        } finally {
            pool.shutdown();
        }
        return new LuceneHnsw(directory);
    }

    private static Document document(VectorAds ads, int i) {
        Document doc = new Document();
        doc.add(new KnnFloatVectorField("v", ads.vector(i), VectorSimilarityFunction.MAXIMUM_INNER_PRODUCT));
        doc.add(new NumericDocValuesField("id", i));
        doc.add(new IntPoint("ad", i));
        doc.add(new IntPoint("campaign", ads.campaign[i]));
        doc.add(new IntPoint("category", ads.category[i]));
        int word = ads.targetWord[i];
        addAdmitted(doc, "country", word & VectorAds.COUNTRY_BITS, Vocab.COUNTRIES.length);
        addAdmitted(doc, "device", (word >>> VectorAds.DEVICE_SHIFT) & VectorAds.DEVICE_BITS, Vocab.DEVICES.length);
        addAdmitted(doc, "age", (word >>> VectorAds.AGE_SHIFT) & VectorAds.AGE_BITS, Vocab.AGE_BUCKETS.length);
        long interests = ads.interests[i];
        if (interests == 0) {
            doc.add(new IntPoint("interest", UNTARGETED));
        }
        for (long rest = interests; rest != 0; rest &= rest - 1) {
            doc.add(new IntPoint("interest", Long.numberOfTrailingZeros(rest)));
        }
        return doc;
    }

    private static void addAdmitted(Document doc, String field, int mask, int values) {
        for (int v = 0; v < values; v++) {
            if (mask == 0 || (mask >>> v & 1) != 0) {
                doc.add(new IntPoint(field, v));
            }
        }
        if (mask == 0) {
            doc.add(new IntPoint(field, UNTARGETED));
        }
    }

    /**
     * The top {@code k} ads for the query by inner product, filtered; ad ids best first into {@code out}, count
     * returned. {@code pausedAds} and {@code spentCampaigns} are excluded.
     */
    public int search(float[] query, AdFilter f, int[] pausedAds, int[] spentCampaigns, int k, int[] out) {
        BooleanQuery.Builder filter = new BooleanQuery.Builder()
                .add(IntPoint.newSetQuery("country", orUntargeted(f.country())), BooleanClause.Occur.FILTER)
                .add(IntPoint.newSetQuery("device", orUntargeted(f.device())), BooleanClause.Occur.FILTER)
                .add(IntPoint.newSetQuery("age", orUntargeted(f.ageBucket())), BooleanClause.Occur.FILTER)
                .add(IntPoint.newSetQuery("interest", withUntargeted(f.interests())), BooleanClause.Occur.FILTER);
        if (f.categories() != 0) {
            filter.add(IntPoint.newSetQuery("category", values(f.categories())), BooleanClause.Occur.FILTER);
        }
        if (pausedAds.length > 0) {
            filter.add(IntPoint.newSetQuery("ad", pausedAds), BooleanClause.Occur.MUST_NOT);
        }
        if (spentCampaigns.length > 0) {
            filter.add(IntPoint.newSetQuery("campaign", spentCampaigns), BooleanClause.Occur.MUST_NOT);
        }
        Query knn = new KnnFloatVectorQuery("v", query, k, filter.build());
        try {
            TopDocs top = searcher.search(knn, k);
            List<LeafReaderContext> leaves = reader.leaves();
            int n = 0;
            for (ScoreDoc hit : top.scoreDocs) {
                LeafReaderContext leaf = leaves.get(ReaderUtil.subIndex(hit.doc, leaves));
                NumericDocValues ids = leaf.reader().getNumericDocValues("id");
                if (ids.advanceExact(hit.doc - leaf.docBase)) {
                    out[n++] = (int) ids.longValue();
                }
            }
            return n;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int[] orUntargeted(int value) {
        return value < 0 ? new int[] {UNTARGETED} : new int[] {value};
    }

    private static int[] withUntargeted(long mask) {
        int[] v = values(mask);
        int[] out = java.util.Arrays.copyOf(v, v.length + 1);
        out[v.length] = UNTARGETED;
        return out;
    }

    private static int[] values(long mask) {
        int[] out = new int[Long.bitCount(mask)];
        int n = 0;
        for (long rest = mask; rest != 0; rest &= rest - 1) {
            out[n++] = Long.numberOfTrailingZeros(rest);
        }
        return out;
    }

    /** Bytes of the index on disk per ad. */
    public double bytesPerAd() throws IOException {
        long bytes = 0;
        for (String file : directory.listAll()) {
            bytes += directory.fileLength(file);
        }
        return (double) bytes / Math.max(1, reader.numDocs());
    }

    @Override
    public void close() throws IOException {
        reader.close();
        directory.close();
    }
}
