package adsml.platform.model;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;

/**
 * One named, immutable tensor: dtype, shape and its elements as little-endian, row-major bytes (the safetensors
 * layout).
 *
 * <p>Contract: instances are deeply immutable (arrays are copied in and out); the byte length always equals
 * {@code numel() * dtype().byteSize()}; {@code equals}/{@code hashCode} compare name, dtype, shape and data contents. A
 * 0-d tensor (empty shape) holds one element; a shape containing 0 holds none. Factories throw
 * {@link IllegalArgumentException} when the data length does not match the shape, a dimension is negative, or the
 * tensor would exceed {@link #MAX_BYTES}. Conversions throw {@link IllegalStateException} when the dtype cannot be
 * converted to the requested Java type.
 */
public final class Tensor {
    /** Largest tensor this class can hold: data lives in one Java byte array. */
    public static final long MAX_BYTES = Integer.MAX_VALUE - 8;

    private final String name;
    private final DType dtype;
    private final long[] shape;
    private final long numel;
    private final byte[] data;

    /** Takes ownership of {@code shape} and {@code data}: callers pass fresh arrays. */
    private Tensor(String name, DType dtype, long[] shape, byte[] data) {
        this.name = name;
        this.dtype = dtype;
        this.shape = shape;
        this.numel = numel(shape);
        this.data = data;
    }

    /**
     * A tensor from raw little-endian bytes, for any dtype.
     *
     * @throws IllegalArgumentException if {@code data.length != numel(shape) * dtype.byteSize()}
     */
    public static Tensor of(String name, DType dtype, byte[] littleEndianData, long... shape) {
        Objects.requireNonNull(dtype, "dtype");
        long[] s = checkShape(name, shape);
        checkLength(name, s, dtype, littleEndianData.length);
        return new Tensor(name, dtype, s, littleEndianData.clone());
    }

    /** Package-private: the reader hands over freshly read bytes, already validated, without a copy. */
    static Tensor wrap(String name, DType dtype, long[] shape, byte[] data) {
        return new Tensor(name, dtype, shape, data);
    }

    /**
     * An F32 tensor.
     *
     * @throws IllegalArgumentException if {@code data.length} does not equal the product of {@code shape}
     */
    public static Tensor ofFloats(String name, float[] data, long... shape) {
        return ofFloats(name, DType.F32, data, shape);
    }

    /**
     * A floating-point tensor stored as {@code dtype} (F64, F32, F16 or BF16); narrowing to F16/BF16 rounds to nearest
     * even, overflow becomes infinity.
     *
     * @throws IllegalArgumentException if {@code dtype} is not floating point or the length does not match
     */
    public static Tensor ofFloats(String name, DType dtype, float[] data, long... shape) {
        if (!dtype.isFloatingPoint()) {
            throw new IllegalArgumentException("tensor '" + name + "': ofFloats needs a floating dtype, got " + dtype);
        }
        long[] s = checkShape(name, shape);
        checkLength(name, s, DType.F32, (long) data.length * 4);
        ByteBuffer out = ByteBuffer.allocate(data.length * dtype.byteSize()).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> out.asFloatBuffer().put(data);
            case F64 -> {
                for (int i = 0; i < data.length; i++) {
                    out.putDouble(i * 8, data[i]);
                }
            }
            case F16 -> {
                for (int i = 0; i < data.length; i++) {
                    out.putShort(i * 2, floatToHalf(data[i]));
                }
            }
            case BF16 -> {
                for (int i = 0; i < data.length; i++) {
                    out.putShort(i * 2, floatToBf16(data[i]));
                }
            }
            default -> throw new AssertionError(dtype);
        }
        return new Tensor(name, dtype, s, out.array());
    }

    /**
     * An I32 tensor.
     *
     * @throws IllegalArgumentException if {@code data.length} does not equal the product of {@code shape}
     */
    public static Tensor ofInts(String name, int[] data, long... shape) {
        long[] s = checkShape(name, shape);
        checkLength(name, s, DType.I32, (long) data.length * 4);
        ByteBuffer out = ByteBuffer.allocate(data.length * 4).order(ByteOrder.LITTLE_ENDIAN);
        out.asIntBuffer().put(data);
        return new Tensor(name, DType.I32, s, out.array());
    }

    /**
     * An I64 tensor.
     *
     * @throws IllegalArgumentException if {@code data.length} does not equal the product of {@code shape}
     */
    public static Tensor ofLongs(String name, long[] data, long... shape) {
        long[] s = checkShape(name, shape);
        checkLength(name, s, DType.I64, (long) data.length * 8);
        ByteBuffer out = ByteBuffer.allocate(data.length * 8).order(ByteOrder.LITTLE_ENDIAN);
        out.asLongBuffer().put(data);
        return new Tensor(name, DType.I64, s, out.array());
    }

    /** @return the tensor's name (its key in the safetensors header) */
    public String name() {
        return name;
    }

    /** @return the element type */
    public DType dtype() {
        return dtype;
    }

    /** @return a copy of the shape; empty for a 0-d scalar */
    public long[] shape() {
        return shape.clone();
    }

    /** @return the number of elements: the product of the shape, 1 for a 0-d tensor */
    public long numel() {
        return numel;
    }

    /** @return the data size in bytes */
    public long byteSize() {
        return data.length;
    }

    /** @return a read-only little-endian view of the raw data (no copy) */
    public ByteBuffer data() {
        return ByteBuffer.wrap(data).asReadOnlyBuffer().order(ByteOrder.LITTLE_ENDIAN);
    }

    /**
     * @return the elements as floats; F16 and BF16 widen exactly, F64 rounds
     * @throws IllegalStateException if the dtype is not floating point
     */
    public float[] toFloatArray() {
        int n = (int) numel;
        float[] out = new float[n];
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case F32 -> in.asFloatBuffer().get(out);
            case F64 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = (float) in.getDouble(i * 8);
                }
            }
            case F16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = halfToFloat(in.getShort(i * 2));
                }
            }
            case BF16 -> {
                for (int i = 0; i < n; i++) {
                    // bf16 is the top half of an f32, so widening is a shift
                    out[i] = Float.intBitsToFloat((in.getShort(i * 2) & 0xffff) << 16);
                }
            }
            default ->
                throw new IllegalStateException("tensor '" + name + "': cannot convert " + dtype + " to float[]");
        }
        return out;
    }

    /**
     * @return the elements as ints; I16, I8, U8 and BOOL widen
     * @throws IllegalStateException for I64 (use {@link #toLongArray()}) and floating-point dtypes
     */
    public int[] toIntArray() {
        int n = (int) numel;
        int[] out = new int[n];
        ByteBuffer in = ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN);
        switch (dtype) {
            case I32 -> in.asIntBuffer().get(out);
            case I16 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = in.getShort(i * 2);
                }
            }
            case I8 -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data[i];
                }
            }
            case U8, BOOL -> {
                for (int i = 0; i < n; i++) {
                    out[i] = data[i] & 0xff;
                }
            }
            default -> throw new IllegalStateException("tensor '" + name + "': cannot convert " + dtype + " to int[]");
        }
        return out;
    }

    /**
     * @return the elements as longs; every integer dtype widens
     * @throws IllegalStateException for floating-point dtypes
     */
    public long[] toLongArray() {
        int n = (int) numel;
        if (dtype == DType.I64) {
            long[] out = new long[n];
            ByteBuffer.wrap(data).order(ByteOrder.LITTLE_ENDIAN).asLongBuffer().get(out);
            return out;
        }
        if (dtype.isFloatingPoint()) {
            throw new IllegalStateException("tensor '" + name + "': cannot convert " + dtype + " to long[]");
        }
        int[] ints = toIntArray();
        long[] out = new long[n];
        for (int i = 0; i < n; i++) {
            out[i] = ints[i];
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Tensor t
                && name.equals(t.name)
                && dtype == t.dtype
                && Arrays.equals(shape, t.shape)
                && Arrays.equals(data, t.data);
    }

    @Override
    public int hashCode() {
        return ((name.hashCode() * 31 + dtype.hashCode()) * 31 + Arrays.hashCode(shape)) * 31 + Arrays.hashCode(data);
    }

    /** Names the tensor, dtype and shape; never dumps the data. */
    @Override
    public String toString() {
        return "Tensor[" + name + ", " + dtype + ", " + Arrays.toString(shape) + "]";
    }

    // ---- shape helpers ----

    /**
     * @return the product of {@code shape} (1 for an empty shape)
     * @throws IllegalArgumentException on a negative dimension or overflow
     */
    static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            if (d < 0) {
                throw new IllegalArgumentException("negative dimension in shape " + Arrays.toString(shape));
            }
            n = Math.multiplyExact(n, d);
        }
        return n;
    }

    private static long[] checkShape(String name, long[] shape) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("tensor name must be non-empty");
        }
        long[] s = shape.clone();
        try {
            numel(s);
        } catch (ArithmeticException | IllegalArgumentException e) {
            throw new IllegalArgumentException("tensor '" + name + "': bad shape " + Arrays.toString(s), e);
        }
        return s;
    }

    private static void checkLength(String name, long[] shape, DType dtype, long bytes) {
        long n = numel(shape);
        long expected;
        try {
            expected = Math.multiplyExact(n, dtype.byteSize());
        } catch (ArithmeticException e) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " too large");
        }
        if (expected != bytes) {
            throw new IllegalArgumentException("tensor '" + name + "': shape " + Arrays.toString(shape) + " needs " + n
                    + " elements, got " + bytes / dtype.byteSize());
        }
        if (expected > MAX_BYTES) {
            throw new IllegalArgumentException("tensor '" + name + "': " + expected + " bytes exceeds " + MAX_BYTES);
        }
    }

    // ---- 16-bit float conversions (Float.float16ToFloat arrives only in Java 20) ----

    static float halfToFloat(short h) {
        int bits = h & 0xffff;
        int sign = (bits & 0x8000) << 16;
        int exp = (bits >>> 10) & 0x1f;
        int mant = bits & 0x3ff;
        if (exp == 0) {
            // zero or subnormal: mant * 2^-24 is exact in float
            float f = mant * 0x1p-24f;
            return sign != 0 ? -f : f;
        }
        if (exp == 31) {
            return Float.intBitsToFloat(sign | 0x7f800000 | (mant << 13));
        }
        return Float.intBitsToFloat(sign | ((exp - 15 + 127) << 23) | (mant << 13));
    }

    static short floatToHalf(float f) {
        int bits = Float.floatToRawIntBits(f);
        int sign = (bits >>> 16) & 0x8000;
        int exp = (bits >>> 23) & 0xff;
        int mant = bits & 0x7fffff;
        if (exp == 0xff) {
            // keep NaN a NaN (quiet bit set) and infinities infinite
            return (short) (sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >>> 13) : 0));
        }
        int e = exp - 127 + 15;
        if (e >= 31) {
            return (short) (sign | 0x7c00);
        }
        if (e <= 0) {
            if (e < -10) {
                return (short) sign; // below half the smallest subnormal: rounds to zero
            }
            mant |= 0x800000;
            int shift = 14 - e;
            int hm = mant >>> shift;
            int rem = mant & ((1 << shift) - 1);
            int halfway = 1 << (shift - 1);
            if (rem > halfway || (rem == halfway && (hm & 1) != 0)) {
                hm++; // may carry into the smallest normal, which is the right encoding
            }
            return (short) (sign | hm);
        }
        int h = sign | (e << 10) | (mant >>> 13);
        int rem = mant & 0x1fff;
        if (rem > 0x1000 || (rem == 0x1000 && (h & 1) != 0)) {
            h++; // a carry into the exponent (up to infinity) is the correct rounding
        }
        return (short) h;
    }

    static short floatToBf16(float f) {
        int bits = Float.floatToRawIntBits(f);
        if ((bits & 0x7fffffff) > 0x7f800000) {
            return (short) ((bits >>> 16) | 0x40); // NaN: keep it quiet rather than rounding it to infinity
        }
        int rounded = bits + 0x7fff + ((bits >>> 16) & 1); // round to nearest even
        return (short) (rounded >>> 16);
    }
}
