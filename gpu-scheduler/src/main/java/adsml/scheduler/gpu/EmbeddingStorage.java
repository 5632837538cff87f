package adsml.scheduler.gpu;

/**
 * How the GPU backend keeps a DCN's embedding tables in device memory. The gather widens every value to fp32 as it
 * writes {@code x0}, so only the tables' size and the values they hold change, not the arithmetic after them.
 */
public enum EmbeddingStorage {
    /** 4 bytes a value, as trained. */
    FP32(4, 0, "gather_concat"),
    /** 2 bytes a value: rounded to nearest (ties to even) to 8 significant bits. */
    BF16(2, 1e-3, "gather_concat_bf16"),
    /**
     * 1 byte a value and one fp32 scale a row: {@code q * scale} with {@code scale = max |v| / 127} over the row and
     * {@code q} rounded to nearest (ties to even). A row holding a NaN or an infinity reads as NaN throughout.
     */
    INT8(1, 2e-3, "gather_concat_int8");

    private final int bytesPerValue;
    private final double bound;
    private final String gatherKernel;

    EmbeddingStorage(int bytesPerValue, double bound, String gatherKernel) {
        this.bytesPerValue = bytesPerValue;
        this.bound = bound;
        this.gatherKernel = gatherKernel;
    }

    int bytesPerValue() {
        return bytesPerValue;
    }

    /** dcn.cu's gather for this storage. */
    String gatherKernel() {
        return gatherKernel;
    }

    /**
     * What this storage may add to a probability's distance from the reference, on top of the precision's bound. From
     * PlanEmulatorTest with fp32 arithmetic, on the presets' random models (probabilities near 0.5), the largest move
     * per preset: BF16 tables 1.4e-4 (demo), 1.3e-4 (x10), 1.6e-4 (ref), 1.0e-4 (x100), 0.9e-4 (wide); INT8 tables
     * 4.1e-4, 4.5e-4, 5.2e-4, 4.2e-4, 1.4e-4. The bounds leave six (BF16) and four (INT8) times the largest. Not
     * measured on a trained model, whose embedding rows may hold a few large values that coarsen INT8's step for the
     * rest of the row.
     */
    public double bound() {
        return bound;
    }
}
