package adsml.scheduler.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** The host encodings of an embedding table: what the device is sent, and what dcn.cu's gathers read back from it. */
class EmbeddingTableTest {

    @Test
    void fp32_readsTheValuesAsTheyAre() {
        float[] values = {1.5f, -0f, Float.NaN, 3e-40f};
        EmbeddingTable t = EmbeddingTable.encode(EmbeddingStorage.FP32, values, 2, 2);
        assertEquals(Float.floatToRawIntBits(-0f), Float.floatToRawIntBits(t.value(0, 1)));
        assertTrue(Float.isNaN(t.value(1, 0)));
        assertEquals(3e-40f, t.value(1, 1));
        assertEquals(16, t.valueBytes());
    }

    /** Value i is the low half of word i / 2 when i is even: the order a little-endian device reads shorts in. */
    @Test
    void bf16_packsTwoValuesAWord_lowHalfFirst() {
        EmbeddingTable.Bf16 t =
                (EmbeddingTable.Bf16) EmbeddingTable.encode(EmbeddingStorage.BF16, new float[] {1f, -2f, 0.5f}, 1, 3);
        assertEquals(0xC0003F80, t.words()[0]);
        assertEquals(0x00003F00, t.words()[1]);
        assertEquals(8, t.valueBytes());
        assertEquals(-2f, t.value(0, 1));
        assertEquals(0.5f, t.value(0, 2));
    }

    @Test
    void bf16_roundsToNearest_tiesToEven_andKeepsNaNAndInfinity() {
        float ulp = 0x1p-7f; // BF16's spacing just above 1
        float[] values = {
            1 + ulp / 2, // a tie, to the even 1
            1 + 3 * ulp / 2, // a tie, to the even 1 + 2 ulp
            1 + ulp / 2 + 0x1p-20f, // past the tie: up
            Float.NaN,
            Float.NEGATIVE_INFINITY,
            Float.MAX_VALUE // past BF16's largest: infinity, as round-to-nearest gives
        };
        EmbeddingTable t = EmbeddingTable.encode(EmbeddingStorage.BF16, values, 1, values.length);
        assertEquals(1f, t.value(0, 0));
        assertEquals(1 + 2 * ulp, t.value(0, 1));
        assertEquals(1 + ulp, t.value(0, 2));
        assertTrue(Float.isNaN(t.value(0, 3)));
        assertEquals(Float.NEGATIVE_INFINITY, t.value(0, 4));
        assertEquals(Float.POSITIVE_INFINITY, t.value(0, 5));
    }

    /** 8 significant bits: half a step is at most 2^-8 of the value. */
    @Test
    void bf16_relativeErrorIsAtMostHalfAStep() {
        Random random = new Random(3);
        float[] values = new float[10_000];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * Math.pow(10, random.nextInt(9) - 4));
        }
        EmbeddingTable t = EmbeddingTable.encode(EmbeddingStorage.BF16, values, 100, 100);
        for (int i = 0; i < values.length; i++) {
            float v = t.value(i / 100, i % 100);
            assertTrue(Math.abs(v - values[i]) <= Math.abs(values[i]) * 0x1p-8, values[i] + " read as " + v);
        }
    }

    /** Value i is byte i % 4 of word i / 4; each row has its own scale, max |v| / 127. */
    @Test
    void int8_packsFourValuesAWord_withAScalePerRow() {
        EmbeddingTable.Int8 t = (EmbeddingTable.Int8)
                EmbeddingTable.encode(EmbeddingStorage.INT8, new float[] {127, -127, 0, 1, 0.5f, 0, 0, 0}, 2, 4);
        assertEquals(0x01_00_81_7F, t.words()[0]);
        assertEquals(1f, t.scales()[0]);
        assertEquals(0.5f / 127, t.scales()[1]);
        assertEquals(0x00_00_00_7F, t.words()[1]);
        assertEquals(-127f, t.value(0, 1));
        assertEquals(1f, t.value(0, 3));
        assertEquals(127 * (0.5f / 127), t.value(1, 0));
        assertEquals(8, t.valueBytes());
    }

    @Test
    void int8_errorIsAtMostHalfAStep_ofItsRowsScale() {
        Random random = new Random(5);
        int rows = 200;
        int dim = 16;
        float[] values = new float[rows * dim];
        for (int i = 0; i < values.length; i++) {
            values[i] = (float) (random.nextGaussian() * (1 + i / dim)); // rows of different sizes
        }
        EmbeddingTable.Int8 t = (EmbeddingTable.Int8) EmbeddingTable.encode(EmbeddingStorage.INT8, values, rows, dim);
        for (int r = 0; r < rows; r++) {
            float step = t.scales()[r];
            for (int c = 0; c < dim; c++) {
                float v = t.value(r, c);
                float x = values[r * dim + c];
                assertTrue(Math.abs(v - x) <= step / 2 * 1.0001f, "row " + r + ": " + x + " read as " + v);
            }
        }
    }

    @Test
    void int8_aZeroRowReadsZero_aRowWithANaNOrInfinityReadsNaN() {
        float[] values = {0, 0, 1, Float.NaN, Float.POSITIVE_INFINITY, 2};
        EmbeddingTable t = EmbeddingTable.encode(EmbeddingStorage.INT8, values, 3, 2);
        assertEquals(0f, t.value(0, 0));
        assertEquals(0f, t.value(0, 1));
        assertTrue(Float.isNaN(t.value(1, 0)) && Float.isNaN(t.value(1, 1)));
        assertTrue(Float.isNaN(t.value(2, 0)) && Float.isNaN(t.value(2, 1)));
    }

    @Test
    void encode_refusesATableOfAnotherSize() {
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> EmbeddingTable.encode(EmbeddingStorage.INT8, new float[7], 2, 4));
        assertTrue(e.getMessage().contains("7 values, 2 x 4 expected"), e.getMessage());
    }
}
