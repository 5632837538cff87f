package adsml.platform.offline.generator;

import adsml.platform.domain.Vocab;
import adsml.platform.index.ann.AdFilter;
import adsml.platform.index.ann.VectorAds;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.IntStream;

/**
 * Ad inventories at retrieval scale (millions of ads, embeddings of any dimension) and the requests that search them,
 * drawn as the demo world draws its own: campaigns' categories by popularity and their targeting by
 * {@link WorldGenerator}'s rules (a random user matches 30-60% of ads); users with a country, device, age bucket and
 * three interests, their embedding leaning to their top interest's centroid.
 *
 * <p>Embeddings: learned embeddings of 64-256 dimensions vary along far fewer directions than they have (their
 * intrinsic dimension is a few dozen at most), which is what makes approximate search work on them at all; isotropic
 * noise in every dimension is the worst case, where the top 1,000 of a million ads spread over most of the space. So an
 * ad is drawn in a latent space of {@code latent} dimensions, as {@code 0.7} of its category's centroid, {@code 0.5} of
 * its campaign's own direction (a campaign's creatives look alike) and {@code 0.5} of noise, a user as {@code 0.7} of
 * their top interest's centroid and {@code 0.71} of noise (the demo world's proportions), each part with components
 * N(0, 1/latent); both are mapped into {@code dim} dimensions by one fixed random matrix that keeps lengths, and get
 * isotropic noise of {@code 0.1} in every dimension. {@code latent == dim} is the worst case, kept as an option.
 *
 * <p>A share of requests are searches, restricted to one category drawn by popularity (the rarest categories hold under
 * 1% of ads): the selective filters an index must handle. Columns only: 10,000,000 ads at 64 dimensions take 2.7 GB.
 * Deterministic for a seed; generated in parallel chunks.
 */
public final class InventoryGenerator {
    /** The latent dimension of embeddings, unless asked otherwise. */
    public static final int DEFAULT_LATENT = 16;

    private static final double ISOTROPIC = 0.1;
    private static final int CHUNK = 1 << 16;
    private static final int ADS_PER_CAMPAIGN = 20;

    /** One request: whose it is, as the index filters, and the embedding it searches with. */
    public record Query(float[] embedding, AdFilter filter) {
        public boolean isSearch() {
            return filter.categories() != 0;
        }
    }

    /**
     * The embedding space.
     *
     * @param dim the embeddings' dimension
     * @param latent the dimension they vary along, {@code 1..dim}
     */
    public record Space(int dim, int latent) {
        public Space {
            if (dim < 1 || latent < 1 || latent > dim) {
                throw new IllegalArgumentException("need 1 <= latent <= dim, were " + latent + ", " + dim);
            }
        }

        public static Space of(int dim) {
            return new Space(dim, Math.min(dim, DEFAULT_LATENT));
        }
    }

    private InventoryGenerator() {}

    /** {@code n} ads in {@code max(1, n / 20)} campaigns. */
    public static VectorAds ads(long seed, int n, Space space) {
        int dim = space.dim();
        if (n < 0 || (long) n * dim > Integer.MAX_VALUE - 8) {
            throw new IllegalArgumentException("need 0 <= ads with ads * dim < 2^31, were " + n + ", " + dim);
        }
        int latent = space.latent();
        float[][] centroids = centroids(seed, latent);
        float[] map = map(seed, space);
        int campaigns = Math.max(1, n / ADS_PER_CAMPAIGN);
        int[] campaignCategory = new int[campaigns];
        int[] campaignWord = new int[campaigns];
        long[] campaignInterests = new long[campaigns];
        SplittableRandom cr = Streams.of(seed, Streams.CAMPAIGNS);
        for (int c = 0; c < campaigns; c++) {
            int category = WorldGenerator.pick(cr, WorldGenerator.CATEGORY_SHARE);
            var t = WorldGenerator.targeting(cr, category);
            campaignCategory[c] = category;
            campaignWord[c] = VectorAds.targetWord(t);
            campaignInterests[c] = t.interestMask();
        }
        float[] campaignDirection = new float[campaigns * latent];
        double sd = 1.0 / Math.sqrt(latent);
        fill(Streams.of(seed, Streams.ADVERTISERS).nextLong(), campaigns, (c, r) -> {
            for (int d = 0; d < latent; d++) {
                campaignDirection[c * latent + d] = (float) (sd * r.nextGaussian());
            }
        });
        float[] vectors = new float[n * dim];
        int[] campaign = new int[n], category = new int[n], word = new int[n];
        long[] interests = new long[n];
        fill(Streams.of(seed, Streams.ADS).nextLong(), n, (i, r) -> {
            int c = i < campaigns ? i : r.nextInt(campaigns);
            campaign[i] = c;
            category[i] = campaignCategory[c];
            word[i] = campaignWord[c];
            interests[i] = campaignInterests[c];
            float[] centroid = centroids[campaignCategory[c]];
            float[] z = new float[latent];
            for (int d = 0; d < latent; d++) {
                z[d] = (float)
                        (0.7 * centroid[d] + 0.5 * campaignDirection[c * latent + d] + 0.5 * sd * r.nextGaussian());
            }
            embed(z, map, space, r, vectors, i * dim);
        });
        return new VectorAds(dim, n, vectors, campaign, category, word, interests);
    }

    /**
     * {@code count} requests for the inventory of {@code seed} and {@code space}; a share {@code searchShare} of them
     * are searches restricted to one category.
     */
    public static List<Query> queries(long seed, long querySeed, int count, Space space, double searchShare) {
        int latent = space.latent();
        float[][] centroids = centroids(seed, latent);
        float[] map = map(seed, space);
        SplittableRandom r = Streams.of(querySeed, Streams.USERS);
        double sd = 1.0 / Math.sqrt(latent);
        List<Query> out = new ArrayList<>(count);
        for (int q = 0; q < count; q++) {
            int country = WorldGenerator.pick(r, WorldGenerator.COUNTRY_SHARE);
            int device = WorldGenerator.pick(r, WorldGenerator.DEVICE_SHARE);
            int age = WorldGenerator.pick(r, WorldGenerator.AGE_SHARE);
            long interests = 0;
            int top = -1;
            while (Long.bitCount(interests) < Vocab.INTERESTS_PER_USER) {
                int c = WorldGenerator.pick(r, WorldGenerator.CATEGORY_SHARE);
                top = top < 0 ? c : top;
                interests |= 1L << c;
            }
            float[] z = new float[latent];
            for (int d = 0; d < latent; d++) {
                z[d] = (float) (0.7 * centroids[top][d] + 0.71 * sd * r.nextGaussian());
            }
            float[] e = new float[space.dim()];
            embed(z, map, space, r, e, 0);
            long categories =
                    r.nextDouble() < searchShare ? 1L << WorldGenerator.pick(r, WorldGenerator.CATEGORY_SHARE) : 0L;
            out.add(new Query(e, new AdFilter(country, device, age, interests, categories)));
        }
        return out;
    }

    /** {@code out[at, at + dim) = map z + isotropic noise}. */
    private static void embed(float[] z, float[] map, Space space, SplittableRandom r, float[] out, int at) {
        int dim = space.dim(), latent = space.latent();
        double noise = ISOTROPIC / Math.sqrt(dim);
        for (int d = 0; d < dim; d++) {
            double v = 0;
            for (int j = 0; j < latent; j++) {
                v += map[d * latent + j] * z[j];
            }
            out[at + d] = (float) (v + noise * r.nextGaussian());
        }
    }

    /**
     * The latent space's image in {@code dim} dimensions: the identity when they are equal, else a fixed random matrix
     * with N(0, 1/dim) entries, which keeps lengths and angles nearly (Johnson-Lindenstrauss).
     */
    private static float[] map(long seed, Space space) {
        int dim = space.dim(), latent = space.latent();
        float[] m = new float[dim * latent];
        if (dim == latent) {
            for (int d = 0; d < dim; d++) {
                m[d * latent + d] = 1f;
            }
            return m;
        }
        SplittableRandom r = Streams.of(seed, Streams.EVAL);
        for (int i = 0; i < m.length; i++) {
            m[i] = (float) (r.nextGaussian() / Math.sqrt(dim));
        }
        return m;
    }

    private static float[][] centroids(long seed, int latent) {
        SplittableRandom r = Streams.of(seed, Streams.CENTROIDS);
        float[][] c = new float[Vocab.NUM_CATEGORIES][latent];
        for (float[] centroid : c) {
            for (int d = 0; d < latent; d++) {
                centroid[d] = (float) (r.nextGaussian() / Math.sqrt(latent));
            }
        }
        return c;
    }

    private interface RowFiller {
        void fill(int row, SplittableRandom r);
    }

    /**
     * Rows {@code [0, n)} in parallel chunks, each chunk with its own stream of {@code seed}: the same on any machine.
     */
    private static void fill(long seed, int n, RowFiller filler) {
        IntStream.range(0, (n + CHUNK - 1) / CHUNK).parallel().forEach(chunk -> {
            SplittableRandom r = new SplittableRandom(Streams.mix(seed + chunk));
            for (int i = chunk * CHUNK, end = Math.min(n, i + CHUNK); i < end; i++) {
                filler.fill(i, r);
            }
        });
    }
}
