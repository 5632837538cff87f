package adsml.scheduler.gpu;

/**
 * The arithmetic of the GPU backend's dense and cross layers. The gather is exact and the heads (dot product, sigmoid,
 * calibration) are fp32 in both.
 */
public enum Precision {
    /**
     * Within 1e-4 of the double-precision reference: 3xTF32 on the tensor cores ({@code mma.sync}; each operand split
     * into two TF32 parts, three products, fp32 accumulation) where a layer's input width is a multiple of 4 and at
     * most 4096, fp32 FMA on the CUDA cores elsewhere. 3xTF32 is less exact than fp32 FMA (2.8e-6 against 1.2e-7 on
     * x100's probabilities, its error growing with the input width) but inside the bound.
     */
    FP32,
    /**
     * TF32 tensor cores ({@code mma.sync} m16n8k8, or {@code wmma} m16n16k8 where a layer's input width is not a
     * multiple of 4): operands rounded to a 10-bit mantissa, fp32 accumulation. Within {@link #TF32_BOUND} of the
     * reference on the presets' random inputs.
     */
    TF32,
    /**
     * BF16 tensor cores ({@code mma.sync} m16n8k16) on every cross and MLP layer: their weights and every activation
     * ({@code x0} included) stored in bf16 (8 significant bits, rounded to nearest, ties to even), half fp32's bytes;
     * fp32 accumulation and fp32 epilogue arithmetic, each layer's output rounded to bf16 as it is stored; every width
     * padded with zeros to a multiple of 8 (whole 16-byte rows). Biases, the head and its calibration stay fp32. Within
     * {@link #BF16_BOUND} of the reference on the presets' random inputs.
     */
    BF16;

    /**
     * The largest absolute difference from the reference allowed for a TF32 probability. Each TF32 operand carries a
     * relative rounding error of up to 2^-11; with TF32 rounding emulated in Java (PlanEmulatorTest) the presets'
     * random models moved probabilities by at most 1.0e-4, so the bound leaves ten times that for the tensor cores' own
     * accumulation order. Measured on random weights and inputs, not on a trained model.
     */
    public static final double TF32_BOUND = 1e-3;

    /**
     * The largest absolute difference from the reference allowed for a BF16 probability. A bf16 value carries a
     * relative rounding error of up to 2^-8 (half of its 2^-7 step), eight times TF32's; with bf16 storage emulated in
     * Java (PlanEmulatorTest: weights, x0 and every layer's output rounded as stored) the presets' random models moved
     * probabilities by at most 2.4e-3 (wide; demo 1.05e-3, x10 8.6e-4, ref 8.7e-4, x100 5.2e-4; with INT8 tables as
     * well at most 1.9e-3; TF32: 2.4e-4 at most), so the bound leaves four times that for the tensor cores'
     * accumulation order. Measured on random weights and inputs, with probabilities near 0.5, not on a trained model's
     * low CTRs, where the absolute error shrinks with p(1 - p).
     */
    public static final double BF16_BOUND = 1e-2;

    /** The allowed absolute difference from the reference for scores computed in this precision. */
    public double tolerance() {
        return switch (this) {
            case FP32 -> 1e-4;
            case TF32 -> TF32_BOUND;
            case BF16 -> BF16_BOUND;
        };
    }
}
