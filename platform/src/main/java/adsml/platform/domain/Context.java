package adsml.platform.domain;

/**
 * Where and when an ad is shown: surface index into {@code Vocab.SURFACES}, hour of day 0..23, and slot position
 * 0..{@code Vocab.MAX_POSITION-1} (0 = top).
 */
public record Context(int surface, int hour, int position) {
    public Context {
        if (surface < 0 || surface >= Vocab.SURFACES.length) {
            throw new IllegalArgumentException(
                    "surface must be in 0.." + (Vocab.SURFACES.length - 1) + ", was " + surface);
        }
        if (hour < 0 || hour >= Vocab.HOURS) {
            throw new IllegalArgumentException("hour must be in 0..23, was " + hour);
        }
        if (position < 0 || position >= Vocab.MAX_POSITION) {
            throw new IllegalArgumentException(
                    "position must be in 0.." + (Vocab.MAX_POSITION - 1) + ", was " + position);
        }
    }
}
