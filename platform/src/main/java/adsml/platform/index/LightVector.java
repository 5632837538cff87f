package adsml.platform.index;

import adsml.platform.domain.AdColumns;
import adsml.platform.domain.BidType;
import adsml.platform.domain.Vocab;
import java.util.Arrays;

/**
 * The light ranker's part of an ad's vector in the inventory scan, the same for every light model: the ad's category,
 * creative type and bid type one-hot, then its latent factors ({@link #Z} values, a block); then the block again for a
 * CPA ad, zeros for a CPC one. A light model whose logit is a sum of terms that each read the request and at most one
 * of these attributes (adsml.platform.funnel's LightScan checks it) is a query per head over the block, plus a term of
 * the ad's own: so the query {@code [CTR head's, CVR head's]} sums the CTR logit for every ad and the CVR logit for CPA
 * ads only, as their eCPMs multiply them. A CPM ad's part is all zeros: its eCPM is its bid.
 */
public final class LightVector {
    /** Where the category's one-hot starts in a block. */
    public static final int CATEGORY = 0;

    public static final int CREATIVE = CATEGORY + Vocab.NUM_CATEGORIES;
    public static final int BID_TYPE = CREATIVE + Vocab.CREATIVE_TYPES.length;
    public static final int EMBEDDING = BID_TYPE + BidType.values().length;
    /** Values in a block. */
    public static final int Z = EMBEDDING + Vocab.EMBEDDING_DIM;
    /** Values of the light part: two blocks. */
    public static final int DIM = 2 * Z;

    private LightVector() {}

    /**
     * Writes the light part of an ad into {@code out[at, at + DIM)}: its {@code category}, {@code creative} type,
     * {@code bidType} and the latent factors {@code embeddings[from, from + EMBEDDING_DIM)}.
     */
    public static void write(
            int category, int creative, BidType bidType, float[] embeddings, int from, float[] out, int at) {
        Arrays.fill(out, at, at + DIM, 0f);
        if (bidType == BidType.CPM) {
            return;
        }
        block(category, creative, bidType, embeddings, from, out, at);
        if (bidType == BidType.CPA) {
            System.arraycopy(out, at, out, at + Z, Z);
        }
    }

    /** Writes the light part of row {@code row} of {@code ads} into {@code out[at, at + DIM)}. */
    public static void write(AdColumns ads, int row, float[] out, int at) {
        write(
                ads.categories()[row],
                ads.creativeTypes()[row],
                ads.bidTypes()[row],
                ads.embeddings(),
                row * Vocab.EMBEDDING_DIM,
                out,
                at);
    }

    /** One block: the three one-hots and the latent factors. */
    public static void block(
            int category, int creative, BidType bidType, float[] embeddings, int from, float[] out, int at) {
        out[at + CATEGORY + category] = 1f;
        out[at + CREATIVE + creative] = 1f;
        out[at + BID_TYPE + bidType.ordinal()] = 1f;
        System.arraycopy(embeddings, from, out, at + EMBEDDING, Vocab.EMBEDDING_DIM);
    }
}
