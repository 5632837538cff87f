package adsml.platform.index.ann;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class TopKTest {
    @Test
    void keepsTheBest_bestFirst_tiesToTheLowerId_NaNLast() {
        TopK top = new TopK();
        top.reset(3);
        float[] scores = {0.5f, Float.NaN, 0.9f, 0.5f, 0.1f, 0.9f, -2f};
        for (int id = 0; id < scores.length; id++) {
            if (top.admits(scores[id], id)) {
                top.offer(scores[id], id);
            }
        }
        int[] out = new int[3];
        assertEquals(3, top.drainBestFirst(out));
        assertArrayEquals(new int[] {2, 5, 0}, out);
    }

    @Test
    void aNaNScore_ranksBelowEveryNumber() {
        TopK top = new TopK();
        top.reset(3);
        top.offer(Float.NaN, 0);
        top.offer(-1e30f, 1);
        top.offer(0f, 2);
        int[] out = new int[3];
        top.drainBestFirst(out);
        assertArrayEquals(new int[] {2, 1, 0}, out);
    }

    @Test
    void manyMoreThanTheBuffer_keepsExactlyTheBest() {
        TopK top = new TopK();
        top.reset(10);
        for (int id = 0; id < 10_000; id++) {
            float score = (id * 7919) % 10_007;
            if (top.admits(score, id)) {
                top.offer(score, id);
            }
        }
        int[] out = new int[10];
        top.drainBestFirst(out);
        for (int i = 0; i < 10; i++) {
            assertEquals(10_006 - i, (out[i] * 7919) % 10_007);
        }
    }
}
