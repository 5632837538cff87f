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
     * BF16 tensor cores ({@code mma.sync} m16n8k16): both operands of every cross and MLP layer rounded to BF16 (8 bits
     * of mantissa) as the fragments are built, fp32 accumulation, fp32 epilogues; layers whose input width is not a
     * multiple of 4 run on TF32. Weights and activations are kept in fp32 in device memory: the rounding, not the
     * storage, is BF16. Within {@link #BF16_BOUND} of the reference on the presets' random inputs.
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
     * The largest absolute difference from the reference allowed for a BF16 probability. A BF16 operand carries a
     * relative rounding error of up to 2^-8, eight times TF32's; with BF16 rounding emulated in Java (PlanEmulatorTest)
     * the presets' random models moved probabilities by at most 1.8e-3 (wide; demo 9.0e-4, x10 7.0e-4, ref 4.8e-4, x100
     * 4.3e-4; TF32: 2.4e-4 at most), so the bound leaves five times that for the tensor cores' accumulation order.
     * Measured on random weights and inputs, with probabilities near 0.5, not on a trained model's low CTRs, where the
     * absolute error shrinks with p(1 - p).
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
