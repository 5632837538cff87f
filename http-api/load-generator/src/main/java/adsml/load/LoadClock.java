package adsml.load;

import java.util.concurrent.locks.LockSupport;

/**
 * The time a run is paced and measured by. Tests hand in a fake that moves time instead of sleeping, so the scheduler's
 * treatment of a late start can be checked exactly.
 */
interface LoadClock {
    LoadClock SYSTEM = new LoadClock() {
        @Override
        public long nanoTime() {
            return System.nanoTime();
        }

        @Override
        public void parkUntil(long deadline) throws InterruptedException {
            for (long left = deadline - System.nanoTime(); left > 0; left = deadline - System.nanoTime()) {
                LockSupport.parkNanos(left);
                if (Thread.interrupted()) {
                    throw new InterruptedException();
                }
            }
        }
    };

    /** A monotonic reading in nanoseconds, comparable only with other readings of the same clock. */
    long nanoTime();

    /** Returns once {@link #nanoTime()} has reached the deadline; at once if it already has. */
    void parkUntil(long deadline) throws InterruptedException;
}
