package adsml.scheduler.gpu;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.model.Model;
import adsml.platform.scoring.Scorer;
import adsml.scheduler.Device;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

class BackendsTest {
    private static final CudaDevices.Discovery NONE =
            new CudaDevices.Discovery(List.of(), 0, "CUDA unavailable: no libcuda.so.1");
    private static final CudaDevices.Discovery TWO = new CudaDevices.Discovery(
            List.of(
                    new CudaDevices.Info(0, "H200", 140L << 30, 9, 0),
                    new CudaDevices.Info(1, "H200", 140L << 30, 9, 0)),
            13000,
            "");

    private static final Function<CudaDevices.Info, Device> OPEN = info -> new Named("gpu" + info.ordinal(), false);
    private static final Function<Boolean, Device> CPU = fallback -> new Named("cpu0", fallback);

    @Test
    void auto_withoutAGpu_servesOnTheCpuAlone_andSaysWhy() {
        Backends.Selection s = Backends.select(Backends.Backend.AUTO, NONE, OPEN, CPU);
        assertEquals(List.of("cpu0"), names(s));
        assertFalse(s.devices().get(0).fallbackOnly());
        assertTrue(s.description().contains("no libcuda.so.1"), s.description());
    }

    @Test
    void auto_withGpus_putsThemFirst_andTheCpuBehindThemAsFallback() {
        Backends.Selection s = Backends.select(Backends.Backend.AUTO, TWO, OPEN, CPU);
        assertEquals(List.of("gpu0", "gpu1", "cpu0"), names(s));
        assertTrue(s.devices().get(2).fallbackOnly());
    }

    @Test
    void gpu_withoutAGpu_refusesToStart_withTheReason() {
        IllegalStateException e =
                assertThrows(IllegalStateException.class, () -> Backends.select(Backends.Backend.GPU, NONE, OPEN, CPU));
        assertEquals("backend = gpu, but no GPU could be used: CUDA unavailable: no libcuda.so.1", e.getMessage());
    }

    @Test
    void cpu_ignoresTheGpus() {
        assertEquals(List.of("cpu0"), names(Backends.select(Backends.Backend.CPU, TWO, OPEN, CPU)));
    }

    @Test
    void aGpuThatFailsToOpen_isLeftOutWithItsReason() {
        Function<CudaDevices.Info, Device> flaky = info -> {
            if (info.ordinal() == 1) {
                throw new GpuFailureException("CUDA_ERROR_OUT_OF_MEMORY", null);
            }
            return OPEN.apply(info);
        };
        Backends.Selection s = Backends.select(Backends.Backend.GPU, TWO, flaky, CPU);
        assertEquals(List.of("gpu0", "cpu0"), names(s));
        assertTrue(s.description().contains("gpu1 (H200): CUDA_ERROR_OUT_OF_MEMORY"), s.description());
    }

    @Test
    void backend_namedCaseInsensitively_orAnErrorListingTheChoices() {
        assertEquals(Backends.Backend.GPU, Backends.Backend.named(" GPU "));
        assertEquals(
                "unknown backend 'tpu' (known: auto, cpu, gpu)",
                assertThrows(IllegalArgumentException.class, () -> Backends.Backend.named("tpu"))
                        .getMessage());
    }

    private static List<String> names(Backends.Selection s) {
        return s.devices().stream().map(Device::name).toList();
    }

    private record Named(String name, boolean fallbackOnly) implements Device {
        @Override
        public int workers() {
            return 1;
        }

        @Override
        public long memoryBudgetBytes() {
            return 0;
        }

        @Override
        public Scorer load(Model model) {
            throw new UnsupportedOperationException();
        }

        @Override
        public boolean healthy() {
            return true;
        }

        @Override
        public void close() {}
    }
}
