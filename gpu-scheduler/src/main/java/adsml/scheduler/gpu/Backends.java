package adsml.scheduler.gpu;

import adsml.platform.config.SettingsReader;
import adsml.scheduler.Device;
import com.typesafe.config.Config;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.function.Function;

/**
 * Chooses the devices a server scores on: the GPUs that discovery found, with the CPU behind them as a fallback-only
 * device, or the CPU alone.
 */
public final class Backends {
    /** {@code adsml.scheduler.backend}. */
    public enum Backend {
        /** The GPUs when any answers, else the CPU. */
        AUTO,
        /** The CPU only, even on a GPU machine. */
        CPU,
        /** The GPUs, and refuse to start without one. */
        GPU;

        /** The backend named {@code name} (case-insensitive), or an error that lists the choices. */
        public static Backend named(String name) {
            try {
                return valueOf(name.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown backend '" + name + "' (known: auto, cpu, gpu)");
            }
        }

        /** Reads {@code adsml.scheduler.backend}. */
        public static Backend from(Config root) {
            return SettingsReader.of(root, "adsml.scheduler").parsed("backend", Backend::named);
        }
    }

    /** The chosen devices, GPUs first, and why they were chosen, for the start-up log. */
    public record Selection(List<Device> devices, String description) {
        public Selection {
            devices = List.copyOf(devices);
        }
    }

    private Backends() {}

    /**
     * Opens the devices for {@code backend}: {@code openGpu} for each device in {@code discovery} and {@code cpu} with
     * {@code true} to make a fallback-only CPU behind them, or with {@code false} for a CPU that takes all the work. A
     * GPU that fails to open is left out with its reason; under {@link Backend#AUTO} the CPU then serves alone.
     *
     * @throws IllegalStateException under {@link Backend#GPU} when no GPU opens, with the reasons
     */
    public static Selection select(
            Backend backend,
            CudaDevices.Discovery discovery,
            Function<CudaDevices.Info, Device> openGpu,
            Function<Boolean, Device> cpu) {
        if (backend == Backend.CPU) {
            return new Selection(List.of(cpu.apply(false)), "cpu (backend = cpu)");
        }
        List<Device> gpus = new ArrayList<>();
        List<String> problems = new ArrayList<>();
        if (!discovery.found()) {
            problems.add(discovery.reason());
        }
        for (CudaDevices.Info info : discovery.devices()) {
            try {
                gpus.add(openGpu.apply(info));
            } catch (RuntimeException e) {
                problems.add("gpu" + info.ordinal() + " (" + info.name() + "): " + e.getMessage());
            }
        }
        if (gpus.isEmpty()) {
            if (backend == Backend.GPU) {
                throw new IllegalStateException(
                        "backend = gpu, but no GPU could be used: " + String.join("; ", problems));
            }
            return new Selection(
                    List.of(cpu.apply(false)),
                    "cpu (backend = auto, no GPU: " + String.join("; ", problems)
                            + "; the adsml.scheduler.gpu settings do not apply)");
        }
        List<Device> devices = new ArrayList<>(gpus);
        devices.add(cpu.apply(true));
        String names = String.join(", ", gpus.stream().map(Device::name).toList());
        return new Selection(
                devices,
                names + " with the cpu as fallback (backend = " + backend.name().toLowerCase(Locale.ROOT) + ")"
                        + (problems.isEmpty() ? "" : "; left out: " + String.join("; ", problems)));
    }

    /** {@link #select} with the GPUs this process finds and {@link GpuDevice#open}. */
    public static Selection select(Backend backend, GpuSettings gpu, Function<Boolean, Device> cpu) {
        return select(backend, CudaDevices.discover(), info -> GpuDevice.open(info, gpu), cpu);
    }
}
