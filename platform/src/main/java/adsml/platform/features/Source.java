package adsml.platform.features;

import adsml.platform.domain.AdColumns;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Vocab;
import java.util.Arrays;

/**
 * The raw inputs a feature set may declare features of, by the name the declaration uses ({@code user.country}). Each
 * is an id (hashed into a slot), a categorical value with a known cardinality (-1 where unknown, for the
 * {@code nullable} ones), or a vector of floats; {@code perRow} says whether it varies with the candidate or is the
 * request's.
 */
public enum Source {
    USER_ID("user.id", Kind.ID, 0, false, false),
    AD_ID("ad.id", Kind.ID, 0, false, true),
    CAMPAIGN_ID("campaign.id", Kind.ID, 0, false, true),
    ADVERTISER_ID("advertiser.id", Kind.ID, 0, false, true),
    USER_COUNTRY("user.country", Kind.CATEGORICAL, Vocab.COUNTRIES.length, true, false),
    USER_DEVICE("user.device", Kind.CATEGORICAL, Vocab.DEVICES.length, true, false),
    USER_AGE("user.age", Kind.CATEGORICAL, Vocab.AGE_BUCKETS.length, true, false),
    USER_INTEREST_1("user.interest_1", Kind.CATEGORICAL, Vocab.NUM_CATEGORIES, true, false),
    USER_INTEREST_2("user.interest_2", Kind.CATEGORICAL, Vocab.NUM_CATEGORIES, true, false),
    USER_INTEREST_3("user.interest_3", Kind.CATEGORICAL, Vocab.NUM_CATEGORIES, true, false),
    AD_CATEGORY("ad.category", Kind.CATEGORICAL, Vocab.NUM_CATEGORIES, false, true),
    AD_CREATIVE_TYPE("ad.creative_type", Kind.CATEGORICAL, Vocab.CREATIVE_TYPES.length, false, true),
    CAMPAIGN_BID_TYPE("campaign.bid_type", Kind.CATEGORICAL, BidType.values().length, false, true),
    CONTEXT_SURFACE("context.surface", Kind.CATEGORICAL, Vocab.SURFACES.length, false, false),
    CONTEXT_HOUR("context.hour", Kind.CATEGORICAL, Vocab.HOURS, false, false),
    CONTEXT_POSITION("context.position", Kind.CATEGORICAL, Vocab.MAX_POSITION, false, false),
    USER_EMBEDDING("user.embedding", Kind.VECTOR, Vocab.EMBEDDING_DIM, true, false),
    USER_INTEREST_WEIGHTS("user.interest_weights", Kind.VECTOR, Vocab.INTERESTS_PER_USER, true, false),
    AD_EMBEDDING("ad.embedding", Kind.VECTOR, Vocab.EMBEDDING_DIM, false, true),
    USER_INTEREST_IN_AD_CATEGORY("user.interest_in_ad_category", Kind.VECTOR, 1, true, true),
    CAMPAIGN_BID("campaign.bid", Kind.VECTOR, 1, false, true);

    /** What a source yields. */
    public enum Kind {
        ID,
        CATEGORICAL,
        VECTOR
    }

    private final String declared;
    private final Kind kind;
    private final int size;
    private final boolean nullable;
    private final boolean perRow;

    Source(String declared, Kind kind, int size, boolean nullable, boolean perRow) {
        this.declared = declared;
        this.kind = kind;
        this.size = size;
        this.nullable = nullable;
        this.perRow = perRow;
    }

    /** The name a declaration uses. */
    public String declared() {
        return declared;
    }

    public Kind kind() {
        return kind;
    }

    /** Categories of a categorical source; floats of a vector. */
    public int size() {
        return size;
    }

    /** Whether the value may be unknown (a cold-start user's attributes). */
    public boolean nullable() {
        return nullable;
    }

    public boolean perRow() {
        return perRow;
    }

    /** Ids a categorical source takes in a slot: its categories, plus one for "unknown" when it may be unknown. */
    public int width() {
        return nullable ? size + 1 : size;
    }

    /** The source named {@code name} in a declaration, or an error listing every source. */
    public static Source named(String name) {
        for (Source s : values()) {
            if (s.declared.equals(name)) {
                return s;
            }
        }
        throw new IllegalArgumentException("no source '" + name + "' (sources: "
                + String.join(
                        ", ", Arrays.stream(values()).map(Source::declared).toList()) + ")");
    }

    /** Row {@code r}'s id of an {@link Kind#ID} source; -1 for a cold-start user. */
    long id(RequestRow q, AdColumns ads, int r) {
        return switch (this) {
            case USER_ID -> q.userId();
            case AD_ID -> ads.adIds()[r];
            case CAMPAIGN_ID -> ads.campaignIds()[r];
            case ADVERTISER_ID -> ads.advertiserIds()[r];
            default -> throw new IllegalStateException(this + " is not an id");
        };
    }

    /** Row {@code r}'s category of a categorical source, already mapped into {@code [0, width())}: unknown last. */
    int category(RequestRow q, AdColumns ads, int r) {
        int v =
                switch (this) {
                    case USER_COUNTRY -> q.country();
                    case USER_DEVICE -> q.device();
                    case USER_AGE -> q.age();
                    case USER_INTEREST_1 -> q.interests()[0];
                    case USER_INTEREST_2 -> q.interests()[1];
                    case USER_INTEREST_3 -> q.interests()[2];
                    case AD_CATEGORY -> ads.categories()[r];
                    case AD_CREATIVE_TYPE -> ads.creativeTypes()[r];
                    case CAMPAIGN_BID_TYPE -> ads.bidTypes()[r].ordinal();
                    case CONTEXT_SURFACE -> q.context().surface();
                    case CONTEXT_HOUR -> q.context().hour();
                    case CONTEXT_POSITION -> q.context().position();
                    default -> throw new IllegalStateException(this + " is not categorical");
                };
        return v < 0 ? size : v;
    }

    /**
     * Where row {@code r}'s vector starts in {@link #vector}'s array: a request's vectors are the same for every row.
     */
    int vectorAt(int r) {
        return perRow ? r * size : 0;
    }

    /** The array holding a vector source's values ({@link #vectorAt} says where). */
    float[] vector(RequestRow q, AdColumns ads) {
        return switch (this) {
            case USER_EMBEDDING -> q.embedding();
            case USER_INTEREST_WEIGHTS -> q.interestWeights();
            case AD_EMBEDDING -> ads.embeddings();
            case CAMPAIGN_BID -> ads.bids();
            default -> throw new IllegalStateException(this + " is not a plain vector");
        };
    }

    /**
     * Whether a cold start has no value for this source, so that a declared default stands in for it: the sources that
     * may be unknown are the user's.
     */
    boolean missingFor(RequestRow q) {
        return nullable && q.userId() < 0;
    }
}
