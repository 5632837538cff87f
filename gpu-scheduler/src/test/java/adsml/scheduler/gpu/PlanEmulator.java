package adsml.scheduler.gpu;

import adsml.platform.features.FeatureBatch;
import adsml.platform.model.DcnWeights;
import adsml.platform.scoring.Scorer;

/**
 * The CPU twin of the GPU path: runs a {@link DcnPlan}'s steps over what it uploads (its packed fp32 tensors, its bf16
 * layer weights, its encoded embedding table: {@link EmbeddingTable#value}, what the gather reads) with the kernels'
 * arithmetic (fp32 dot products, a double sigmoid, calibration read from the packed block), with each layer's operands
 * rounded as its kernel rounds them (TF32 or BF16; see {@link DcnPlan#operands}) and, in BF16, every activation stored
 * rounded to bf16 as the kernels store it. It checks everything but the kernels' thread mapping without a GPU: packing
 * and padding, buffer routing, epilogues, the calibration encoding, and the size of TF32's and BF16's error.
 */
final class PlanEmulator {
    private PlanEmulator() {}

    /**
     * Scores {@code batch} through {@code plan} with {@code weights} into row-major {@code [rows, heads]} {@code out},
     * slice offsets added on the host as {@link GpuScorer} adds them.
     */
    static void score(DcnPlan plan, DcnWeights weights, FeatureBatch batch, float[] out) {
        int rows = batch.rows();
        float[][] blocks = new float[DcnPlan.Block.values().length][];
        blocks[DcnPlan.Block.FP32.ordinal()] = plan.pack(weights);
        blocks[DcnPlan.Block.BF16.ordinal()] = widen(plan.packBf16(weights));
        Rounding store = plan.bf16Activations() ? PlanEmulator::bf16 : v -> v;
        float[][] buffers = new float[DcnPlan.Buffer.values().length][];
        buffers[DcnPlan.Buffer.X0.ordinal()] = new float[rows * plan.x0Width()];
        buffers[DcnPlan.Buffer.PING.ordinal()] = new float[rows * plan.activationWidth()];
        buffers[DcnPlan.Buffer.PONG.ordinal()] = new float[rows * plan.activationWidth()];
        float[] x0 = buffers[DcnPlan.Buffer.X0.ordinal()];
        Rounding operands = Rounding.of(plan.operands());
        for (DcnPlan.Step step : plan.steps()) {
            if (step instanceof DcnPlan.Gather g) {
                gather(g, plan.table(weights), batch, x0, store);
            } else if (step instanceof DcnPlan.Linear l) {
                linear(l, blocks, buffers[l.in().ordinal()], x0, buffers[l.out().ordinal()], rows, operands, store);
            } else if (step instanceof DcnPlan.Head h) {
                head(h, blocks[DcnPlan.Block.FP32.ordinal()], buffers[h.in().ordinal()], out, rows);
            }
        }
        // What GpuScorer does on the host after the device's calibration.
        Scorer.addSliceOffsets(plan.spec(), batch, out, rows);
    }

    private static float[] widen(short[] bf16) {
        float[] values = new float[bf16.length];
        for (int i = 0; i < bf16.length; i++) {
            values[i] = Float.intBitsToFloat((bf16[i] & 0xFFFF) << 16);
        }
        return values;
    }

    private static void gather(DcnPlan.Gather g, EmbeddingTable table, FeatureBatch batch, float[] x0, Rounding store) {
        int sparseWidth = g.slots() * g.dim();
        int d = sparseWidth + g.denseDims();
        for (int r = 0; r < batch.rows(); r++) {
            for (int c = 0; c < g.ld(); c++) {
                float v = 0;
                if (c < sparseWidth) {
                    int s = c / g.dim();
                    int id = batch.sparse()[r * g.slots() + s];
                    v = id >= 0 && id < g.tableRows() ? table.value(id, c - s * g.dim()) : Float.NaN;
                } else if (c < d) {
                    v = batch.dense()[r * g.denseDims() + c - sparseWidth];
                }
                x0[r * g.ld() + c] = store.round(v);
            }
        }
    }

    /** How a layer's operands reach the multiply: as they are, or rounded as the tensor cores take them. */
    @FunctionalInterface
    private interface Rounding {
        float round(float v);

        static Rounding of(DcnPlan.Operands operands) {
            return switch (operands) {
                case FP32 -> v -> v;
                case TF32 -> PlanEmulator::tf32;
                case BF16 -> PlanEmulator::bf16;
            };
        }
    }

    private static void linear(
            DcnPlan.Linear l,
            float[][] blocks,
            float[] a,
            float[] x0,
            float[] c,
            int rows,
            Rounding operands,
            Rounding store) {
        int n = l.outWidth();
        int k = l.inWidth();
        float[] weights = blocks[l.weight().block().ordinal()];
        float[] packed = blocks[DcnPlan.Block.FP32.ordinal()];
        int w = (int) l.weight().offset();
        int b = (int) l.bias().offset();
        float[] row = new float[k];
        for (int m = 0; m < rows; m++) {
            for (int i = 0; i < k; i++) {
                row[i] = operands.round(a[m * k + i]);
            }
            for (int o = 0; o < n; o++) {
                float acc = 0;
                int base = w + o * k;
                for (int i = 0; i < k; i++) {
                    acc = Math.fma(row[i], operands.round(weights[base + i]), acc);
                }
                float v = acc + packed[b + o];
                c[m * n + o] = store.round(
                        switch (l.epilogue()) {
                            case RELU -> Math.max(v, 0f);
                            case CROSS -> x0[m * n + o] * v + a[m * n + o];
                            case BIAS -> v;
                        });
            }
        }
    }

    private static void head(DcnPlan.Head h, float[] packed, float[] in, float[] out, int rows) {
        int k = h.inWidth();
        int cal = (int) h.calibration().offset();
        for (int r = 0; r < rows; r++) {
            for (int head = 0; head < h.heads(); head++) {
                float sum = 0;
                for (int i = 0; i < k; i++) {
                    sum = Math.fma(in[r * k + i], packed[(int) h.weight().offset() + head * k + i], sum);
                }
                double logit = (double) sum + packed[(int) h.bias().offset() + head];
                out[r * h.heads() + head] = calibrate((float) (1.0 / (1.0 + Math.exp(-logit))), packed, cal, head);
            }
        }
    }

    /** dcn.cu's calibrate(), reading the same block. */
    private static float calibrate(float p, float[] packed, int cal, int head) {
        int at = cal + head * DcnPlan.CAL_HEADER;
        int type = (int) packed[at];
        if (type == DcnPlan.CAL_PLATT) {
            double q = Math.min(Math.max(p, 1e-7), 1 - 1e-7);
            double z = packed[at + 1] * Math.log(q / (1 - q)) + packed[at + 2];
            return (float) (1.0 / (1.0 + Math.exp(-z)));
        }
        if (type == DcnPlan.CAL_ISOTONIC) {
            int n = (int) packed[at + 3];
            int x = cal + (int) packed[at + 4];
            int y = x + n;
            if (p <= packed[x]) {
                return packed[y];
            }
            if (p >= packed[x + n - 1]) {
                return packed[y + n - 1];
            }
            int lo = 0;
            int hi = n - 1;
            while (hi - lo > 1) {
                int mid = (lo + hi) >>> 1;
                if (packed[x + mid] <= p) {
                    lo = mid;
                } else {
                    hi = mid;
                }
            }
            float t = (p - packed[x + lo]) / (packed[x + hi] - packed[x + lo]);
            return packed[y + lo] + t * (packed[y + hi] - packed[y + lo]);
        }
        return p;
    }

    /** cvt.rn.bf16.f32 (and __floats2bfloat162_rn): keep 7 mantissa bits, rounding to nearest, ties to even. */
    static float bf16(float v) {
        return Float.intBitsToFloat(EmbeddingTable.Bf16.bf16(v) << 16);
    }

    /** cvt.rna.tf32.f32: keep 10 mantissa bits, rounding to nearest with ties away from zero. */
    static float tf32(float v) {
        if (!Float.isFinite(v)) {
            return v;
        }
        int bits = Float.floatToRawIntBits(v);
        return Float.intBitsToFloat((bits + 0x1000) & ~0x1fff);
    }
}
