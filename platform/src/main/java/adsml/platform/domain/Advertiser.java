package adsml.platform.domain;

/**
 * An advertiser: owns campaigns. Ids are dense {@code 0..n-1}. The name contains no comma, quote or line break (so it
 * fits a CSV field as is).
 */
public record Advertiser(int id, String name) {
    public Advertiser {
        if (id < 0) {
            throw new IllegalArgumentException("id must be >= 0, was " + id);
        }
        if (name == null
                || name.isEmpty()
                || name.indexOf(',') >= 0
                || name.indexOf('"') >= 0
                || name.indexOf('\n') >= 0
                || name.indexOf('\r') >= 0) {
            throw new IllegalArgumentException(
                    "name must be non-empty without comma, quote or line break, was '" + name + "'");
        }
    }
}
