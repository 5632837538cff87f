package adsml.platform.features;

import adsml.platform.counters.CounterKeys;
import adsml.platform.domain.AdColumns;
import java.util.Arrays;

/** What a counter feature counts by, with the name its features start with ({@code ad_clicks_1h}). */
public enum CounterEntity {
    AD("ad", CounterKeys.AD),
    CAMPAIGN("campaign", CounterKeys.CAMPAIGN),
    ADVERTISER("advertiser", CounterKeys.ADVERTISER),
    CATEGORY("category", CounterKeys.CATEGORY),
    CREATIVE("creative", CounterKeys.CREATIVE),
    USER_CATEGORY("user_category", CounterKeys.USER_CATEGORY),
    USER_ADVERTISER("user_advertiser", CounterKeys.USER_ADVERTISER),
    USER_AD("user_ad", CounterKeys.USER_AD),
    USER_CAMPAIGN("user_campaign", CounterKeys.USER_CAMPAIGN);

    private final String declared;
    private final int kind;

    CounterEntity(String declared, int kind) {
        this.declared = declared;
        this.kind = kind;
    }

    public String declared() {
        return declared;
    }

    public static CounterEntity named(String name) {
        for (CounterEntity e : values()) {
            if (e.declared.equals(name)) {
                return e;
            }
        }
        throw new IllegalArgumentException("no counter entity '" + name + "' (entities: "
                + String.join(
                        ", ",
                        Arrays.stream(values()).map(CounterEntity::declared).toList()) + ")");
    }

    /**
     * The counter key of this entity for an event of ad {@code adId} (campaign, advertiser, category, creative type as
     * given) by the user {@code userHash}: the event feed and the feature assembly both key through here.
     */
    public long key(long userHash, int adId, int campaignId, int advertiserId, int category, int creativeType) {
        return switch (this) {
            case AD -> CounterKeys.of(kind, adId);
            case CAMPAIGN -> CounterKeys.of(kind, campaignId);
            case ADVERTISER -> CounterKeys.of(kind, advertiserId);
            case CATEGORY -> CounterKeys.of(kind, category);
            case CREATIVE -> CounterKeys.of(kind, creativeType);
            case USER_CATEGORY -> CounterKeys.of(kind, userHash, category);
            case USER_ADVERTISER -> CounterKeys.of(kind, userHash, advertiserId);
            case USER_AD -> CounterKeys.of(kind, userHash, adId);
            case USER_CAMPAIGN -> CounterKeys.of(kind, userHash, campaignId);
        };
    }

    long key(RequestRow q, AdColumns ads, int r) {
        return key(
                q.userHash(),
                ads.adIds()[r],
                ads.campaignIds()[r],
                ads.advertiserIds()[r],
                ads.categories()[r],
                ads.creativeTypes()[r]);
    }
}
