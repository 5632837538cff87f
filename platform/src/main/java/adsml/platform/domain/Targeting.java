package adsml.platform.domain;

/**
 * Who a campaign may be shown to, as bit masks over vocabulary indexes: bit {@code i} of {@code countryMask} is
 * {@code Vocab.COUNTRIES[i]}, likewise devices and age buckets; bit {@code k} of {@code interestMask} is category
 * {@code k}. A mask of 0 means "any".
 */
public record Targeting(int countryMask, int deviceMask, int ageMask, long interestMask) {
    /** Targets everybody. */
    public static final Targeting ANY = new Targeting(0, 0, 0, 0L);

    public Targeting {
        checkMask("countryMask", countryMask, Vocab.COUNTRIES.length);
        checkMask("deviceMask", deviceMask, Vocab.DEVICES.length);
        checkMask("ageMask", ageMask, Vocab.AGE_BUCKETS.length);
        if ((interestMask >>> Vocab.NUM_CATEGORIES) != 0) {
            throw new IllegalArgumentException("interestMask has bits beyond category " + (Vocab.NUM_CATEGORIES - 1));
        }
    }

    private static void checkMask(String name, int mask, int bits) {
        if ((mask >>> bits) != 0) {
            throw new IllegalArgumentException(
                    name + " has bits beyond " + bits + " values: " + Integer.toBinaryString(mask));
        }
    }

    /**
     * True when the user's country, device and age bucket are each allowed (or unrestricted), and the interest mask is
     * 0 or contains at least one of the user's interests. Allocation-free.
     */
    public boolean matches(User u) {
        if (countryMask != 0 && (countryMask & (1 << u.country())) == 0) {
            return false;
        }
        if (deviceMask != 0 && (deviceMask & (1 << u.device())) == 0) {
            return false;
        }
        if (ageMask != 0 && (ageMask & (1 << u.ageBucket())) == 0) {
            return false;
        }
        if (interestMask == 0) {
            return true;
        }
        int[] interests = u.interests();
        for (int i = 0; i < interests.length; i++) {
            if ((interestMask & (1L << interests[i])) != 0) {
                return true;
            }
        }
        return false;
    }
}
