package adsml.platform.testing;

import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.Campaign;

/**
 * Candidate columns made from ad and campaign objects, for tests that hand a stage its candidates without an index to
 * resolve them from; any campaign can stand beside any ad.
 */
public final class CandidateColumns {
    private CandidateColumns() {}

    /** Row {@code k} from {@code ads[k]} and {@code campaigns[k]}, at position {@code k}. */
    public static AdColumns of(Ad[] ads, Campaign[] campaigns) {
        if (ads.length != campaigns.length) {
            throw new IllegalArgumentException(
                    "one campaign per ad: " + ads.length + " ads, " + campaigns.length + " campaigns");
        }
        AdColumns c = AdColumns.ofRows(ads.length);
        for (int k = 0; k < ads.length; k++) {
            c.set(k, ads[k], campaigns[k]);
        }
        return c;
    }
}
