package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.entity;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.put;
import static org.apache.pekko.http.javadsl.server.Directives.withSizeLimit;

import adsml.actors.models.ActiveModel;
import adsml.actors.models.ModelRegistry;
import adsml.actors.models.RegistryRefusal;
import adsml.actors.models.VersionInfo;
import adsml.platform.model.ModelFolder;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.SchedulerSettings;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCode;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller;

/**
 * The models and scheduler part of the admin API, relative to {@code /admin/api} ({@link HttpApi} puts
 * them there, behind the admin token).
 * <ul>
 *   <li>{@code GET /admin/api/models}: every version the registry knows, its state, when, and its validation
 *   or failure; and {@code onDisk}, the versions the models folder holds, loaded or not</li>
 *   <li>{@code POST /admin/api/models/{name}/{version}/load}, {@code .../activate}, {@code POST /admin/api/models/rollback}</li>
 *   <li>{@code GET /admin/api/scheduler}: knobs and counters; {@code PUT} changes knobs at run time</li>
 * </ul>
 * Versions load only from the models folder (the registry refuses names that could leave it).
 */
public final class AdminRoutes {

    private final ActorRef<ModelRegistry.Command> registry;
    private final ActiveModel model;
    private final BatchingScheduler scheduler;
    private final Scheduler actorScheduler;
    private final HttpSettings settings;
    private final int maxCandidates;
    private final Path modelsRoot;
    private final Executor blocking;

    /**
     * @param maxCandidates rows one rank request may bring: the queue must hold at least that many
     * @param modelsRoot    the models folder, listed for the versions that could be loaded
     * @param blocking      where that listing runs (it reads the disk), and where the registry's answers become
     *                      responses (not the ask's own executor: see {@link RankRoutes}'s constructor)
     */
    public AdminRoutes(ActorRef<ModelRegistry.Command> registry, ActiveModel model, BatchingScheduler scheduler,
                       Scheduler actorScheduler, HttpSettings settings, int maxCandidates, Path modelsRoot,
                       Executor blocking) {
        this.maxCandidates = maxCandidates;
        this.modelsRoot = modelsRoot;
        this.blocking = blocking;
        this.registry = registry;
        this.model = model;
        this.scheduler = scheduler;
        this.actorScheduler = actorScheduler;
        this.settings = settings;
    }

    public Route routes() {
        return concat(
                pathPrefix("models", () -> concat(
                        pathEnd(() -> get(() -> completeWithFuture(listModels()))),
                        path("rollback", () -> post(() -> completeWithFuture(versionReply(
                                AskPattern.askWithStatus(registry, ModelRegistry.Rollback::new, settings.adminTimeout(),
                                        actorScheduler))))),
                        path(PathMatchers.segment().slash(PathMatchers.segment()).slash("load"), (name, version) ->
                                post(() -> completeWithFuture(versionReply(AskPattern.askWithStatus(registry,
                                        replyTo -> new ModelRegistry.Load(name, version, replyTo), settings.modelLoadTimeout(),
                                        actorScheduler))))),
                        path(PathMatchers.segment().slash(PathMatchers.segment()).slash("activate"), (name, version) ->
                                post(() -> completeWithFuture(versionReply(AskPattern.askWithStatus(registry,
                                        replyTo -> new ModelRegistry.Activate(name, version, replyTo), settings.adminTimeout(),
                                        actorScheduler))))))),
                path("scheduler", () -> concat(
                        get(() -> complete(JsonResponses.ok(schedulerJson()))),
                        put(() -> JsonBody.of(settings.maxBodyBytes(), body -> complete(updateScheduler(body)))))));
    }

    private CompletionStage<HttpResponse> listModels() {
        CompletionStage<List<VersionInfo>> versions = AskPattern.ask(registry, ModelRegistry.ListVersions::new,
                settings.adminTimeout(), actorScheduler);
        CompletionStage<Map<String, List<String>>> onDisk = CompletableFuture.supplyAsync(
                () -> ModelFolder.versionsByName(modelsRoot), blocking);
        return versions.thenCombineAsync(onDisk, (list, folders) -> {
            Map<String, Object> body = new LinkedHashMap<>();
            body.put("active", model.current().map(v -> (Object) v.id()).orElse(null));
            body.put("versions", list);
            body.put("onDisk", folders);
            return JsonResponses.ok(body);
        }, blocking);
    }

    private CompletionStage<HttpResponse> versionReply(CompletionStage<VersionInfo> reply) {
        return reply.handleAsync((info, failure) -> failure == null ? JsonResponses.ok(info) : ErrorMapping.toResponse(failure),
                blocking);
    }

    private Map<String, Object> schedulerJson() {
        SchedulerSettings s = scheduler.settings();
        Map<String, Object> knobs = new LinkedHashMap<>();
        knobs.put("maxBatchRows", s.maxBatchRows());
        knobs.put("maxQueueDelayMs", s.maxQueueDelay().toNanos() / 1e6);
        knobs.put("maxQueuedRows", s.maxQueuedRows());
        knobs.put("serviceTimeSafety", s.serviceTimeSafety());
        return Map.of("settings", knobs, "stats", scheduler.stats());
    }

    private HttpResponse updateScheduler(byte[] body) {
        JsonNode root = JsonResponses.readObject(body);
        SchedulerSettings s = scheduler.settings();
        try {
            if (root.has("maxBatchRows")) {
                s = s.withMaxBatchRows(intField(root, "maxBatchRows"));
            }
            if (root.has("maxQueueDelayMs")) {
                s = s.withMaxQueueDelay(Duration.ofNanos((long) (number(root, "maxQueueDelayMs") * 1e6)));
            }
            if (root.has("maxQueuedRows")) {
                int rows = intField(root, "maxQueuedRows");
                if (rows < maxCandidates) {
                    throw new BadRequestException("maxQueuedRows: must be at least " + maxCandidates
                            + " (one rank request's candidates), was " + rows);
                }
                s = s.withMaxQueuedRows(rows);
            }
            if (root.has("serviceTimeSafety")) {
                s = s.withServiceTimeSafety(number(root, "serviceTimeSafety"));
            }
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(e.getMessage());
        }
        scheduler.updateSettings(s);
        return JsonResponses.ok(schedulerJson());
    }

    private static int intField(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (!v.isIntegralNumber() || !v.canConvertToInt()) {
            throw new BadRequestException(field + ": expected an integer");
        }
        return v.asInt();
    }

    private static double number(JsonNode root, String field) {
        JsonNode v = root.get(field);
        if (!v.isNumber() || !Double.isFinite(v.asDouble())) {
            throw new BadRequestException(field + ": expected a number");
        }
        return v.asDouble();
    }
}
