package adsml.scheduler.gpu;

import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR;
import static jcuda.driver.CUdevice_attribute.CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import jcuda.driver.CUdevice;
import jcuda.driver.JCudaDriver;

/**
 * Finds the CUDA devices this process can use, through the driver API. Without a GPU, a driver or JCuda's native
 * library, it finds none and says why instead of throwing: callers fall back to the CPU and tests skip with the reason.
 */
public final class CudaDevices {
    /** The kernels are PTX for compute_90 (build-ptx.sh): older devices cannot JIT-compile them. */
    static final int MIN_MAJOR = 9;
    /** cuDriverGetVersion of CUDA 13.0: PTX .version 9.0 (nvcc 13) loads on no older driver. */
    static final int MIN_DRIVER_API = 13000;

    /** One usable device. */
    public record Info(int ordinal, String name, long totalBytes, int major, int minor) {}

    /** What discovery found: the usable devices, the driver version (0 when unknown), and when there are none, why. */
    public record Discovery(List<Info> devices, int driverVersion, String reason) {
        public Discovery {
            devices = List.copyOf(devices);
        }

        public boolean found() {
            return !devices.isEmpty();
        }
    }

    private static Discovery cached;

    private CudaDevices() {}

    /** The devices found by the first call (discovery initialises the driver once per process); never throws. */
    public static synchronized Discovery discover() {
        if (cached == null) {
            cached = probe();
        }
        return cached;
    }

    private static Discovery probe() {
        try {
            JCudaDriver.setExceptionsEnabled(true);
            JCudaDriver.cuInit(0);
            int[] version = new int[1];
            JCudaDriver.cuDriverGetVersion(version);
            if (version[0] < MIN_DRIVER_API) {
                return new Discovery(
                        List.of(),
                        version[0],
                        "the CUDA driver supports API " + version[0] + "; the kernels' PTX "
                                + "(.version 9.0, from nvcc 13) needs " + MIN_DRIVER_API
                                + " or newer (a driver of the 580 line)");
            }
            int[] count = new int[1];
            JCudaDriver.cuDeviceGetCount(count);
            List<Info> usable = new ArrayList<>();
            List<String> skipped = new ArrayList<>();
            for (int i = 0; i < count[0]; i++) {
                Info info = describe(i);
                if (info.major() >= MIN_MAJOR) {
                    usable.add(info);
                } else {
                    skipped.add(info.name() + " (compute " + info.major() + "." + info.minor() + ")");
                }
            }
            String reason = usable.isEmpty()
                    ? (count[0] == 0
                            ? "the CUDA driver reports no device"
                            : "no device of compute capability " + MIN_MAJOR + ".0 or newer: "
                                    + String.join(", ", skipped))
                    : "";
            return new Discovery(usable, version[0], reason);
        } catch (LinkageError | RuntimeException e) {
            // UnsatisfiedLinkError: no libcuda.so.1 (or JCuda's library); CudaException: cuInit failed.
            String message = String.valueOf(e.getMessage()).lines().findFirst().orElse("");
            String reason = e instanceof UnsatisfiedLinkError
                    ? "no NVIDIA driver could be loaded (libcuda.so.1; JCuda: " + message + ")"
                    : e.getClass().getSimpleName() + ": " + message;
            return new Discovery(List.of(), 0, "CUDA unavailable: " + reason);
        }
    }

    private static Info describe(int ordinal) {
        CUdevice device = new CUdevice();
        JCudaDriver.cuDeviceGet(device, ordinal);
        byte[] name = new byte[256];
        JCudaDriver.cuDeviceGetName(name, name.length, device);
        int end = 0;
        while (end < name.length && name[end] != 0) {
            end++;
        }
        long[] total = new long[1];
        JCudaDriver.cuDeviceTotalMem(total, device);
        int[] major = new int[1];
        int[] minor = new int[1];
        JCudaDriver.cuDeviceGetAttribute(major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, device);
        JCudaDriver.cuDeviceGetAttribute(minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, device);
        return new Info(ordinal, new String(name, 0, end, StandardCharsets.US_ASCII), total[0], major[0], minor[0]);
    }
}
