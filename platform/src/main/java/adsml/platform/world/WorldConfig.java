package adsml.platform.world;

/**
 * The knobs of a generated world. Advertiser and campaign counts are derived: {@link #advertisers()} = max(1, ads/20),
 * {@link #campaigns()} = max(1, ads/5). Same config (seed and sizes) means the same world, byte for byte.
 */
public record WorldConfig(long seed, int ads, int users, int trainImpressions, int heldoutImpressions) {
    public WorldConfig {
        if (ads < 1) {
            throw new IllegalArgumentException("ads must be >= 1, was " + ads);
        }
        if (users < 1) {
            throw new IllegalArgumentException("users must be >= 1, was " + users);
        }
        if (trainImpressions < 0) {
            throw new IllegalArgumentException("trainImpressions must be >= 0, was " + trainImpressions);
        }
        if (heldoutImpressions < 0) {
            throw new IllegalArgumentException("heldoutImpressions must be >= 0, was " + heldoutImpressions);
        }
    }

    /**
     * 100,000 ads, 50,000 users, 5,000,000 train and 200,000 held-out impressions: enough logged clicks (about 90,000)
     * for one training epoch to bring the DCN within 3% of the oracle's AUC.
     */
    public static WorldConfig defaults(long seed) {
        return new WorldConfig(seed, 100_000, 50_000, 5_000_000, 200_000);
    }

    /** Number of advertisers: max(1, ads/20). */
    public int advertisers() {
        return Math.max(1, ads / 20);
    }

    /** Number of campaigns: max(1, ads/5). */
    public int campaigns() {
        return Math.max(1, ads / 5);
    }
}
