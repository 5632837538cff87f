package adsml.platform.index;

/**
 * One part of an index partitioned by ad id (Vespa's flat distribution): partition {@code index} of {@code count} holds
 * the ads whose id is {@code index} modulo {@code count}, ad {@code id} in row {@code id / count}, so that rows stay
 * dense and an id maps to its row and back without a table. {@link #WHOLE} is the index unpartitioned.
 */
public record Partition(int index, int count) {
    public static final Partition WHOLE = new Partition(0, 1);

    /** The most partitions: each is asked for every request, so more than a few dozen is a design error. */
    public static final int MAX_COUNT = 64;

    public Partition {
        if (count < 1 || count > MAX_COUNT) {
            throw new IllegalArgumentException("partitions must be in 1.." + MAX_COUNT + ", were " + count);
        }
        if (index < 0 || index >= count) {
            throw new IllegalArgumentException("partition must be in 0.." + (count - 1) + ", was " + index);
        }
    }

    /**
     * Parses {@code i/n} (partition i of n, counted from 0).
     *
     * @throws IllegalArgumentException naming what is wrong
     */
    public static Partition parse(String text) {
        int slash = text.indexOf('/');
        if (slash < 0) {
            throw new IllegalArgumentException("a partition is written i/n (partition i of n, from 0), was " + text);
        }
        try {
            return new Partition(
                    Integer.parseInt(text.substring(0, slash).trim()),
                    Integer.parseInt(text.substring(slash + 1).trim()));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("a partition is written i/n (partition i of n, from 0), was " + text);
        }
    }

    public boolean whole() {
        return count == 1;
    }

    public boolean holds(int adId) {
        return adId % count == index;
    }

    /** The row of an ad this partition {@link #holds}. */
    public int row(int adId) {
        return adId / count;
    }

    public int adId(int row) {
        return row * count + index;
    }

    /** How many of the ad ids {@code 0..ads-1} this partition holds. */
    public int rowsOf(int ads) {
        return Math.max(0, (ads - index + count - 1) / count);
    }

    @Override
    public String toString() {
        return index + "/" + count;
    }
}
