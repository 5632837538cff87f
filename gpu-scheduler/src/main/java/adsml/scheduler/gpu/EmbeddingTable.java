package adsml.scheduler.gpu;

/**
 * An embedding table encoded on the host as the GPU keeps it ({@link EmbeddingStorage}): row-major {@code rows x dim}
 * values, in words copied to the device as they are (little-endian, so value {@code i} of a 16-bit table is the low
 * half of word {@code i / 2} when {@code i} is even). {@link #value} is what dcn.cu's gather reads: the CPU twin's
 * source of truth.
 */
sealed interface EmbeddingTable {

    /** Value {@code column} of row {@code row}, widened to fp32. */
    float value(int row, int column);

    /** Bytes of the values on the device, a multiple of 4. */
    long valueBytes();

    /** Encodes {@code rows x dim} row-major {@code values}. */
    static EmbeddingTable encode(EmbeddingStorage storage, float[] values, int rows, int dim) {
        if ((long) rows * dim != values.length) {
            throw new IllegalArgumentException(
                    "the embedding table has " + values.length + " values, " + rows + " x " + dim + " expected");
        }
        return switch (storage) {
            case FP32 -> new Fp32(values, dim);
            case BF16 -> Bf16.of(values, dim);
            case INT8 -> Int8.of(values, rows, dim);
        };
    }

    record Fp32(float[] values, int dim) implements EmbeddingTable {
        @Override
        public float value(int row, int column) {
            return values[row * dim + column];
        }

        @Override
        public long valueBytes() {
            return (long) values.length * Float.BYTES;
        }
    }

    record Bf16(int[] words, int dim) implements EmbeddingTable {
        static Bf16 of(float[] values, int dim) {
            int[] words = new int[(values.length + 1) / 2];
            for (int i = 0; i < values.length; i++) {
                words[i / 2] |= bf16(values[i]) << (16 * (i % 2));
            }
            return new Bf16(words, dim);
        }

        /** The upper 16 bits of {@code v} rounded to nearest, ties to even; a NaN stays a (quiet) NaN. */
        static int bf16(float v) {
            if (Float.isNaN(v)) {
                return 0x7FC0;
            }
            int bits = Float.floatToRawIntBits(v);
            return ((bits + 0x7FFF + ((bits >>> 16) & 1)) >>> 16) & 0xFFFF;
        }

        @Override
        public float value(int row, int column) {
            int i = row * dim + column;
            return Float.intBitsToFloat(((words[i / 2] >>> (16 * (i % 2))) & 0xFFFF) << 16);
        }

        @Override
        public long valueBytes() {
            return (long) words.length * Integer.BYTES;
        }
    }

    record Int8(int[] words, float[] scales, int dim) implements EmbeddingTable {
        static Int8 of(float[] values, int rows, int dim) {
            int[] words = new int[(values.length + 3) / 4];
            float[] scales = new float[rows];
            for (int r = 0; r < rows; r++) {
                float max = 0;
                for (int c = 0; c < dim; c++) {
                    max = Math.max(max, Math.abs(values[r * dim + c])); // NaN stays NaN
                }
                float scale = Float.isFinite(max) ? max / 127 : Float.NaN;
                scales[r] = scale;
                for (int c = 0; c < dim; c++) {
                    int i = r * dim + c;
                    int q = scale > 0 ? (int) Math.max(-127, Math.min(127, Math.rint(values[i] / scale))) : 0;
                    words[i / 4] |= (q & 0xFF) << (8 * (i % 4));
                }
            }
            return new Int8(words, scales, dim);
        }

        @Override
        public float value(int row, int column) {
            int i = row * dim + column;
            byte q = (byte) (words[i / 4] >>> (8 * (i % 4)));
            return q * scales[row];
        }

        @Override
        public long valueBytes() {
            return (long) words.length * Integer.BYTES;
        }
    }
}
