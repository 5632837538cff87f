package adsml.load;

import java.util.SplittableRandom;

/**
 * The {@code /v1/rank} bodies of a run. The body of request {@code i} depends only on the seed and {@code i}, so a run
 * is reproducible however its requests interleave across threads.
 */
public final class RequestFactory {
    private static final String[] SURFACES = {"home_feed", "search", "video", "article"};
    private static final String[] DEVICES = {"ios", "android", "desktop"};
    private static final String[] COUNTRIES = {"US", "GB", "DE", "FR", "BR", "IN", "JP", "CA", "AU", "MX"};
    private static final long GOLDEN_GAMMA = 0x9E3779B97F4A7C15L;

    private final long seed;
    private final int users;
    private final int slots;
    private final int deadlineMs;

    public RequestFactory(long seed, int users, int slots, int deadlineMs) {
        if (users < 1 || slots < 1 || deadlineMs < 1) {
            throw new IllegalArgumentException("users, slots and deadlineMs must be positive");
        }
        this.seed = seed;
        this.users = users;
        this.slots = slots;
        this.deadlineMs = deadlineMs;
    }

    public static RequestFactory of(LoadSettings settings) {
        return new RequestFactory(settings.seed(), settings.users(), settings.slots(), settings.deadlineMs());
    }

    /** The JSON body of request {@code index}; the same for the same seed and index. */
    public String body(long index) {
        SplittableRandom random = new SplittableRandom(seed * GOLDEN_GAMMA + index);
        StringBuilder b = new StringBuilder(160);
        b.append("{\"userId\":\"u")
                .append(random.nextInt(users))
                .append("\",\"context\":{\"surface\":\"")
                .append(SURFACES[random.nextInt(SURFACES.length)])
                .append("\",\"device\":\"")
                .append(DEVICES[random.nextInt(DEVICES.length)])
                .append("\",\"country\":\"")
                .append(COUNTRIES[random.nextInt(COUNTRIES.length)])
                .append("\",\"hour\":")
                .append(random.nextInt(24))
                .append("},\"slots\":")
                .append(slots)
                .append(",\"deadlineMs\":")
                .append(deadlineMs)
                .append('}');
        return b.toString();
    }
}
