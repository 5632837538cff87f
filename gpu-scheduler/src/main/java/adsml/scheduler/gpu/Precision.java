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
    TF32;

    /**
     * The largest absolute difference from the reference allowed for a TF32 probability. Each TF32 operand carries a
     * relative rounding error of up to 2^-11; with TF32 rounding emulated in Java (PlanEmulatorTest) the presets'
     * random models moved probabilities by at most 1.0e-4, so the bound leaves ten times that for the tensor cores' own
     * accumulation order. Measured on random weights and inputs, not on a trained model.
     */
    public static final double TF32_BOUND = 1e-3;

    /** The allowed absolute difference from the reference for scores computed in this precision. */
    public double tolerance() {
        return this == FP32 ? 1e-4 : TF32_BOUND;
    }
}
