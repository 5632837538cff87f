package adsml.scheduler.gpu;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class CudaDevicesTest {

    @Test
    void discover_neverThrows_andSaysWhyWhenItFindsNothing() {
        CudaDevices.Discovery discovery = CudaDevices.discover();
        if (discovery.found()) {
            for (CudaDevices.Info info : discovery.devices()) {
                assertTrue(info.major() >= CudaDevices.MIN_MAJOR, info.toString());
                assertTrue(info.totalBytes() > 0, info.toString());
            }
        } else {
            assertFalse(discovery.reason().isBlank(), "no device and no reason");
        }
    }
}
