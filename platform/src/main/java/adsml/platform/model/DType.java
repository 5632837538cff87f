package adsml.platform.model;

/**
 * Element types of a safetensors tensor, named exactly as they appear in the file header.
 *
 * <p>Contract: {@link #byteSize()} is the size of one element on disk; {@link #parse(String)} accepts only the exact
 * header spelling and returns {@code null} for anything else (the caller knows which file and tensor to name in its
 * error).
 */
public enum DType {
    /** IEEE 754 double. */
    F64(8, true),
    /** IEEE 754 single. */
    F32(4, true),
    /** IEEE 754 half. */
    F16(2, true),
    /** bfloat16: the upper 16 bits of an F32. */
    BF16(2, true),
    /** Signed 64-bit integer. */
    I64(8, false),
    /** Signed 32-bit integer. */
    I32(4, false),
    /** Signed 16-bit integer. */
    I16(2, false),
    /** Signed 8-bit integer. */
    I8(1, false),
    /** Unsigned 8-bit integer. */
    U8(1, false),
    /** Boolean stored as one byte, 0 or 1. */
    BOOL(1, false);

    private final int byteSize;
    private final boolean floatingPoint;

    DType(int byteSize, boolean floatingPoint) {
        this.byteSize = byteSize;
        this.floatingPoint = floatingPoint;
    }

    /** @return bytes per element on disk */
    public int byteSize() {
        return byteSize;
    }

    /** @return whether the type is a floating-point format (convertible by {@link Tensor#toFloatArray()}) */
    public boolean isFloatingPoint() {
        return floatingPoint;
    }

    /**
     * @param headerName the dtype string from a safetensors header
     * @return the matching type, or {@code null} if the string is not a supported dtype
     */
    public static DType parse(String headerName) {
        for (DType t : values()) {
            if (t.name().equals(headerName)) {
                return t;
            }
        }
        return null;
    }
}
