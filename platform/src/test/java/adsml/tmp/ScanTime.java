package adsml.tmp;
import adsml.platform.index.*;
import adsml.platform.world.*;
import java.time.Clock;
import org.junit.jupiter.api.Test;
class ScanTime {
    static volatile boolean stop;
    static volatile long sinkT;
    @Test void time() throws Exception {
        World world = WorldGenerator.generate(new WorldConfig(7, 100000, 1_000, 0, 0), ProgressListener.NONE);
        ExactAdIndex index = ExactAdIndex.of(world, new BudgetTracker(Clock.systemUTC()));
        int[] out = new int[1000];
        long sink = 0;
        boolean thrash = true; System.out.println("thrash " + thrash);
        Thread t = new Thread(() -> {
            long[] big = new long[8 << 20]; // 64 MB
            long s = 0; int i = 0;
            java.util.SplittableRandom r = new java.util.SplittableRandom(1);
            while (!stop) { for (int k = 0; k < big.length; k += 8) { big[k] += s; s += big[(k * 31) & (big.length - 1)]; } }
            sinkT = s;
        });
        if (thrash) t.start();
        for (int rep = 0; rep < 8; rep++) {
            long t0 = System.nanoTime();
            int n = 4000;
            for (int i = 0; i < n; i++) sink += index.retrieve(world.user(i % 1000), new Context(0, 12, 0), 1000, out) + out[7];
            long t1 = System.nanoTime();
            System.out.printf("rep %d: %.1f us/retrieval%n", rep, (t1 - t0) / 1e3 / n);
        }
        stop = true; if (thrash) t.join();
        System.out.println(sink);
    }
}
