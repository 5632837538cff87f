package adsml.scheduler;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.model.Model;
import java.util.List;
import org.junit.jupiter.api.Test;

class LoadedVersionTest {

    @Test
    void close_closesScorersOnlyAfterTheLastReference() {
        Fixtures.FakeDevice device = new Fixtures.FakeDevice("fake0", 1);
        LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(device));
        assertEquals("tiny/1", version.id());
        version.acquire();
        version.acquire();

        version.close();
        assertTrue(version.isRetired());
        assertThrows(VersionRetiredException.class, version::acquire);
        version.release();
        assertFalse(device.scorers.get(0).closed.get());
        version.release();
        assertTrue(device.scorers.get(0).closed.get());
        assertTrue(version.isReleased());
    }

    @Test
    void load_releasesWhatItLoadedWhenOneDeviceRefuses() {
        Model model = Fixtures.tinyModel("1");
        long bytes = MemoryBudget.estimateBytes(model);
        try (CpuDevice roomy = new CpuDevice("cpu0", 1, 10 * bytes);
                CpuDevice small = new CpuDevice("cpu1", 1, bytes - 1)) {
            DeviceMemoryException e =
                    assertThrows(DeviceMemoryException.class, () -> LoadedVersion.load(model, List.of(roomy, small)));
            assertEquals("cpu1", e.device());
            assertEquals(0, roomy.usedBytes(), "the scorer loaded on cpu0 was closed again");
        }
    }

    @Test
    void load_skipsDevicesThatDoNotRunTheArchitecture() {
        Fixtures.FakeDevice gpu = new Fixtures.FakeDevice("gpu0", 1);
        gpu.runs = model -> false;
        Fixtures.FakeDevice cpu = new Fixtures.FakeDevice("cpu0", 1);
        try (LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(gpu, cpu))) {
            assertFalse(version.isLoadedOn(gpu));
            assertTrue(version.isLoadedOn(cpu));
            assertEquals(0, gpu.scorers.size());
        }
    }

    @Test
    void load_refusesWhenNoDeviceRunsTheArchitecture() {
        Fixtures.FakeDevice gpu = new Fixtures.FakeDevice("gpu0", 1);
        gpu.runs = model -> false;
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> LoadedVersion.load(Fixtures.tinyModel("1"), List.of(gpu)));
        assertEquals("no healthy device runs DCN versions: [gpu0]", e.getMessage());
    }

    @Test
    void load_leavesOutAnUnhealthyDevice_soAFailedGpuDoesNotBlockNewVersions() {
        Fixtures.FakeDevice gpu = new Fixtures.FakeDevice("gpu0", 1);
        gpu.healthy = false;
        Fixtures.FakeDevice cpu = new Fixtures.FakeDevice("cpu0", 1);
        try (LoadedVersion version = LoadedVersion.load(Fixtures.tinyModel("1"), List.of(gpu, cpu))) {
            assertFalse(version.isLoadedOn(gpu));
            assertTrue(version.isLoadedOn(cpu));
        }
        cpu.healthy = false;
        IllegalArgumentException e = assertThrows(
                IllegalArgumentException.class, () -> LoadedVersion.load(Fixtures.tinyModel("2"), List.of(gpu, cpu)));
        assertEquals("no healthy device runs DCN versions: [gpu0 (unhealthy), cpu0 (unhealthy)]", e.getMessage());
    }

    @SuppressWarnings("try") // a loaded version holds memory while it is open, which the body checks
    @Test
    void cpuDevice_countsBothVersionsDuringSwap() {
        Model v1 = Fixtures.tinyModel("1");
        Model v2 = Fixtures.tinyModel("2");
        long bytes = MemoryBudget.estimateBytes(v1);
        assertEquals(4L * (10 + 5) * 2 + 4L * (5 * 5 + 5) + 4L * (4 * 5 + 4) + 4L * (2 * 4 + 2), bytes);
        try (CpuDevice cpu = new CpuDevice("cpu0", 1, bytes * 3 / 2)) {
            LoadedVersion old = LoadedVersion.load(v1, List.of(cpu));
            assertEquals(bytes, cpu.usedBytes());
            old.acquire(); // a batch in flight on the old version

            DeviceMemoryException e =
                    assertThrows(DeviceMemoryException.class, () -> LoadedVersion.load(v2, List.of(cpu)));
            assertTrue(e.getMessage().startsWith("cpu0: loading tiny/2 needs "), e.getMessage());
            assertTrue(
                    e.getMessage().contains(" of the ") && e.getMessage().endsWith(" budget is free"), e.getMessage());
            assertEquals(bytes, e.neededBytes());
            assertEquals(bytes * 3 / 2 - bytes, e.freeBytes());

            old.close();
            assertEquals(bytes, cpu.usedBytes(), "retired but still in flight: its memory still counts");
            assertThrows(DeviceMemoryException.class, () -> LoadedVersion.load(v2, List.of(cpu)));
            old.release();
            assertEquals(0, cpu.usedBytes());
            try (LoadedVersion fresh = LoadedVersion.load(v2, List.of(cpu))) {
                assertEquals(bytes, cpu.usedBytes());
            }
            assertEquals(0, cpu.usedBytes());
        }
    }

    @Test
    void memoryBudget_formatsMegabytes() {
        DeviceMemoryException e = new DeviceMemoryException("cpu0", "ctr/3", 48L << 20, 12L << 20, 64L << 20);
        assertEquals("cpu0: loading ctr/3 needs 48 MB, 12 MB of the 64 MB budget is free", e.getMessage());
    }
}
