package adsml.platform.replay;

import adsml.platform.auction.AuctionSettings;
import adsml.platform.auction.Bids;
import adsml.platform.domain.BidType;
import adsml.platform.featurelog.AuctionFacts;
import adsml.platform.featurelog.ExampleFiles;
import adsml.platform.featurelog.ServedRows;
import adsml.platform.featurelog.ServedRowsReader;
import adsml.platform.featurelog.TrainingExamples;
import adsml.platform.features.FeatureBatch;
import adsml.platform.features.FeatureSchema;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;

/**
 * The requests of a feature log that were logged whole, as {@link LoggedRequest}s with their features: read one
 * examples file at a time (its rows joined with clicks and conversions), so that a day's log never sits in memory. A
 * request's rows are contiguous in one file (the server hands them to the writer as one batch).
 */
public final class FeatureLogReplay implements Iterable<LoggedRequest> {
    private static final BidType[] BID_TYPES = BidType.values();

    private final List<Path> files;
    private final FeatureSchema schema;
    private final AuctionSettings.Billing billing;
    private final long fromMs;
    private final long toMs;
    private final String servedBy;

    private FeatureLogReplay(
            List<Path> files,
            FeatureSchema schema,
            AuctionSettings.Billing billing,
            long fromMs,
            long toMs,
            String servedBy) {
        this.servedBy = servedBy;
        this.files = files;
        this.schema = schema;
        this.billing = billing;
        this.fromMs = fromMs;
        this.toMs = toMs;
    }

    /**
     * The whole requests served in {@code [fromMs, toMs)} of the log under {@code logDir} for {@code schema} (by the
     * model version {@code servedBy}, e.g. {@code ctr/2}, or by any when it is null), their revenue counted as
     * {@code billing} charges it.
     *
     * @throws IllegalArgumentException when the log has no examples file for the schema yet
     */
    public static FeatureLogReplay of(
            Path logDir, FeatureSchema schema, AuctionSettings.Billing billing, long fromMs, long toMs, String servedBy)
            throws IOException {
        List<Path> files = ExampleFiles.of(logDir, schema.name());
        return new FeatureLogReplay(files, schema, billing, fromMs, toMs, servedBy);
    }

    /** @throws UncheckedIOException naming the file when one cannot be read */
    @Override
    public Iterator<LoggedRequest> iterator() {
        return new Iterator<>() {
            private int file;
            private TrainingExamples examples;
            private int row;
            private LoggedRequest next;

            @Override
            public boolean hasNext() {
                while (next == null) {
                    if (examples == null || row >= examples.rows().rows()) {
                        if (file == files.size()) {
                            return false;
                        }
                        examples = read(files.get(file++));
                        row = 0;
                        continue;
                    }
                    int end = endOfRequest(examples.rows(), row);
                    next = request(examples, row, end);
                    row = end;
                }
                return true;
            }

            @Override
            public LoggedRequest next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                LoggedRequest r = next;
                next = null;
                return r;
            }
        };
    }

    private TrainingExamples read(Path file) {
        try {
            return ServedRowsReader.readExamples(file, schema);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static int endOfRequest(ServedRows rows, int from) {
        String id = rows.requestId(from);
        int end = from + 1;
        while (end < rows.rows() && rows.requestId(end).equals(id)) {
            end++;
        }
        return end;
    }

    /** The request of rows {@code [from, to)}, or null when it was not logged whole or falls outside the window. */
    private LoggedRequest request(TrainingExamples examples, int from, int to) {
        ServedRows rows = examples.rows();
        AuctionFacts first = rows.auction(from);
        long servedAt = rows.servedAtMs(from);
        if (!first.wholeRequest()
                || servedAt < fromMs
                || servedAt >= toMs
                || (servedBy != null && !servedBy.equals(rows.modelVersion(from)))) {
            return null;
        }
        int n = to - from;
        int[] adIds = new int[n];
        int[] campaigns = new int[n];
        int[] advertisers = new int[n];
        float[] bids = new float[n];
        BidType[] types = new BidType[n];
        float[] adShown = new float[n];
        float[] campaignShown = new float[n];
        boolean known = true;
        boolean[] sitOut = new boolean[n];
        double[] budgetLeft = new double[n];
        float[] ctr = new float[n];
        float[] cvr = new float[n];
        int filled = 0;
        for (int c = 0; c < n; c++) {
            int r = from + c;
            AuctionFacts a = rows.auction(r);
            adIds[c] = rows.adId(r);
            campaigns[c] = a.campaign();
            advertisers[c] = a.advertiser();
            bids[c] = a.bid();
            types[c] = BID_TYPES[a.bidType()];
            adShown[c] = a.adShownToday();
            campaignShown[c] = a.campaignShownToday();
            known &= a.adShownToday() >= 0;
            sitOut[c] = a.satOut();
            budgetLeft[c] = a.budgetLeft();
            ctr[c] = a.scoreCtr();
            cvr[c] = a.scoreCvr();
            filled = Math.max(filled, rows.position(r) + 1);
        }
        int[] shown = new int[filled];
        double[] propensity = new double[filled];
        boolean[] clicked = new boolean[filled];
        boolean[] converted = new boolean[filled];
        double revenue = 0;
        for (int c = 0; c < n; c++) {
            int r = from + c;
            int slot = rows.position(r);
            if (slot < 0) {
                continue;
            }
            AuctionFacts a = rows.auction(r);
            shown[slot] = c;
            propensity[slot] = a.propensity();
            clicked[slot] = examples.click()[r];
            converted[slot] = examples.conversion()[r];
            boolean perImpression = billing == AuctionSettings.Billing.IMPRESSION || types[c] == BidType.CPM;
            revenue += perImpression
                    ? a.priceEcpm() / 1000
                    : types[c] == BidType.CPC
                            ? (clicked[slot] ? a.priceBid() : 0)
                            : (converted[slot] ? a.priceBid() : 0);
        }
        FeatureBatch features = FeatureBatch.forSchema(schema, n);
        int sparse = schema.sparseSlots();
        int dense = schema.denseDims();
        System.arraycopy(rows.sparse(), from * sparse, features.sparse(), 0, n * sparse);
        System.arraycopy(rows.dense(), from * dense, features.dense(), 0, n * dense);
        features.setRows(n);
        Bids b = new Bids(
                first.surface(),
                adIds,
                campaigns,
                advertisers,
                bids,
                types,
                known ? adShown : null,
                known ? campaignShown : null);
        return new LoggedRequest(
                rows.requestId(from),
                b,
                sitOut,
                budgetLeft,
                ctr,
                cvr,
                first.slots(),
                shown,
                propensity,
                clicked,
                converted,
                revenue,
                features);
    }
}
