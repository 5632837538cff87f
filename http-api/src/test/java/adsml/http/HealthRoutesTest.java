package adsml.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import adsml.platform.model.DcnWeights;
import adsml.platform.model.Model;
import adsml.platform.model.ModelPreset;
import adsml.platform.model.ModelSpec;
import adsml.scheduler.CpuDevice;
import adsml.scheduler.LoadedVersion;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.junit.jupiter.api.Test;

class HealthRoutesTest {

    private static String body(HttpResponse response) {
        return ((HttpEntity.Strict) response.entity()).getData().decodeString(StandardCharsets.UTF_8);
    }

    private static LoadedVersion versionOn(CpuDevice device) {
        ModelSpec spec = ModelPreset.DEMO.spec("ctr", "3");
        return LoadedVersion.load(new Model.Dcn(spec, DcnWeights.random(spec, 1)), List.of(device));
    }

    @Test
    void ready_withAHealthyDevice_namesTheVersionAndEveryDevice() throws Exception {
        try (CpuDevice cpu = new CpuDevice("cpu0", 1, 1L << 30);
                LoadedVersion version = versionOn(cpu)) {
            HttpResponse r =
                    HealthRoutes.ready(Optional.empty(), Optional.of(version), Map.of("cpu0", true, "gpu0", false));
            assertEquals(200, r.status().intValue());
            JsonNode json = JsonResponses.JSON.readTree(body(r));
            assertEquals("ready", json.path("status").asText());
            assertEquals("ctr/3", json.path("modelVersion").asText());
            assertEquals("healthy", json.path("devices").path("cpu0").asText());
            assertEquals("unhealthy", json.path("devices").path("gpu0").asText());
        }
    }

    @Test
    void ready_whenNoDeviceOfTheVersionIsHealthy_is503WithTheReason() {
        try (CpuDevice cpu = new CpuDevice("cpu0", 1, 1L << 30);
                LoadedVersion version = versionOn(cpu)) {
            HttpResponse r = HealthRoutes.ready(Optional.empty(), Optional.of(version), Map.of("cpu0", false));
            assertEquals(503, r.status().intValue());
            assertTrue(body(r).contains("no healthy device can score ctr/3"), body(r));
        }
    }

    @Test
    void ready_withoutAnActiveVersion_is503() {
        HttpResponse r = HealthRoutes.ready(Optional.empty(), Optional.empty(), Map.of("cpu0", true));
        assertEquals(503, r.status().intValue());
        assertTrue(body(r).contains("no model version is active yet"), body(r));
    }

    @Test
    void ready_whileTheEventLogCannotWrite_is503NamingWhy() throws Exception {
        try (CpuDevice cpu = new CpuDevice("cpu0", 1, 1L << 30);
                LoadedVersion version = versionOn(cpu)) {
            HttpResponse r = HealthRoutes.ready(
                    Optional.of("the event log cannot write: writing failed (No space left on device)"),
                    Optional.of(version),
                    Map.of("cpu0", true));
            assertEquals(503, r.status().intValue());
            assertTrue(body(r).contains("No space left on device"), body(r));
        }
    }
}
