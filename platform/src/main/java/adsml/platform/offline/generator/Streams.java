package adsml.platform.offline.generator;

import java.util.SplittableRandom;

/**
 * Independent random streams derived from one seed, one per phase, so that changing the size of one phase (say the
 * impression count) does not shift the numbers drawn by another (the ads).
 */
final class Streams {
    static final int CENTROIDS = 1;
    static final int ADVERTISERS = 2;
    static final int CAMPAIGNS = 3;
    static final int ADS = 4;
    static final int USERS = 5;
    static final int TRAIN = 6;
    static final int HELDOUT = 7;
    static final int EVAL = 8;
    static final int TRUTH_TABLES = 101;
    static final int TRUTH_ADVERTISERS = 102;
    static final int TRUTH_DRIFT = 103;

    private Streams() {}

    static SplittableRandom of(long seed, int stream) {
        return new SplittableRandom(mix(seed + mix(0x9E3779B97F4A7C15L * (stream + 1L))));
    }

    /** The SplitMix64 finalizer: a fixed bijective bit mixer, so nearby seeds give unrelated streams. */
    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
