package adsml.platform.featurelog;

import adsml.platform.features.FeatureSchema;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.parquet.schema.LogicalTypeAnnotation;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Types;

/**
 * The column layout of the log's files, the one place that names the columns: the six served columns, the sixteen
 * auction columns ({@link AuctionFacts}, each named {@code auction_<fact>}), one int32 per sparse slot and one float
 * per dense feature in schema order, and in example files the three label columns after them. Every column is required
 * (never null), so a reader needs no definition levels.
 */
final class ServedColumns {
    static final String REQUEST_ID = "request_id";
    static final String USER_ID = "user_key";
    static final String AD_ID = "ad";
    static final String POSITION = "served_position";
    static final String MODEL_VERSION = "model_version";
    static final String SERVED_AT_MS = "served_at_ms";
    static final String SURFACE = "auction_surface";
    static final String SLOTS = "auction_slots";
    static final String WHOLE_REQUEST = "auction_whole_request";
    static final String CAMPAIGN = "auction_campaign";
    static final String ADVERTISER = "auction_advertiser";
    static final String BID = "auction_bid";
    static final String BID_TYPE = "auction_bid_type";
    static final String SAT_OUT = "auction_sat_out";
    static final String BUDGET_LEFT = "auction_budget_left";
    static final String AD_SHOWN_TODAY = "auction_ad_shown_today";
    static final String CAMPAIGN_SHOWN_TODAY = "auction_campaign_shown_today";
    static final String SCORE_CTR = "auction_score_ctr";
    static final String SCORE_CVR = "auction_score_cvr";
    static final String PROPENSITY = "auction_propensity";
    static final String PRICE_BID = "auction_price_bid";
    static final String PRICE_ECPM = "auction_price_ecpm";
    static final String SHOWN = "shown";
    static final String CLICK = "click";
    static final String CONVERSION = "conversion";

    /** The key-value metadata entry that names the feature set a file was written for. */
    static final String FEATURE_SET_KEY = "adsml.feature_set";

    private static final List<String> FIXED = List.of(
            REQUEST_ID,
            USER_ID,
            AD_ID,
            POSITION,
            MODEL_VERSION,
            SERVED_AT_MS,
            SURFACE,
            SLOTS,
            WHOLE_REQUEST,
            CAMPAIGN,
            ADVERTISER,
            BID,
            BID_TYPE,
            SAT_OUT,
            BUDGET_LEFT,
            AD_SHOWN_TODAY,
            CAMPAIGN_SHOWN_TODAY,
            SCORE_CTR,
            SCORE_CVR,
            PROPENSITY,
            PRICE_BID,
            PRICE_ECPM);

    /** The index of the first sparse slot's column: the fixed columns come first. */
    static final int FIRST_SPARSE = FIXED.size();

    private static final List<String> LABELS = List.of(SHOWN, CLICK, CONVERSION);

    private ServedColumns() {}

    /** Whether {@code name} is one of the columns every file has, whatever its feature set. */
    static boolean isFixed(String name) {
        return FIXED.contains(name);
    }

    /** The columns of a served-rows file. */
    static MessageType served(FeatureSchema schema) {
        return build(schema, false);
    }

    /** The columns of an examples file: the served columns, then {@code shown}, {@code click}, {@code conversion}. */
    static MessageType examples(FeatureSchema schema) {
        return build(schema, true);
    }

    private static MessageType build(FeatureSchema schema, boolean labels) {
        Set<String> names = new HashSet<>(FIXED);
        if (labels) {
            names.addAll(LABELS);
        }
        for (FeatureSchema.Slot slot : schema.slots()) {
            requireNew(names, slot.name(), schema);
        }
        for (String dense : schema.dense()) {
            requireNew(names, dense, schema);
        }
        var b = Types.buildMessage()
                .required(PrimitiveTypeName.BINARY)
                .as(LogicalTypeAnnotation.stringType())
                .named(REQUEST_ID)
                .required(PrimitiveTypeName.BINARY)
                .as(LogicalTypeAnnotation.stringType())
                .named(USER_ID)
                .required(PrimitiveTypeName.INT32)
                .named(AD_ID)
                .required(PrimitiveTypeName.INT32)
                .named(POSITION)
                .required(PrimitiveTypeName.BINARY)
                .as(LogicalTypeAnnotation.stringType())
                .named(MODEL_VERSION)
                .required(PrimitiveTypeName.INT64)
                .named(SERVED_AT_MS)
                .required(PrimitiveTypeName.INT32)
                .named(SURFACE)
                .required(PrimitiveTypeName.INT32)
                .named(SLOTS)
                .required(PrimitiveTypeName.BOOLEAN)
                .named(WHOLE_REQUEST)
                .required(PrimitiveTypeName.INT32)
                .named(CAMPAIGN)
                .required(PrimitiveTypeName.INT32)
                .named(ADVERTISER)
                .required(PrimitiveTypeName.FLOAT)
                .named(BID)
                .required(PrimitiveTypeName.INT32)
                .named(BID_TYPE)
                .required(PrimitiveTypeName.BOOLEAN)
                .named(SAT_OUT)
                .required(PrimitiveTypeName.DOUBLE)
                .named(BUDGET_LEFT)
                .required(PrimitiveTypeName.FLOAT)
                .named(AD_SHOWN_TODAY)
                .required(PrimitiveTypeName.FLOAT)
                .named(CAMPAIGN_SHOWN_TODAY)
                .required(PrimitiveTypeName.FLOAT)
                .named(SCORE_CTR)
                .required(PrimitiveTypeName.FLOAT)
                .named(SCORE_CVR)
                .required(PrimitiveTypeName.DOUBLE)
                .named(PROPENSITY)
                .required(PrimitiveTypeName.DOUBLE)
                .named(PRICE_BID)
                .required(PrimitiveTypeName.DOUBLE)
                .named(PRICE_ECPM);
        for (FeatureSchema.Slot slot : schema.slots()) {
            b = b.required(PrimitiveTypeName.INT32).named(slot.name());
        }
        for (String dense : schema.dense()) {
            b = b.required(PrimitiveTypeName.FLOAT).named(dense);
        }
        if (labels) {
            for (String label : LABELS) {
                b = b.required(PrimitiveTypeName.BOOLEAN).named(label);
            }
        }
        return b.named(labels ? "training_examples" : "served_rows");
    }

    private static void requireNew(Set<String> names, String name, FeatureSchema schema) {
        if (!names.add(name)) {
            throw new IllegalArgumentException("feature set '" + schema.name() + "': the column name '" + name
                    + "' is used twice (a slot or dense feature may not repeat a name or take a logged column's)");
        }
    }
}
