package adsml.platform.index;

import adsml.platform.config.SettingsReader;
import com.typesafe.config.Config;
import java.time.Duration;
import java.util.Locale;

/**
 * Which {@link AdIndex} serves: {@code kind} {@link Kind#EXACT} (the exact scan of the ads' latent factors),
 * {@link Kind#IVF} (the {@link RetrievalTower}'s {@code retrievalDim}-d vectors in an IVF index), {@link Kind#SCAN}
 * (those vectors in an inventory scan that reads every ad: on the GPU when the server scores on one, see
 * {@link ScanAdIndex}), or {@link Kind#AUTO}: the IVF for worlds of {@code ivfFromAds} ads and more. A scan's retrieval
 * that takes longer than {@code scanTimeout} is the IVF's.
 */
public record IndexSettings(Kind kind, int ivfFromAds, int retrievalDim, Duration scanTimeout) {
    public enum Kind {
        EXACT,
        IVF,
        SCAN,
        AUTO
    }

    /** Reads {@code adsml.platform.index}. */
    public static IndexSettings from(Config root) {
        SettingsReader r = SettingsReader.of(root, "adsml.platform.index");
        return new IndexSettings(
                r.parsed("kind", IndexSettings::kind),
                r.intIn("ivf-from-ads", 1, Integer.MAX_VALUE),
                r.intIn("retrieval-dim", 8, 1024),
                r.durationIn("scan-timeout", Duration.ofMillis(1), Duration.ofSeconds(10)));
    }

    private static Kind kind(String name) {
        for (Kind k : Kind.values()) {
            if (k.name().toLowerCase(Locale.ROOT).equals(name)) {
                return k;
            }
        }
        throw new IllegalArgumentException("must be exact, ivf, scan or auto, was " + name);
    }

    /** Whether a world of {@code ads} ads is served by the IVF. */
    public boolean ivfFor(int ads) {
        return kind == Kind.IVF || (kind == Kind.AUTO && ads >= ivfFromAds);
    }
}
