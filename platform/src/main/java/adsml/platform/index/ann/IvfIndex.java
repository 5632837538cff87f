package adsml.platform.index.ann;

import java.util.Arrays;
import java.util.function.IntPredicate;
import java.util.stream.IntStream;

/**
 * Approximate top-k by inner product over ads of any embedding dimension, with the targeting, category, pause and
 * budget filters inside the search: an inverted file (IVF) with per-list filter bitmaps and 8-bit codes.
 *
 * <p>Layout: the ads are split into lists by k-means ({@link KMeans}); each list's embeddings are one contiguous array
 * of 8-bit codes of the embeddings rotated to their principal directions ({@link Pca}, {@link Int8}: a quarter of the
 * floats' bytes, and a retrieval at a million ads waits on memory), and beside them, per position, the ad id, campaign,
 * category and targeting, and {@link Bitmaps} with a bit per position for each targeting value; per list, the mean and
 * variance of each rotated dimension over its ads.
 *
 * <p>A retrieval estimates, per list, the mean and spread of its ads' scores for the query (from those statistics: two
 * dot products of the dimension's length per list), and visits lists by mean plus three spreads, where the best ads are
 * likely to be. In a list it combines the filter's bitmaps a 64-bit word at a time: only ads that survive every filter
 * cost a dot product, and only those that would enter the top {@code k} cost a budget read. Every few lists it asks how
 * many ads of the lists left are expected to beat the k-th best score it holds (each list's scores taken as normal,
 * times the share of ads the filter has let through so far), and stops once that is under {@code tolerance * k}: the
 * tolerance is the share of the true top it accepts to miss, and the measured recall follows it (at a million ads,
 * {@code adsml bench retrieval --tolerance X}: 0.05 gave 0.968, 0.02 gave 0.984). A broad filter (half the ads) stops
 * after a few dozen lists near the query; a selective one (a search in a rare category: under 1% of ads) visits more
 * lists but scores few ads in each. {@code maxCandidatesPerResult} bounds the work. {@code adsml bench retrieval}
 * measures it all against the exact answer.
 *
 * <p>Writes: copy-on-write, visible to every retrieval that starts after they return, without a rebuild. A paused or
 * resumed ad flips a bit in a copy of the paused bitmap (an eighth of a byte per ad, copied once per write); an upsert
 * marks the ad's old position superseded and appends the ad, in floats, to a small delta that every retrieval scans
 * exactly. When the delta holds {@code deltaLimit} ads, the writer folds it into the lists: each delta ad goes to its
 * nearest centroid and the lists are copied once (on the writer's thread; retrievals keep using the previous state
 * meanwhile). Centroids, rotation and scales are never retrained: a {@link #build} does that.
 *
 * <p>Readers take one volatile read and never lock; writers serialise on the index.
 */
public final class IvfIndex {

    /**
     * How the index is built and searched.
     *
     * @param lists number of k-means lists (about the square root of the ads is usual)
     * @param minLists lists a retrieval visits at least
     * @param tolerance how many of the true top {@code k} a retrieval may expect to leave in the lists it does not
     *     visit, as a share of {@code k}: it stops once the lists left are expected to hold fewer (smaller: more
     *     recall, more lists)
     * @param maxCandidatesPerResult eligible ads scored per result wanted at most: the bound on a retrieval's work
     * @param deltaLimit ads upserted since the last fold at which the writer folds them into the lists
     */
    public record Settings(int lists, int minLists, double tolerance, int maxCandidatesPerResult, int deltaLimit) {
        public Settings {
            if (lists < 1 || minLists < 1 || maxCandidatesPerResult < 1 || deltaLimit < 1 || !(tolerance >= 0)) {
                throw new IllegalArgumentException("lists, minLists, maxCandidatesPerResult and deltaLimit must be >= 1"
                        + " and tolerance >= 0: " + lists + ", " + minLists + ", " + maxCandidatesPerResult + ", "
                        + deltaLimit + ", " + tolerance);
            }
        }

        /**
         * The defaults for {@code ads} ads: sqrt(ads) lists, at least 8 visited, a tolerance of 0.05 up to a million
         * ads and halved for each tenfold above (the normal-tail estimate grows optimistic with more lists: tolerance
         * 0.03 gave recall 0.975 at a million ads and 0.961 at ten million), at most 200 candidates per result, a fold
         * every 4,096 upserts. {@code adsml bench retrieval} measures what they give.
         */
        public static Settings forAds(int ads) {
            int lists = Math.max(1, (int) Math.round(Math.sqrt(ads)));
            double tolerance = DEFAULT_TOLERANCE / Math.pow(2, Math.max(0, Math.log10(ads / 1e6)));
            return new Settings(lists, Math.min(lists, 8), tolerance, 200, 4096);
        }

        public Settings withSearch(int minLists, double tolerance, int maxCandidatesPerResult) {
            return new Settings(lists, minLists, tolerance, maxCandidatesPerResult, deltaLimit);
        }
    }

    /** The tolerance up to a million ads. */
    static final double DEFAULT_TOLERANCE = 0.05;

    /** The lists as built or last folded: never written after publication. */
    static final class Base {
        final int dim;
        final int lists;
        final float[] centroids;
        final float[] rotation; // dim x dim: codes hold the rotated embeddings, principal directions first (Pca)
        final float[] scales; // per rotated dimension, see Int8
        final float[] listMean; // per list and rotated dimension, what a retrieval orders lists by
        final float[] listVariance;
        final int[] start; // positions of list l: [start[l], start[l + 1])
        final int[] wordStart; // bitmap words of list l: [wordStart[l], wordStart[l + 1])
        final byte[][] listCodes; // list l's embeddings as codes, position p at (p - start[l]) * dim
        final float[] posFactor;
        final int[] posAd;
        final int[] posCampaign;
        final int[] posCategory;
        final int[] posWord;
        final long[] posInterests;
        final Bitmaps bitmaps;

        Base(
                int dim,
                float[] centroids,
                float[] rotation,
                float[] scales,
                int[] start,
                byte[][] listCodes,
                float[] posFactor,
                int[] posAd,
                int[] posCampaign,
                int[] posCategory,
                int[] posWord,
                long[] posInterests) {
            this.dim = dim;
            this.lists = start.length - 1;
            this.centroids = centroids;
            this.rotation = rotation;
            this.scales = scales;
            this.start = start;
            this.listCodes = listCodes;
            this.posFactor = posFactor;
            this.posAd = posAd;
            this.posCampaign = posCampaign;
            this.posCategory = posCategory;
            this.posWord = posWord;
            this.posInterests = posInterests;
            this.wordStart = new int[lists + 1];
            for (int l = 0; l < lists; l++) {
                wordStart[l + 1] = wordStart[l] + (start[l + 1] - start[l] + 63) / 64;
            }
            this.bitmaps = new Bitmaps(start, wordStart, posWord, posInterests, posCategory);
            this.listMean = new float[lists * dim];
            this.listVariance = new float[lists * dim];
            listStatistics();
        }

        /** Per list, the mean and variance of each rotated dimension over its ads' codes (decoded). */
        private void listStatistics() {
            double[] sum = new double[dim], squares = new double[dim];
            for (int l = 0; l < lists; l++) {
                Arrays.fill(sum, 0);
                Arrays.fill(squares, 0);
                byte[] codes = listCodes[l];
                int n = 0;
                for (int p = start[l]; p < start[l + 1]; p++) {
                    float factor = posFactor[p];
                    if (!Float.isFinite(factor)) {
                        continue;
                    }
                    n++;
                    int o = (p - start[l]) * dim;
                    for (int j = 0; j < dim; j++) {
                        double v = (double) factor * codes[o + j] * scales[j];
                        sum[j] += v;
                        squares[j] += v * v;
                    }
                }
                for (int j = 0; j < dim && n > 0; j++) {
                    double mean = sum[j] / n;
                    listMean[l * dim + j] = (float) mean;
                    listVariance[l * dim + j] = (float) Math.max(0, squares[j] / n - mean * mean);
                }
            }
        }

        int size() {
            return posAd.length;
        }

        int words() {
            return wordStart[lists];
        }

        int listOf(int position) {
            int l = Arrays.binarySearch(start, position);
            if (l >= 0) {
                while (start[l + 1] == position) {
                    l++; // empty lists share a start
                }
                return l;
            }
            return -l - 2;
        }

        int bitWord(int position) {
            int l = listOf(position);
            return wordStart[l] + ((position - start[l]) >>> 6);
        }

        long bitMask(int position) {
            return 1L << (position - start[listOf(position)]);
        }
    }

    /** Ads upserted since the last fold. Arrays past {@code n} may be written by the next append, never below it. */
    static final class Delta {
        static final Delta EMPTY = new Delta(
                0, 0, new int[0], new int[0], new int[0], new int[0], new long[0], new boolean[0], new float[0]);

        final int n;
        final int dim;
        final int[] ad;
        final int[] campaign;
        final int[] category;
        final int[] word;
        final long[] interests;
        final boolean[] paused;
        final float[] vectors;

        Delta(
                int n,
                int dim,
                int[] ad,
                int[] campaign,
                int[] category,
                int[] word,
                long[] interests,
                boolean[] paused,
                float[] vectors) {
            this.n = n;
            this.dim = dim;
            this.ad = ad;
            this.campaign = campaign;
            this.category = category;
            this.word = word;
            this.interests = interests;
            this.paused = paused;
            this.vectors = vectors;
        }

        /** A delta with entry {@code i} set (appended when {@code i == n}); copies only when it must. */
        Delta with(int i, int adId, float[] v, int c, int cat, int w, long in, boolean p) {
            boolean append = i == n;
            int cap = ad.length;
            boolean copy = !append || n == cap;
            int newCap = n == cap ? Math.max(16, cap * 2) : cap;
            Delta d = copy
                    ? new Delta(
                            append ? n + 1 : n,
                            v.length,
                            Arrays.copyOf(ad, newCap),
                            Arrays.copyOf(campaign, newCap),
                            Arrays.copyOf(category, newCap),
                            Arrays.copyOf(word, newCap),
                            Arrays.copyOf(interests, newCap),
                            Arrays.copyOf(paused, newCap),
                            Arrays.copyOf(vectors, newCap * v.length))
                    : new Delta(n + 1, v.length, ad, campaign, category, word, interests, paused, vectors);
            d.ad[i] = adId;
            d.campaign[i] = c;
            d.category[i] = cat;
            d.word[i] = w;
            d.interests[i] = in;
            d.paused[i] = p;
            System.arraycopy(v, 0, d.vectors, i * v.length, v.length);
            return d;
        }
    }

    private static final class Snapshot {
        final Base base;
        final long[] paused; // per base bitmap word
        final long[] superseded; // per base bitmap word: the ad moved to the delta
        final Delta delta;

        Snapshot(Base base, long[] paused, long[] superseded, Delta delta) {
            this.base = base;
            this.paused = paused;
            this.superseded = superseded;
            this.delta = delta;
        }
    }

    /** Per-thread scratch, so that a retrieval allocates nothing once a thread has seen its largest k. */
    private static final class Scratch {
        final TopK top = new TopK();
        long[] listOrder = new long[0];
        float[] listMean = new float[0];
        float[] listSpread = new float[0];
        float[] rotatedQuery = new float[0];
        float[] scaledQuery = new float[0];
        final long[][] interestMaps = new long[64][];
        final long[][] categoryMaps = new long[64][];
    }

    private static final ThreadLocal<Scratch> SCRATCH = ThreadLocal.withInitial(Scratch::new);
    private static final int ABSENT = -1;
    /** The largest ad id the index holds: ids index an array, so they must be dense-ish and bounded. */
    public static final int MAX_AD_ID = (1 << 28) - 1;

    private volatile Settings settings;
    private final Object writeLock = new Object();
    private volatile Snapshot snapshot;
    /** Per ad id: base position (>= 0), delta entry ({@code -2 - i}) or {@link #ABSENT}. Writers only. */
    private int[] location;

    private IvfIndex(Settings settings, Base base) {
        this.settings = settings;
        long[] none = new long[base.words()];
        this.snapshot = new Snapshot(base, none, none, Delta.EMPTY);
        int limit = 0;
        for (int ad : base.posAd) {
            limit = Math.max(limit, ad + 1);
        }
        this.location = new int[limit];
        Arrays.fill(location, ABSENT);
        for (int p = 0; p < base.posAd.length; p++) {
            location[base.posAd[p]] = p;
        }
    }

    /** Builds the lists of {@code ads} (k-means, then every ad placed): ads are searchable by their row number. */
    public static IvfIndex build(VectorAds ads, Settings settings, long seed) {
        int lists = Math.min(settings.lists(), Math.max(1, ads.size));
        float[] centroids =
                ads.size == 0 ? new float[lists * ads.dim] : KMeans.train(ads.vectors, ads.size, ads.dim, lists, seed);
        int[] assigned = new int[ads.size];
        KMeans.assign(ads.vectors, ads.size, ads.dim, centroids, lists, assigned);
        int[] rows = new int[ads.size];
        Arrays.setAll(rows, i -> i);
        int dim = ads.dim;
        Pca pca = Pca.of(ads.vectors, ads.size, dim);
        float[] scales = Int8.scales(rotatedSample(ads, pca.rotation), Math.min(ads.size, SAMPLE), dim);
        // Encoded in parallel, in row order; the layout then only copies bytes.
        byte[] codes = new byte[ads.size * dim];
        float[] factors = new float[ads.size];
        IntStream.range(0, (ads.size + 4095) / 4096).parallel().forEach(chunk -> {
            float[] rotated = new float[dim];
            for (int r = chunk * 4096, end = Math.min(ads.size, r + 4096); r < end; r++) {
                Pca.rotate(pca.rotation, dim, ads.vectors, r * dim, rotated, 0);
                factors[r] = Int8.encode(rotated, 0, scales, codes, r * dim);
            }
        });
        return new IvfIndex(
                settings, layout(dim, centroids, pca.rotation, scales, assigned, rows, (r, out, listCodes, at) -> {
                    out.campaign = ads.campaign[r];
                    out.category = ads.category[r];
                    out.word = ads.targetWord[r];
                    out.interests = ads.interests[r];
                    out.factor = factors[r];
                    System.arraycopy(codes, r * dim, listCodes, at, dim);
                }));
    }

    private static final int SAMPLE = 100_000;

    /** Up to 100,000 of the ads (evenly spaced), rotated. */
    private static float[] rotatedSample(VectorAds ads, float[] rotation) {
        int n = Math.min(ads.size, SAMPLE);
        int step = Math.max(1, ads.size / SAMPLE);
        float[] out = new float[n * ads.dim];
        for (int i = 0; i < n; i++) {
            Pca.rotate(rotation, ads.dim, ads.vectors, Math.min(ads.size - 1, i * step) * ads.dim, out, i * ads.dim);
        }
        return out;
    }

    /** An index over lists read from a file ({@link IvfFile}). */
    static IvfIndex of(Settings settings, Base base) {
        return new IvfIndex(settings, base);
    }

    public Settings settings() {
        return settings;
    }

    /**
     * Changes how far retrievals search (as Faiss's nprobe or HNSW's ef do): the next retrieval uses the new values;
     * the lists stay as they are.
     */
    public void setSearch(int minLists, double tolerance, int maxCandidatesPerResult) {
        settings = settings.withSearch(minLists, tolerance, maxCandidatesPerResult);
    }

    Base base() {
        return snapshot.base;
    }

    /** One ad's attributes, as the layout reads them. */
    private static final class Attributes {
        int campaign;
        int category;
        int word;
        long interests;
        float factor;
    }

    private interface RowSource {
        /** Reads row {@code row}'s attributes into {@code out} and its codes into {@code codes[at, at + dim)}. */
        void read(int row, Attributes out, byte[] codes, int at);
    }

    /** The lists of rows {@code rows[i]}, row {@code rows[i]} in list {@code assigned[i]}; posAd holds the rows. */
    private static Base layout(
            int dim,
            float[] centroids,
            float[] rotation,
            float[] scales,
            int[] assigned,
            int[] rows,
            RowSource source) {
        int lists = centroids.length / dim;
        int n = rows.length;
        int[] start = new int[lists + 1];
        for (int i = 0; i < n; i++) {
            start[assigned[i] + 1]++;
        }
        for (int l = 0; l < lists; l++) {
            start[l + 1] += start[l];
        }
        int[] fill = Arrays.copyOf(start, lists);
        int[] posAd = new int[n], posCampaign = new int[n], posCategory = new int[n], posWord = new int[n];
        long[] posInterests = new long[n];
        float[] posFactor = new float[n];
        byte[][] listCodes = new byte[lists][];
        for (int l = 0; l < lists; l++) {
            listCodes[l] = new byte[(start[l + 1] - start[l]) * dim];
        }
        Attributes a = new Attributes();
        for (int i = 0; i < n; i++) {
            int l = assigned[i];
            int p = fill[l]++;
            source.read(rows[i], a, listCodes[l], (p - start[l]) * dim);
            posAd[p] = rows[i];
            posCampaign[p] = a.campaign;
            posCategory[p] = a.category;
            posWord[p] = a.word;
            posInterests[p] = a.interests;
            posFactor[p] = a.factor;
        }
        return new Base(
                dim,
                centroids,
                rotation,
                scales,
                start,
                listCodes,
                posFactor,
                posAd,
                posCampaign,
                posCategory,
                posWord,
                posInterests);
    }

    /**
     * Writes up to {@code k} eligible ad ids, best first by {@code query . embedding} (ties to the lower id), into
     * {@code out[0..count)} and returns the count. {@code exhausted} says whether a campaign's budget is spent; it is
     * asked only for ads that would enter the top. Scores are those of the 8-bit codes ({@link Int8}) for ads in the
     * lists, exact for ads in the delta.
     *
     * @throws IllegalArgumentException when the query's dimension is not the index's, {@code k < 0} or {@code out} is
     *     shorter than {@code k}
     */
    public int search(float[] query, AdFilter filter, IntPredicate exhausted, int k, int[] out) {
        Snapshot s = snapshot;
        if (!searchable(s.base.dim, query, k, out)) {
            return 0;
        }
        Scratch scratch = SCRATCH.get();
        TopK top = scratch.top;
        top.reset(k);
        Settings search = settings;
        searchLists(s, query, filter, exhausted, top, scratch, search, k);
        scanDelta(s.delta, query, filter, exhausted, top);
        return top.drainBestFirst(out);
    }

    /**
     * As {@link #search}, but writes each result's (score, id) key ({@link adsml.platform.index.RankKeys}) into
     * {@code out}: what a partition answers, so that partitions' results merge by score.
     */
    public int searchKeys(float[] query, AdFilter filter, IntPredicate exhausted, int k, long[] out) {
        Snapshot s = snapshot;
        if (!searchable(s.base.dim, query, k, out.length)) {
            return 0;
        }
        Scratch scratch = SCRATCH.get();
        TopK top = scratch.top;
        top.reset(k);
        searchLists(s, query, filter, exhausted, top, scratch, settings, k);
        scanDelta(s.delta, query, filter, exhausted, top);
        return top.drainBestFirstKeys(out);
    }

    /**
     * Checks a search's arguments, for this index and {@link ExactScan} alike; false when {@code k} is 0 (nothing to
     * find).
     *
     * @throws IllegalArgumentException when the query's dimension is not {@code dim}, {@code k < 0} or {@code out} is
     *     shorter than {@code k}
     */
    static boolean searchable(int dim, float[] query, int k, int[] out) {
        return searchable(dim, query, k, out.length);
    }

    private static boolean searchable(int dim, float[] query, int k, int room) {
        if (query.length != dim) {
            throw new IllegalArgumentException("query has " + query.length + " values, the ads " + dim);
        }
        if (k < 0 || room < k) {
            throw new IllegalArgumentException("k must be in 0.." + room + ", was " + k);
        }
        return k > 0;
    }

    /**
     * Per list, the mean and standard deviation of its ads' scores for the (rotated) query, from the list's mean and
     * per-dimension variance; and the lists by mean plus {@link #ORDER_SPREADS} deviations, best first, as keys whose
     * low 32 bits are the list.
     */
    private static long[] listOrder(Base b, float[] rotated, Scratch scratch) {
        if (scratch.listOrder.length < b.lists) {
            scratch.listOrder = new long[b.lists];
            scratch.listMean = new float[b.lists];
            scratch.listSpread = new float[b.lists];
        }
        long[] order = scratch.listOrder;
        int dim = b.dim;
        for (int l = 0; l < b.lists; l++) {
            float mean = Dot.of(rotated, 0, b.listMean, l * dim, dim);
            float variance = 0f;
            for (int j = 0; j < dim; j++) {
                variance += rotated[j] * rotated[j] * b.listVariance[l * dim + j];
            }
            float spread = (float) Math.sqrt(variance);
            scratch.listMean[l] = mean;
            scratch.listSpread[l] = spread;
            float bound = mean + ORDER_SPREADS * spread;
            // Descending: sort the negated bound's sortable bits ascending; a NaN goes last.
            int bits = Float.floatToRawIntBits(bound != bound ? Float.POSITIVE_INFINITY : -bound);
            int sortable = bits ^ ((bits >> 31) & 0x7fffffff);
            order[l] = ((long) sortable << 32) | l;
        }
        Arrays.sort(order, 0, b.lists);
        return order;
    }

    /** Lists are visited by their mean score plus this many standard deviations: where the best ads likely are. */
    private static final float ORDER_SPREADS = 3f;
    /** Lists visited between two estimates of what the rest may hold, at least (an eighth of those visited, later). */
    private static final int CHECK_EVERY = 4;

    /**
     * Whether the lists {@code order[from..]} are expected to hold fewer than {@code allowed} ads scoring above
     * {@code floor}, if a share {@code eligible} of them passes the filter and a list's scores are normal with its mean
     * and deviation. Stops summing as soon as the answer is no, which is most times it is asked.
     */
    private static boolean fewAbove(
            Base b, long[] order, int from, float floor, double eligible, double allowed, Scratch s) {
        double limit = allowed / Math.max(eligible, 1e-9);
        double expected = 0;
        for (int i = from; i < b.lists && expected < limit; i++) {
            int l = (int) order[i];
            double z = (floor - s.listMean[l]) / (double) s.listSpread[l];
            if (z < 6) { // beyond six deviations a list adds under 1e-9 of an ad per ad
                expected += (b.start[l + 1] - b.start[l]) * upperTail(z);
            }
        }
        return expected < limit;
    }

    /** P(Z > z) for a standard normal Z (Abramowitz and Stegun 7.1.26, error under 1.5e-7). */
    static double upperTail(double z) {
        double x = Math.abs(z) / Math.sqrt(2);
        double t = 1 / (1 + 0.3275911 * x);
        double erfc = t
                * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))))
                * Math.exp(-x * x);
        return z >= 0 ? erfc / 2 : 1 - erfc / 2;
    }

    private static void searchLists(
            Snapshot s,
            float[] query,
            AdFilter f,
            IntPredicate exhausted,
            TopK top,
            Scratch scratch,
            Settings search,
            int k) {
        Base b = s.base;
        int dim = b.dim;
        if (scratch.scaledQuery.length != dim) {
            scratch.scaledQuery = new float[dim];
            scratch.rotatedQuery = new float[dim];
        }
        float[] rotated = scratch.rotatedQuery, scaled = scratch.scaledQuery;
        Pca.rotate(b.rotation, dim, query, 0, rotated, 0);
        for (int d = 0; d < dim; d++) {
            scaled[d] = rotated[d] * b.scales[d];
        }
        long[] order = listOrder(b, rotated, scratch);
        Bitmaps maps = b.bitmaps;
        long[] country = Bitmaps.of(maps.country, f.country());
        long[] device = Bitmaps.of(maps.device, f.device());
        long[] age = Bitmaps.of(maps.age, f.ageBucket());
        long[][] interestMaps = scratch.interestMaps;
        int interestCount = 0;
        interestMaps[interestCount++] = maps.interest[maps.interest.length - 1];
        for (long rest = f.interests(); rest != 0; rest &= rest - 1) {
            interestMaps[interestCount++] = maps.interest[Long.numberOfTrailingZeros(rest)];
        }
        long[][] categoryMaps = scratch.categoryMaps;
        int categoryCount = 0;
        for (long rest = f.categories(); rest != 0; rest &= rest - 1) {
            categoryMaps[categoryCount++] = maps.category[Long.numberOfTrailingZeros(rest)];
        }
        long[] paused = s.paused, superseded = s.superseded;
        long scored = 0, visited = 0;
        long most = (long) search.maxCandidatesPerResult() * k;
        double allowed = search.tolerance() * k;
        int nextCheck = search.minLists();
        for (int i = 0; i < b.lists && scored < most; i++) {
            if (allowed > 0 && i >= nextCheck) {
                // Checks thin out as the retrieval goes on: each costs up to a pass over the lists left.
                nextCheck = i + Math.max(CHECK_EVERY, i / 8);
                float floor = top.floor();
                if (floor > Float.NEGATIVE_INFINITY
                        && fewAbove(b, order, i, floor, (double) scored / visited, allowed, scratch)) {
                    break; // the lists left are expected to hold fewer of the top k than the tolerance allows
                }
            }
            int l = (int) order[i];
            visited += b.start[l + 1] - b.start[l];
            byte[] codes = b.listCodes[l];
            int first = b.start[l];
            for (int w = b.wordStart[l], end = b.wordStart[l + 1]; w < end; w++) {
                long m = country[w] & device[w] & age[w] & ~(paused[w] | superseded[w]);
                if (m == 0) {
                    continue;
                }
                long in = 0;
                for (int j = 0; j < interestCount; j++) {
                    in |= interestMaps[j][w];
                }
                m &= in;
                if (categoryCount > 0) {
                    long cat = 0;
                    for (int j = 0; j < categoryCount; j++) {
                        cat |= categoryMaps[j][w];
                    }
                    m &= cat;
                }
                int base = (w - b.wordStart[l]) << 6;
                for (; m != 0; m &= m - 1) {
                    int offset = base + Long.numberOfTrailingZeros(m);
                    int p = first + offset;
                    float score = b.posFactor[p] * Int8.dot(scaled, codes, offset * dim, dim);
                    scored++;
                    int ad = b.posAd[p];
                    if (top.admits(score, ad) && !exhausted.test(b.posCampaign[p])) {
                        top.offer(score, ad);
                    }
                }
            }
        }
    }

    private static void scanDelta(Delta d, float[] query, AdFilter f, IntPredicate exhausted, TopK top) {
        for (int i = 0; i < d.n; i++) {
            if (d.paused[i] || !f.admits(d.word[i], d.interests[i], d.category[i])) {
                continue;
            }
            float score = Dot.of(query, 0, d.vectors, i * d.dim, d.dim);
            if (top.admits(score, d.ad[i]) && !exhausted.test(d.campaign[i])) {
                top.offer(score, d.ad[i]);
            }
        }
    }

    /**
     * Adds ad {@code adId} or replaces it (keeping its paused flag): its embedding, campaign, category and targeting.
     *
     * @throws IllegalArgumentException when the embedding's dimension is not the index's or it is not finite, or an id
     *     or attribute is out of range
     */
    public void upsert(int adId, float[] embedding, int campaign, int category, int targetWord, long interests) {
        Snapshot s = snapshot;
        if (embedding.length != s.base.dim) {
            throw new IllegalArgumentException(
                    "embedding has " + embedding.length + " values, the index " + s.base.dim);
        }
        VectorAds.checkRow(adId, campaign, category, targetWord, interests);
        if (adId < 0 || adId > MAX_AD_ID) {
            throw new IllegalArgumentException("adId must be in 0.." + MAX_AD_ID + ", was " + adId);
        }
        for (float v : embedding) {
            if (!Float.isFinite(v)) {
                throw new IllegalArgumentException("ad " + adId + ": the embedding must be finite");
            }
        }
        synchronized (writeLock) {
            s = snapshot;
            if (adId >= location.length) {
                int old = location.length;
                location = Arrays.copyOf(location, Math.max(adId + 1, old + old / 2));
                Arrays.fill(location, old, location.length, ABSENT);
            }
            int at = location[adId];
            long[] superseded = s.superseded;
            boolean paused = false;
            Delta delta = s.delta;
            int entry;
            if (at >= 0) {
                paused = bit(s.paused, s.base, at);
                superseded = withBit(superseded, s.base, at, true);
                entry = delta.n;
            } else if (at == ABSENT) {
                entry = delta.n;
            } else {
                entry = -2 - at;
                paused = delta.paused[entry];
            }
            delta = delta.with(entry, adId, embedding, campaign, category, targetWord, interests, paused);
            location[adId] = -2 - entry;
            snapshot = new Snapshot(s.base, s.paused, superseded, delta);
            if (delta.n >= settings.deltaLimit()) {
                fold();
            }
        }
    }

    /** Pauses or resumes an ad; false (and nothing changed) when the index does not hold it. */
    public boolean setPaused(int adId, boolean paused) {
        synchronized (writeLock) {
            if (adId < 0 || adId >= location.length || location[adId] == ABSENT) {
                return false;
            }
            Snapshot s = snapshot;
            int at = location[adId];
            if (at >= 0) {
                if (bit(s.paused, s.base, at) != paused) {
                    snapshot = new Snapshot(s.base, withBit(s.paused, s.base, at, paused), s.superseded, s.delta);
                }
            } else {
                int entry = -2 - at;
                Delta d = s.delta;
                if (d.paused[entry] != paused) {
                    float[] v = Arrays.copyOfRange(d.vectors, entry * d.dim, (entry + 1) * d.dim);
                    Delta changed = d.with(
                            entry,
                            adId,
                            v,
                            d.campaign[entry],
                            d.category[entry],
                            d.word[entry],
                            d.interests[entry],
                            paused);
                    snapshot = new Snapshot(s.base, s.paused, s.superseded, changed);
                }
            }
            return true;
        }
    }

    /** Whether the index holds the ad (paused or not). */
    public boolean contains(int adId) {
        synchronized (writeLock) {
            return adId >= 0 && adId < location.length && location[adId] != ABSENT;
        }
    }

    /** Ads held, paused ones included. */
    public int size() {
        Snapshot s = snapshot;
        return s.base.size() - bitCount(s.superseded) + s.delta.n;
    }

    /** Ads in the delta, not yet folded into the lists. */
    public int deltaSize() {
        return snapshot.delta.n;
    }

    /**
     * Folds the delta into the lists now (the writer does so by itself at {@code deltaLimit}): every delta ad goes to
     * its nearest centroid, superseded positions are dropped, paused flags kept. The lists' ads keep their codes; the
     * centroids and scales stay those of the build.
     */
    public void fold() {
        synchronized (writeLock) {
            Snapshot s = snapshot;
            Base b = s.base;
            Delta d = s.delta;
            if (d.n == 0) {
                return; // nothing upserted since the last fold (superseded positions come with a delta entry)
            }
            int kept = b.size() - bitCount(s.superseded);
            int n = kept + d.n;
            int dim = b.dim;
            int[] assigned = new int[n];
            int[] rows = new int[n]; // < b.size(): a kept position; else a delta entry (row - b.size())
            int i = 0;
            for (int l = 0; l < b.lists; l++) {
                for (int p = b.start[l]; p < b.start[l + 1]; p++) {
                    int w = b.wordStart[l] + ((p - b.start[l]) >>> 6);
                    if ((s.superseded[w] & (1L << (p - b.start[l]))) == 0) {
                        assigned[i] = l;
                        rows[i++] = p;
                    }
                }
            }
            KMeans.Nearest nearest = KMeans.Nearest.of(b.centroids, b.lists, dim);
            for (int e = 0; e < d.n; e++) {
                assigned[i] = nearest.of(d.vectors, e * dim);
                rows[i++] = b.size() + e;
            }
            float[] rotated = new float[dim];
            Base folded = layout(dim, b.centroids, b.rotation, b.scales, assigned, rows, (row, out, codes, at) -> {
                if (row < b.size()) {
                    int l = b.listOf(row);
                    System.arraycopy(b.listCodes[l], (row - b.start[l]) * dim, codes, at, dim);
                    out.factor = b.posFactor[row];
                    out.campaign = b.posCampaign[row];
                    out.category = b.posCategory[row];
                    out.word = b.posWord[row];
                    out.interests = b.posInterests[row];
                } else {
                    int e = row - b.size();
                    Pca.rotate(b.rotation, dim, d.vectors, e * dim, rotated, 0);
                    out.factor = Int8.encode(rotated, 0, b.scales, codes, at);
                    out.campaign = d.campaign[e];
                    out.category = d.category[e];
                    out.word = d.word[e];
                    out.interests = d.interests[e];
                }
            });
            // The layout left rows in posAd: turn them into ad ids, carrying each ad's paused flag over.
            long[] paused = new long[folded.words()];
            for (int l = 0; l < folded.lists; l++) {
                for (int p = folded.start[l]; p < folded.start[l + 1]; p++) {
                    int row = folded.posAd[p];
                    boolean isPaused;
                    if (row < b.size()) {
                        folded.posAd[p] = b.posAd[row];
                        isPaused = bit(s.paused, b, row);
                    } else {
                        folded.posAd[p] = d.ad[row - b.size()];
                        isPaused = d.paused[row - b.size()];
                    }
                    if (isPaused) {
                        paused[folded.wordStart[l] + ((p - folded.start[l]) >>> 6)] |= 1L << (p - folded.start[l]);
                    }
                    location[folded.posAd[p]] = p;
                }
            }
            snapshot = new Snapshot(folded, paused, new long[folded.words()], Delta.EMPTY);
        }
    }

    /** Lists of the built index (the file's, for one read back). */
    public int lists() {
        return snapshot.base.lists;
    }

    /** Bytes the index holds per ad: codes, per-position columns, bitmaps, centroids and the delta. */
    public double bytesPerAd() {
        int locations;
        synchronized (writeLock) {
            locations = location.length;
        }
        Snapshot s = snapshot;
        Base b = s.base;
        long bytes = (long) b.size() * b.dim // codes
                + (long) b.size() * (4 * 5 + 8) // factor, ad, campaign, category, targeting word, interests
                + b.bitmaps.bytes()
                + (long) b.words() * 8 * 2 // paused, superseded
                + (long) b.centroids.length * 4
                + (long) locations * 4
                + (long) s.delta.ad.length * (4 * 4 + 8 + 1 + 4L * b.dim);
        return (double) bytes / Math.max(1, size());
    }

    private static boolean bit(long[] bits, Base b, int position) {
        return (bits[b.bitWord(position)] & b.bitMask(position)) != 0;
    }

    private static long[] withBit(long[] bits, Base b, int position, boolean value) {
        long[] copy = bits.clone();
        int w = b.bitWord(position);
        copy[w] = value ? copy[w] | b.bitMask(position) : copy[w] & ~b.bitMask(position);
        return copy;
    }

    private static int bitCount(long[] bits) {
        int n = 0;
        for (long w : bits) {
            n += Long.bitCount(w);
        }
        return n;
    }
}
