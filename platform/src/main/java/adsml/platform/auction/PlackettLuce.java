package adsml.platform.auction;

import java.util.random.RandomGenerator;

/**
 * Drawing an ordered slate from a small pool by Plackett-Luce (slot by slot, each member not yet drawn with probability
 * proportional to its weight), and the exact probability of each member landing in each slot.
 *
 * <p>The marginals sum over every set of members that may fill the slots before: the chance of the next draw depends on
 * which members are gone, not on their order, so one pass over the subsets of the pool (at most {@code 2^pool}, 1024
 * for the largest pool allowed) gives them all.
 */
final class PlackettLuce {
    private PlackettLuce() {}

    /**
     * Draws {@code slots} distinct members of the pool (indexes into {@code weights}) into {@code out}, slot 0 first.
     */
    static void draw(double[] weights, int slots, RandomGenerator random, int[] out) {
        int pool = weights.length;
        boolean[] taken = new boolean[pool];
        double left = 0;
        for (double w : weights) {
            left += w;
        }
        for (int k = 0; k < slots; k++) {
            double u = random.nextDouble() * left;
            int pick = -1;
            for (int j = 0; j < pool; j++) {
                if (!taken[j]) {
                    pick = j; // the last member not taken, should rounding leave u unspent
                    u -= weights[j];
                    if (u < 0) {
                        break;
                    }
                }
            }
            taken[pick] = true;
            left -= weights[pick];
            out[k] = pick;
        }
    }

    /**
     * {@code [member][slot]}: the probability that a draw of {@code slots} puts the member in that slot.
     *
     * @throws IllegalArgumentException when the pool holds more than {@link AuctionSettings.Exploration#MAX_POOL}
     *     members or fewer than {@code slots}, or a weight is not a finite number > 0
     */
    static double[][] marginals(double[] weights, int slots) {
        int pool = weights.length;
        if (pool > AuctionSettings.Exploration.MAX_POOL || slots > pool) {
            throw new IllegalArgumentException("a pool of " + pool + " for " + slots + " slots");
        }
        double total = 0;
        for (double w : weights) {
            if (!(w > 0) || Double.isInfinite(w)) {
                throw new IllegalArgumentException("weights must be finite and > 0, was " + w);
            }
            total += w;
        }
        double[][] marginal = new double[pool][slots];
        double[] reach = new double[1 << pool]; // the chance that the first draws are exactly this set, in any order
        double[] gone = new double[1 << pool];
        reach[0] = 1;
        // A set's subsets one smaller are smaller numbers, so counting up visits each set after all of them.
        for (int set = 0; set < reach.length; set++) {
            int drawn = Integer.bitCount(set);
            if (reach[set] == 0 || drawn >= slots) {
                continue;
            }
            double left = total - gone[set];
            for (int j = 0; j < pool; j++) {
                int bit = 1 << j;
                if ((set & bit) == 0) {
                    double p = reach[set] * weights[j] / left;
                    marginal[j][drawn] += p;
                    reach[set | bit] += p;
                    gone[set | bit] = gone[set] + weights[j];
                }
            }
        }
        return marginal;
    }
}
