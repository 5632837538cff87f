package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;

import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.Device;
import adsml.scheduler.gpu.GpuDevice;
import adsml.scheduler.gpu.GpuFault;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The scoring devices, relative to {@code /admin/api}: {@code GET devices} (each device, whether it takes work now,
 * whether it is healthy, and the fault drills it accepts) and {@code POST devices/{name}/fault-drill} with
 * {@code {"fault": "launch" | "trap"}}, which makes the device's next batch fail as {@link GpuFault} says: the batch is
 * scored by the CPU behind the GPU, the GPU is quarantined and returns after it recovers and passes a probe, and
 * {@code GET devices} shows each step. 404 for no such device, 409 for a device without drills (the CPU) or one that
 * takes no work now, 400 for a body that names no known fault.
 */
public final class DeviceRoutes {
    /** One device: {@code takesWork} is the scheduler's view (healthy and not quarantined). */
    public record DeviceView(
            String name, boolean takesWork, boolean healthy, boolean fallbackOnly, List<String> faultDrills) {}

    public record DeviceList(List<DeviceView> devices) {}

    /** The answer to a drill: armed, to fail the next batch on the device. */
    public record DrillArmed(String device, String fault, String detail) {}

    private static final List<String> FAULTS = Arrays.stream(GpuFault.values())
            .map(f -> f.name().toLowerCase(Locale.ROOT))
            .toList();

    private final List<Device> devices;
    private final BatchingScheduler scheduler;
    private final long maxBodyBytes;

    public DeviceRoutes(List<Device> devices, BatchingScheduler scheduler, long maxBodyBytes) {
        this.devices = List.copyOf(devices);
        this.scheduler = scheduler;
        this.maxBodyBytes = maxBodyBytes;
    }

    public Route routes() {
        return pathPrefix(
                "devices",
                () -> concat(
                        pathEnd(() -> get(() -> complete(JsonResponses.ok(list())))),
                        path(
                                PathMatchers.segment().slash("fault-drill"),
                                name -> post(() -> JsonBody.of(maxBodyBytes, body -> complete(drill(name, body)))))));
    }

    private DeviceList list() {
        Map<String, Boolean> takesWork = scheduler.stats().deviceHealth();
        return new DeviceList(devices.stream()
                .map(d -> new DeviceView(
                        d.name(),
                        takesWork.getOrDefault(d.name(), false),
                        d.healthy(),
                        d.fallbackOnly(),
                        d instanceof GpuDevice ? FAULTS : List.of()))
                .toList());
    }

    private HttpResponse drill(String name, byte[] body) {
        Device device =
                devices.stream().filter(d -> d.name().equals(name)).findFirst().orElse(null);
        if (device == null) {
            return JsonResponses.error(
                    StatusCodes.NOT_FOUND,
                    "no device '" + JsonResponses.printable(name) + "'; devices: "
                            + devices.stream().map(Device::name).toList());
        }
        if (!(device instanceof GpuDevice gpu)) {
            return JsonResponses.error(
                    StatusCodes.CONFLICT, name + " has no fault drills: they fail a GPU's batch onto the CPU");
        }
        GpuFault fault = fault(JsonResponses.readObject(body));
        if (!scheduler.stats().deviceHealth().getOrDefault(name, false)) {
            // A drill on a quarantined GPU would fail its probe, not a batch of work.
            return JsonResponses.error(
                    StatusCodes.CONFLICT,
                    name + " takes no work now (quarantined or unhealthy): drill it once it does");
        }
        gpu.injectFault(fault);
        return JsonResponses.json(
                StatusCodes.ACCEPTED,
                new DrillArmed(
                        name,
                        fault.name().toLowerCase(Locale.ROOT),
                        "the next batch on " + name + " fails and is scored elsewhere; GET /admin/api/devices shows "
                                + name + " quarantined, then back once it recovers and passes a probe"));
    }

    private static GpuFault fault(JsonNode root) {
        JsonNode fault = root.get("fault");
        if (fault == null || !fault.isTextual() || !FAULTS.contains(fault.asText())) {
            throw new BadRequestException("fault: one of " + FAULTS);
        }
        return GpuFault.valueOf(fault.asText().toUpperCase(Locale.ROOT));
    }
}
