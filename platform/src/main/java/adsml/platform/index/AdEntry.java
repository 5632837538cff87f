package adsml.platform.index;

import adsml.platform.domain.Ad;
import adsml.platform.domain.Campaign;

/**
 * What an {@link AdIndex} holds for one ad: the ad, its campaign as last upserted, and whether the ad is paused.
 * {@code campaign.id() == ad.campaignId()}.
 */
public record AdEntry(Ad ad, Campaign campaign, boolean paused) {
    public AdEntry {
        if (ad == null || campaign == null) {
            throw new IllegalArgumentException("ad and campaign must not be null");
        }
        if (campaign.id() != ad.campaignId()) {
            throw new IllegalArgumentException(
                    "ad " + ad.id() + " belongs to campaign " + ad.campaignId() + ", not " + campaign.id());
        }
    }
}
