package adsml.platform.features;

import adsml.platform.domain.Ad;
import adsml.platform.domain.AdColumns;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Campaign;
import adsml.platform.domain.Context;
import adsml.platform.domain.User;
import adsml.platform.domain.Vocab;
import java.util.ArrayList;
import java.util.List;

/**
 * The one feature definition of the demo world: turns raw user, ad, campaign and context attributes into the model's
 * sparse ids and dense floats. Training and serving both call it, so what a model learned from is exactly what it is
 * served.
 *
 * <p>User-level work happens once per request ({@link #user(User)}); {@link #fill} then writes one candidate row
 * without allocating. High-cardinality ids are hashed into fixed vocabularies; crosses of low-cardinality attributes
 * get exact ids.
 */
final class HandWrittenDemoFeatures {
    public static final String NAME = "demo-v1";

    private static final int USER_ID = 0, COUNTRY = 1, DEVICE = 2, AGE = 3, INTEREST_1 = 4;
    private static final int AD_ID = 7,
            CAMPAIGN_ID = 8,
            ADVERTISER_ID = 9,
            CATEGORY = 10,
            CREATIVE = 11,
            BID_TYPE = 12,
            SURFACE = 13,
            HOUR = 14,
            POSITION = 15,
            SURFACE_X_CREATIVE = 16,
            DEVICE_X_CATEGORY = 17,
            COUNTRY_X_CATEGORY = 18,
            AGE_X_CATEGORY = 19;

    private static final int CATS = Vocab.NUM_CATEGORIES;
    /** Hashed id vocabularies: fill() and SCHEMA read the same constants, so they cannot drift apart. */
    private static final int USER_IDS = 1 << 15, AD_IDS = 1 << 15, CAMPAIGN_IDS = 1 << 14, ADVERTISER_IDS = 1 << 13;

    public static final FeatureSchema SCHEMA = new FeatureSchema(
            NAME,
            List.of(
                    new FeatureSchema.Slot("user_id", USER_IDS),
                    new FeatureSchema.Slot("user_country", Vocab.COUNTRIES.length + 1),
                    new FeatureSchema.Slot("user_device", Vocab.DEVICES.length + 1),
                    new FeatureSchema.Slot("user_age", Vocab.AGE_BUCKETS.length + 1),
                    new FeatureSchema.Slot("user_interest_1", CATS + 1),
                    new FeatureSchema.Slot("user_interest_2", CATS + 1),
                    new FeatureSchema.Slot("user_interest_3", CATS + 1),
                    new FeatureSchema.Slot("ad_id", AD_IDS),
                    new FeatureSchema.Slot("campaign_id", CAMPAIGN_IDS),
                    new FeatureSchema.Slot("advertiser_id", ADVERTISER_IDS),
                    new FeatureSchema.Slot("ad_category", CATS),
                    new FeatureSchema.Slot("creative_type", Vocab.CREATIVE_TYPES.length),
                    new FeatureSchema.Slot("bid_type", 3),
                    new FeatureSchema.Slot("surface", Vocab.SURFACES.length),
                    new FeatureSchema.Slot("hour", 24),
                    new FeatureSchema.Slot("position", Vocab.MAX_POSITION),
                    new FeatureSchema.Slot("surface_x_creative", Vocab.SURFACES.length * Vocab.CREATIVE_TYPES.length),
                    new FeatureSchema.Slot("device_x_category", (Vocab.DEVICES.length + 1) * CATS),
                    new FeatureSchema.Slot("country_x_category", (Vocab.COUNTRIES.length + 1) * CATS),
                    new FeatureSchema.Slot("age_x_category", (Vocab.AGE_BUCKETS.length + 1) * CATS)),
            denseNames());

    private static final int[] OFFSETS = SCHEMA.offsets();
    private static final int EMB = Vocab.EMBEDDING_DIM;
    /** Dense layout: user embedding [0, 6), ad embedding [6, 12), the user's three interest weights, then this. */
    public static final int INTEREST_IN_CATEGORY = 2 * EMB + Vocab.INTERESTS_PER_USER;

    private HandWrittenDemoFeatures() {}

    private static List<String> denseNames() {
        List<String> names = new ArrayList<>();
        for (int i = 0; i < Vocab.EMBEDDING_DIM; i++) {
            names.add("user_embedding_" + i);
        }
        for (int i = 0; i < Vocab.EMBEDDING_DIM; i++) {
            names.add("ad_embedding_" + i);
        }
        for (int i = 0; i < Vocab.INTERESTS_PER_USER; i++) {
            names.add("user_interest_weight_" + (i + 1));
        }
        names.add("user_interest_in_ad_category");
        return names;
    }

    /**
     * The per-request user part of every row: sparse slots already offset into global rows, and the user's dense
     * values. Attribute values of -1 stand for "unknown" (a cold-start user). {@code weightByCategory} is the user's
     * interest weight per ad category (0 when not an interest), so that a row reads it without comparing the ad's
     * category with each interest: a branch on a field still on its way from memory stalls on each ad in turn.
     */
    public record UserRow(
            int userIdRow,
            int countryRow,
            int deviceRow,
            int ageRow,
            int[] interestRows,
            int country,
            int device,
            int age,
            float[] embedding,
            float[] interestWeights,
            float[] weightByCategory) {}

    /** Computes the user part once per request. */
    public static UserRow user(User u) {
        int[] interestRows = new int[Vocab.INTERESTS_PER_USER];
        for (int i = 0; i < interestRows.length; i++) {
            interestRows[i] = OFFSETS[INTEREST_1 + i] + unknownLast(u.interests()[i], CATS);
        }
        float[] weightByCategory = new float[CATS];
        for (int i = 0; i < interestRows.length; i++) {
            weightByCategory[u.interests()[i]] = u.interestWeights()[i]; // distinct categories: User checks
        }
        return new UserRow(
                OFFSETS[USER_ID] + hash(USER_ID, u.id(), USER_IDS),
                OFFSETS[COUNTRY] + unknownLast(u.country(), Vocab.COUNTRIES.length),
                OFFSETS[DEVICE] + unknownLast(u.device(), Vocab.DEVICES.length),
                OFFSETS[AGE] + unknownLast(u.ageBucket(), Vocab.AGE_BUCKETS.length),
                interestRows,
                u.country(),
                u.device(),
                u.ageBucket(),
                u.embedding(),
                u.interestWeights(),
                weightByCategory);
    }

    /**
     * The user part for a request whose user the store does not know (a cold start): the request's country and device,
     * everything else unknown, a zero embedding.
     */
    public static UserRow coldStart(int country, int device) {
        if (country < -1 || country >= Vocab.COUNTRIES.length || device < -1 || device >= Vocab.DEVICES.length) {
            throw new IllegalArgumentException(
                    "country and device must be vocabulary indexes or -1, were " + country + ", " + device);
        }
        int[] interestRows = new int[Vocab.INTERESTS_PER_USER];
        for (int i = 0; i < interestRows.length; i++) {
            interestRows[i] = OFFSETS[INTEREST_1 + i] + CATS;
        }
        return new UserRow(
                OFFSETS[USER_ID] + hash(USER_ID, -1, USER_IDS),
                OFFSETS[COUNTRY] + unknownLast(country, Vocab.COUNTRIES.length),
                OFFSETS[DEVICE] + unknownLast(device, Vocab.DEVICES.length),
                OFFSETS[AGE] + Vocab.AGE_BUCKETS.length,
                interestRows,
                country,
                device,
                -1,
                new float[Vocab.EMBEDDING_DIM],
                new float[Vocab.INTERESTS_PER_USER],
                new float[CATS]);
    }

    /** Writes candidate {@code row} of {@code batch}; allocation-free. */
    public static void fill(FeatureBatch batch, int row, UserRow u, Ad ad, Campaign c, Context ctx) {
        write(
                batch,
                row,
                u,
                ad.id(),
                ad.category(),
                ad.creativeType(),
                c.id(),
                c.advertiserId(),
                c.bidType().ordinal(),
                ad.embedding(),
                0,
                ctx);
    }

    /**
     * Writes rows {@code [0, ads.rows())} of {@code batch}, row {@code r} from row {@code r} of {@code ads}: the same
     * values as {@link #fill} with that row's ad and campaign. Serving reads its candidates as columns (see
     * {@link AdColumns}); objects scattered over the heap cost the feature stage a cache miss or more per candidate.
     */
    public static void fillRows(FeatureBatch batch, UserRow u, AdColumns ads, Context ctx) {
        int[] adIds = ads.adIds(),
                categories = ads.categories(),
                creativeTypes = ads.creativeTypes(),
                campaignIds = ads.campaignIds(),
                advertiserIds = ads.advertiserIds();
        BidType[] bidTypes = ads.bidTypes();
        float[] embeddings = ads.embeddings();
        for (int r = 0; r < ads.rows(); r++) {
            write(
                    batch,
                    r,
                    u,
                    adIds[r],
                    categories[r],
                    creativeTypes[r],
                    campaignIds[r],
                    advertiserIds[r],
                    bidTypes[r].ordinal(),
                    embeddings,
                    r * EMB,
                    ctx);
        }
    }

    /**
     * One row from the ad's and campaign's attributes; the ad's embedding is {@code adEmbedding[embeddingAt, +EMB)}.
     */
    private static void write(
            FeatureBatch batch,
            int row,
            UserRow u,
            int adId,
            int category,
            int creativeType,
            int campaignId,
            int advertiserId,
            int bidType,
            float[] adEmbedding,
            int embeddingAt,
            Context ctx) {
        int[] sp = batch.sparse();
        int s = row * SCHEMA.sparseSlots();
        sp[s + USER_ID] = u.userIdRow();
        sp[s + COUNTRY] = u.countryRow();
        sp[s + DEVICE] = u.deviceRow();
        sp[s + AGE] = u.ageRow();
        for (int i = 0; i < Vocab.INTERESTS_PER_USER; i++) {
            sp[s + INTEREST_1 + i] = u.interestRows()[i];
        }
        sp[s + AD_ID] = OFFSETS[AD_ID] + hash(AD_ID, adId, AD_IDS);
        sp[s + CAMPAIGN_ID] = OFFSETS[CAMPAIGN_ID] + hash(CAMPAIGN_ID, campaignId, CAMPAIGN_IDS);
        sp[s + ADVERTISER_ID] = OFFSETS[ADVERTISER_ID] + hash(ADVERTISER_ID, advertiserId, ADVERTISER_IDS);
        sp[s + CATEGORY] = OFFSETS[CATEGORY] + category;
        sp[s + CREATIVE] = OFFSETS[CREATIVE] + creativeType;
        sp[s + BID_TYPE] = OFFSETS[BID_TYPE] + bidType;
        sp[s + SURFACE] = OFFSETS[SURFACE] + ctx.surface();
        sp[s + HOUR] = OFFSETS[HOUR] + ctx.hour();
        sp[s + POSITION] = OFFSETS[POSITION] + ctx.position();
        sp[s + SURFACE_X_CREATIVE] =
                OFFSETS[SURFACE_X_CREATIVE] + ctx.surface() * Vocab.CREATIVE_TYPES.length + creativeType;
        sp[s + DEVICE_X_CATEGORY] =
                OFFSETS[DEVICE_X_CATEGORY] + unknownLast(u.device(), Vocab.DEVICES.length) * CATS + category;
        sp[s + COUNTRY_X_CATEGORY] =
                OFFSETS[COUNTRY_X_CATEGORY] + unknownLast(u.country(), Vocab.COUNTRIES.length) * CATS + category;
        sp[s + AGE_X_CATEGORY] =
                OFFSETS[AGE_X_CATEGORY] + unknownLast(u.age(), Vocab.AGE_BUCKETS.length) * CATS + category;

        float[] de = batch.dense();
        int d = row * SCHEMA.denseDims();
        System.arraycopy(u.embedding(), 0, de, d, EMB);
        System.arraycopy(adEmbedding, embeddingAt, de, d + EMB, EMB);
        System.arraycopy(u.interestWeights(), 0, de, d + 2 * EMB, Vocab.INTERESTS_PER_USER);
        // The user's weight for the ad's category, 0 when it is not among their interests: the classic
        // user-category affinity feature.
        de[d + INTEREST_IN_CATEGORY] = u.weightByCategory()[category];
    }

    /** Maps -1 (unknown) to the slot's last id, kept for it. */
    private static int unknownLast(int value, int known) {
        return value < 0 ? known : value;
    }

    /** A fixed 64-bit mix (murmur3's finalizer) of slot and id, so ids spread evenly over the vocabulary. */
    static int hash(int slot, long id, int vocab) {
        long h = ((long) slot << 40) ^ id;
        h ^= h >>> 33;
        h *= 0xff51afd7ed558ccdL;
        h ^= h >>> 33;
        h *= 0xc4ceb9a64fe3bd49L;
        h ^= h >>> 33;
        return (int) Math.floorMod(h, (long) vocab);
    }
}
