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
 * The column layout of the log's files, the one place that names the columns: the six served columns, one int32 per
 * sparse slot and one float per dense feature in schema order, and in example files the three label columns after them.
 * Every column is required (never null), so a reader needs no definition levels.
 */
final class ServedColumns {
    static final String REQUEST_ID = "request_id";
    static final String USER_ID = "user_key";
    static final String AD_ID = "ad";
    static final String POSITION = "served_position";
    static final String MODEL_VERSION = "model_version";
    static final String SERVED_AT_MS = "served_at_ms";
    static final String SHOWN = "shown";
    static final String CLICK = "click";
    static final String CONVERSION = "conversion";

    /** The key-value metadata entry that names the feature set a file was written for. */
    static final String FEATURE_SET_KEY = "adsml.feature_set";

    private static final List<String> FIXED =
            List.of(REQUEST_ID, USER_ID, AD_ID, POSITION, MODEL_VERSION, SERVED_AT_MS);
    private static final List<String> LABELS = List.of(SHOWN, CLICK, CONVERSION);

    private ServedColumns() {}

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
                .named(SERVED_AT_MS);
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
