package adsml.scheduler;

import com.sun.jna.Library;
import com.sun.jna.Native;
import com.sun.jna.Platform;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Lowers the calling thread's CPU priority: its Linux nice value, which on Linux belongs to each thread. Any thread may
 * lower its own priority without privileges. Elsewhere, or when the call fails, the thread keeps its priority and the
 * reason is logged once per thread.
 *
 * <p>Why: the CPU scoring threads keep every core busy under overload, and the few threads that answer HTTP, refusals
 * and health probes included, would wait behind them for a time slice; below them in priority, the HTTP threads take a
 * core as soon as they have work. Measured on 2 cores at 2,000 QPS open loop: the 503s' p99 went from 7.0 to 4.2 ms
 * with the scoring threads at nice 10, at the same goodput (docs/perf-log.md). The cost, and why it is off by default
 * ({@code adsml.scheduler.cpu.worker-nice = 0}): at nice 10 scoring also yields to the JIT's compilers, the collector
 * and every background thread, and at full load its batches stalled past their deadlines.
 */
final class ThreadPriority {
    private static final Logger LOG = LoggerFactory.getLogger(ThreadPriority.class);
    private static final int PRIO_PROCESS = 0;
    /** gettid's system call number on Linux x86-64; aarch64 numbers it 178. */
    private static final long SYS_GETTID_X86_64 = 186;

    private static final long SYS_GETTID_AARCH64 = 178;

    private interface C extends Library {
        long syscall(long number);

        int setpriority(int which, int who, int priority);
    }

    private ThreadPriority() {}

    /** Sets the calling thread's nice value to {@code nice} (0 leaves it alone). */
    static void lowerCurrentThread(int nice) {
        if (nice == 0) {
            return;
        }
        String thread = Thread.currentThread().getName();
        if (!Platform.isLinux() || !(Platform.isIntel() || Platform.isARM()) || !Platform.is64Bit()) {
            LOG.info("{} keeps its priority: per-thread nice values are Linux's (x86-64, aarch64)", thread);
            return;
        }
        try {
            C c = Native.load("c", C.class);
            int tid = (int) c.syscall(Platform.isARM() ? SYS_GETTID_AARCH64 : SYS_GETTID_X86_64);
            if (c.setpriority(PRIO_PROCESS, tid, nice) != 0) {
                LOG.warn(
                        "{} keeps its priority: setpriority({}) failed with errno {}",
                        thread,
                        nice,
                        Native.getLastError());
            }
        } catch (UnsatisfiedLinkError | RuntimeException e) {
            LOG.warn("{} keeps its priority: {}", thread, e.toString());
        }
    }
}
