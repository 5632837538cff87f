package adsml.http;

import static org.apache.pekko.http.javadsl.server.Directives.complete;
import static org.apache.pekko.http.javadsl.server.Directives.completeWithFuture;
import static org.apache.pekko.http.javadsl.server.Directives.concat;
import static org.apache.pekko.http.javadsl.server.Directives.delete;
import static org.apache.pekko.http.javadsl.server.Directives.get;
import static org.apache.pekko.http.javadsl.server.Directives.parameterOptional;
import static org.apache.pekko.http.javadsl.server.Directives.path;
import static org.apache.pekko.http.javadsl.server.Directives.pathEnd;
import static org.apache.pekko.http.javadsl.server.Directives.pathPrefix;
import static org.apache.pekko.http.javadsl.server.Directives.post;
import static org.apache.pekko.http.javadsl.server.Directives.put;

import adsml.actors.cluster.ClusterRollout;
import adsml.actors.models.ActiveModel;
import adsml.actors.models.ModelRegistry;
import adsml.actors.models.VersionInfo;
import adsml.actors.models.VersionState;
import adsml.platform.model.ModelFolder;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.SchedulerSettings;
import adsml.scheduler.SchedulerStats;
import com.fasterxml.jackson.databind.JsonNode;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.function.Supplier;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.PathMatchers;
import org.apache.pekko.http.javadsl.server.Route;

/**
 * The models and scheduler part of the admin API, relative to {@code /admin/api} ({@link HttpApi} puts them there,
 * behind the admin token).
 *
 * <ul>
 *   <li>{@code GET /admin/api/models}: every version the registry knows, its state, when, and its validation or
 *       failure; and {@code onDisk}, the versions the models folder holds, loaded or not
 *   <li>{@code POST /admin/api/models/{name}/{version}/load}, {@code .../activate}, {@code POST
 *       /admin/api/models/rollback}
 *   <li>{@code POST /admin/api/models/{name}/{version}/canary?share=0.2}: a READY version scores that share of the
 *       users (by the hash of their id) beside the active one; {@code DELETE /admin/api/models/canary} ends it
 *   <li>{@code POST /admin/api/models/{name}/{version}/shadow}: a READY version scores every request's rows again after
 *       the live scores, as shadow work, its scores only compared; {@code DELETE /admin/api/models/shadow} ends it
 *   <li>{@code GET /admin/api/scheduler}: knobs and counters; {@code PUT} changes knobs at run time
 *   <li>{@code GET /admin/api/loop}: the rounds of the learning loop running in this process, if one is
 * </ul>
 *
 * Versions load only from the models folder (the registry refuses names that could leave it).
 */
public final class AdminRoutes {
    /**
     * {@code GET models}: {@code active} is the version serving now ({@code <name>/<version>}, null before the first
     * activation), {@code versions} every version the registry knows, {@code onDisk} the version folders of each model
     * name, loaded or not; {@code live} the figures of every version that served since start, by id, the recent ones
     * over the last {@code liveWindowMinutes}, and {@code unattributedEvents} the events that named no ad a version was
     * remembered to have shown; {@code shadow} the version scoring in shadow now (null if none), {@code shadowFigures}
     * every version that ran in shadow since start, compared with the live versions on the same rows.
     */
    public record ModelList(
            String active,
            CanaryView canary,
            ShadowView shadow,
            List<VersionInfo> versions,
            Map<String, List<String>> onDisk,
            Map<String, VersionFigures.Live> live,
            Map<String, ShadowFigures.Figures> shadowFigures,
            long liveWindowMinutes,
            long unattributedEvents) {}

    /** The version serving a share of the users beside the active one, since when (null if the registry forgot). */
    public record CanaryView(String version, double share, Instant since) {}

    /** The version scoring in shadow, since when (null if the registry forgot). */
    public record ShadowView(String version, Instant since) {}

    /** {@code GET loop}: the learning loop's rounds, oldest first; empty when no loop runs in this process. */
    public record LoopView(List<LoopRounds.Round> rounds) {}

    /** {@code GET scheduler}, and the answer to {@code PUT}: the knobs now, and the scheduler's counters. */
    public record SchedulerView(Knobs settings, SchedulerStats stats) {}

    /** The scheduler's knobs as the API names them: the delay in fractional milliseconds. */
    public record Knobs(int maxBatchRows, double maxQueueDelayMs, int maxQueuedRows, double serviceTimeSafety) {
        static Knobs of(SchedulerSettings s) {
            return new Knobs(
                    s.maxBatchRows(), s.maxQueueDelay().toNanos() / 1e6, s.maxQueuedRows(), s.serviceTimeSafety());
        }
    }

    /**
     * A {@code PUT scheduler} body, validated: the knobs it names, null for those it leaves as they are. A field
     * present with null, of the wrong type or out of bounds is a 400 naming it, and so is a field that is not a knob (a
     * misspelt knob would otherwise answer 200 and change nothing).
     */
    public record SchedulerUpdate(
            Integer maxBatchRows, Double maxQueueDelayMs, Integer maxQueuedRows, Double serviceTimeSafety) {
        private static final SchedulerSettings VALID = SchedulerSettings.defaults();
        private static final List<String> KNOBS =
                List.of("maxBatchRows", "maxQueueDelayMs", "maxQueuedRows", "serviceTimeSafety");

        /**
         * Reads the knobs of {@code root}, a JSON object, in this order, each checked as it is read (so the first bad
         * one is the one named): its type, then {@link SchedulerSettings}' bounds for it.
         *
         * @param minQueuedRows the least {@code maxQueuedRows} may be: one rank request's candidates
         */
        static SchedulerUpdate from(JsonNode root, int minQueuedRows) {
            JsonResponses.onlyFields(root, "", KNOBS);
            Integer batchRows = null;
            Double delayMs = null;
            Integer queuedRows = null;
            Double safety = null;
            if (root.has("maxBatchRows")) {
                int rows = intField(root, "maxBatchRows");
                batchRows = bounded(() -> VALID.withMaxBatchRows(rows), rows);
            }
            if (root.has("maxQueueDelayMs")) {
                double ms = number(root, "maxQueueDelayMs");
                delayMs = bounded(() -> VALID.withMaxQueueDelay(delay(ms)), ms);
            }
            if (root.has("maxQueuedRows")) {
                int rows = intField(root, "maxQueuedRows");
                if (rows < minQueuedRows) {
                    throw new BadRequestException("maxQueuedRows: must be at least " + minQueuedRows
                            + " (one rank request's candidates), was " + rows);
                }
                queuedRows = bounded(() -> VALID.withMaxQueuedRows(rows), rows);
            }
            if (root.has("serviceTimeSafety")) {
                double factor = number(root, "serviceTimeSafety");
                safety = bounded(() -> VALID.withServiceTimeSafety(factor), factor);
            }
            return new SchedulerUpdate(batchRows, delayMs, queuedRows, safety);
        }

        /** {@code current} with the knobs this update names. */
        SchedulerSettings applyTo(SchedulerSettings current) {
            SchedulerSettings s = current;
            if (maxBatchRows != null) {
                s = s.withMaxBatchRows(maxBatchRows);
            }
            if (maxQueueDelayMs != null) {
                s = s.withMaxQueueDelay(delay(maxQueueDelayMs));
            }
            if (maxQueuedRows != null) {
                s = s.withMaxQueuedRows(maxQueuedRows);
            }
            if (serviceTimeSafety != null) {
                s = s.withServiceTimeSafety(serviceTimeSafety);
            }
            return s;
        }

        private static Duration delay(double ms) {
            return Duration.ofNanos((long) (ms * 1e6));
        }

        /** {@code value} if {@code settings} (valid settings with only this knob changed) can be made, else a 400. */
        private static <T> T bounded(Supplier<SchedulerSettings> settings, T value) {
            try {
                settings.get();
            } catch (IllegalArgumentException e) {
                throw new BadRequestException(e.getMessage());
            }
            return value;
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

    private final ActorRef<ModelRegistry.Command> registry;
    private final ActiveModel model;
    private final BatchingScheduler scheduler;
    private final Scheduler actorScheduler;
    private final HttpSettings settings;
    private final int maxCandidates;
    private final Path modelsRoot;
    private final Executor blocking;
    /** The feature log's and the counters' figures, as the server gathers them. */
    private final Supplier<?> featurePlatform;

    private final VersionFigures figures;
    private final LoopRounds rounds;
    /** On a cluster's node: activations, rollbacks and canaries change every node. */
    private final Optional<ClusterRollout> cluster;

    /**
     * @param maxCandidates rows one rank request may bring: the queue must hold at least that many
     * @param modelsRoot the models folder, listed for the versions that could be loaded
     * @param blocking where that listing runs (it reads the disk), and where the registry's answers become responses
     *     (not the ask's own executor: see {@link RankRoutes}'s constructor)
     * @param figures each version's live figures, which the model list shows
     * @param rounds the learning loop's rounds
     * @param cluster on a cluster's node, the rollouts that activate, roll back and canary on every node
     */
    public AdminRoutes(
            ActorRef<ModelRegistry.Command> registry,
            ActiveModel model,
            BatchingScheduler scheduler,
            Scheduler actorScheduler,
            HttpSettings settings,
            int maxCandidates,
            Path modelsRoot,
            Executor blocking,
            Supplier<?> featurePlatform,
            VersionFigures figures,
            LoopRounds rounds,
            Optional<ClusterRollout> cluster) {
        this.cluster = cluster;
        this.featurePlatform = featurePlatform;
        this.figures = figures;
        this.rounds = rounds;
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
                pathPrefix(
                        "models",
                        () -> concat(
                                pathEnd(() -> get(() -> completeWithFuture(listModels()))),
                                path(
                                        "rollback",
                                        () -> post(() -> completeWithFuture(
                                                cluster.isPresent()
                                                        ? clusterReply(
                                                                cluster.get().rollback(), false)
                                                        : versionReply(AskPattern.askWithStatus(
                                                                registry,
                                                                ModelRegistry.Rollback::new,
                                                                settings.adminTimeout(),
                                                                actorScheduler))))),
                                path(
                                        PathMatchers.segment()
                                                .slash(PathMatchers.segment())
                                                .slash("load"),
                                        (name, version) ->
                                                post(() -> completeWithFuture(versionReply(AskPattern.askWithStatus(
                                                        registry,
                                                        replyTo -> new ModelRegistry.Load(name, version, replyTo),
                                                        settings.modelLoadTimeout(),
                                                        actorScheduler))))),
                                path(
                                        "canary",
                                        () -> delete(() -> completeWithFuture(
                                                cluster.isPresent()
                                                        ? clusterReply(
                                                                cluster.get().endCanary(), false)
                                                        : versionReply(AskPattern.askWithStatus(
                                                                registry,
                                                                ModelRegistry.EndCanary::new,
                                                                settings.adminTimeout(),
                                                                actorScheduler))))),
                                path(
                                        PathMatchers.segment()
                                                .slash(PathMatchers.segment())
                                                .slash("canary"),
                                        (name, version) -> post(() -> parameterOptional("share", given -> {
                                            // Checked here, not by a required parameter: a missing one is a 400 too.
                                            String share = given.orElse("");
                                            double value = canaryShare(share);
                                            if (!(value > 0 && value < 1)) {
                                                return complete(JsonResponses.error(
                                                        StatusCodes.BAD_REQUEST,
                                                        "share: a number within (0, 1), the canary's part of the users,"
                                                                + " was '" + share + "'"));
                                            }
                                            return completeWithFuture(
                                                    cluster.isPresent()
                                                            ? clusterReply(
                                                                    cluster.get()
                                                                            .canary(name, version, value),
                                                                    true)
                                                            : versionReply(AskPattern.askWithStatus(
                                                                    registry,
                                                                    replyTo -> new ModelRegistry.StartCanary(
                                                                            name, version, value, replyTo),
                                                                    settings.adminTimeout(),
                                                                    actorScheduler)));
                                        }))),
                                path(
                                        "shadow",
                                        () -> delete(() -> completeWithFuture(versionReply(AskPattern.askWithStatus(
                                                registry,
                                                ModelRegistry.EndShadow::new,
                                                settings.adminTimeout(),
                                                actorScheduler))))),
                                path(
                                        PathMatchers.segment()
                                                .slash(PathMatchers.segment())
                                                .slash("shadow"),
                                        (name, version) ->
                                                post(() -> completeWithFuture(versionReply(AskPattern.askWithStatus(
                                                        registry,
                                                        replyTo ->
                                                                new ModelRegistry.StartShadow(name, version, replyTo),
                                                        settings.adminTimeout(),
                                                        actorScheduler))))),
                                path(
                                        PathMatchers.segment()
                                                .slash(PathMatchers.segment())
                                                .slash("activate"),
                                        (name, version) -> post(() -> completeWithFuture(
                                                cluster.isPresent()
                                                        ? clusterReply(
                                                                cluster.get().activate(name, version), false)
                                                        : versionReply(AskPattern.askWithStatus(
                                                                registry,
                                                                replyTo -> new ModelRegistry.Activate(
                                                                        name, version, replyTo),
                                                                settings.adminTimeout(),
                                                                actorScheduler))))))),
                path("feature-log", () -> get(() -> complete(JsonResponses.ok(featurePlatform.get())))),
                path("loop", () -> get(() -> complete(JsonResponses.ok(new LoopView(rounds.list()))))),
                path(
                        "scheduler",
                        () -> concat(
                                get(() -> complete(JsonResponses.ok(schedulerView()))),
                                put(() -> JsonBody.of(
                                        settings.maxBodyBytes(), body -> complete(updateScheduler(body)))))));
    }

    /** The {@code share} parameter as a number, NaN when it is not one. */
    private static double canaryShare(String share) {
        try {
            return Double.parseDouble(share);
        } catch (NumberFormatException e) {
            return Double.NaN;
        }
    }

    private CompletionStage<HttpResponse> listModels() {
        CompletionStage<List<VersionInfo>> versions =
                AskPattern.ask(registry, ModelRegistry.ListVersions::new, settings.adminTimeout(), actorScheduler);
        CompletionStage<Map<String, List<String>>> onDisk =
                CompletableFuture.supplyAsync(() -> ModelFolder.versionsByName(modelsRoot), blocking);
        return versions.thenCombineAsync(
                onDisk,
                (list, folders) -> JsonResponses.ok(new ModelList(
                        model.current().map(v -> v.id()).orElse(null),
                        model.canary()
                                .map(c -> new CanaryView(
                                        c.version().id(),
                                        c.share(),
                                        since(list, c.version().id())))
                                .orElse(null),
                        model.shadow()
                                .map(s -> new ShadowView(s.id(), since(list, s.id())))
                                .orElse(null),
                        list,
                        folders,
                        figures.live(),
                        figures.shadow().figures(),
                        figures.window().toMinutes(),
                        figures.unattributed())),
                blocking);
    }

    /**
     * When the registry last changed {@code id}'s state or detail: for the canary or the shadow, when it became one.
     */
    private static Instant since(List<VersionInfo> versions, String id) {
        return versions.stream()
                .filter(v -> v.id().equals(id))
                .map(VersionInfo::since)
                .findFirst()
                .orElse(null);
    }

    /**
     * A cluster-wide change's answer: this node's version as {@link #versionReply} gives it (the active one, or with
     * {@code canary} the canary), with {@code cluster}, each node's steps; 409 with them when not every node did it.
     */
    private CompletionStage<HttpResponse> clusterReply(
            CompletionStage<ClusterRollout.Outcome> outcome, boolean canary) {
        return outcome.thenCompose(o -> AskPattern.ask(
                                registry, ModelRegistry.ListVersions::new, settings.adminTimeout(), actorScheduler)
                        .thenApplyAsync(versions -> clusterAnswer(o, versions, canary), blocking))
                .exceptionally(ErrorMapping::toResponse);
    }

    private HttpResponse clusterAnswer(ClusterRollout.Outcome o, List<VersionInfo> versions, boolean canary) {
        if (!o.done()) {
            return JsonResponses.json(StatusCodes.CONFLICT, new ClusterRefusal(o.detail(), o));
        }
        Optional<String> id = canary
                ? model.canary().map(c -> c.version().id())
                : model.current().map(v -> v.id());
        VersionInfo info = versions.stream()
                .filter(v -> id.isPresent() && v.id().equals(id.get()))
                .findFirst()
                .orElse(null);
        return JsonResponses.ok(
                info == null
                        ? new ClusterChange(null, null, null, null, o.action(), null, null, o)
                        : new ClusterChange(
                                info.name(),
                                info.version(),
                                info.state(),
                                info.since(),
                                info.detail(),
                                info.loadedAt(),
                                info.validation(),
                                o));
    }

    /** A cluster-wide change done: this node's version, as a single node answers, and every node's steps. */
    public record ClusterChange(
            String name,
            String version,
            VersionState state,
            Instant since,
            String detail,
            Instant loadedAt,
            String validation,
            ClusterRollout.Outcome cluster) {}

    /** A cluster-wide change refused: why, and every node's steps. */
    public record ClusterRefusal(String error, ClusterRollout.Outcome cluster) {}

    private CompletionStage<HttpResponse> versionReply(CompletionStage<VersionInfo> reply) {
        return reply.handleAsync(
                (info, failure) -> failure == null ? JsonResponses.ok(info) : ErrorMapping.toResponse(failure),
                blocking);
    }

    private SchedulerView schedulerView() {
        return new SchedulerView(Knobs.of(scheduler.settings()), scheduler.stats());
    }

    private HttpResponse updateScheduler(byte[] body) {
        SchedulerUpdate update = SchedulerUpdate.from(JsonResponses.readObject(body), maxCandidates);
        SchedulerSettings s;
        try {
            s = update.applyTo(scheduler.settings());
        } catch (IllegalArgumentException e) {
            throw new BadRequestException(e.getMessage());
        }
        scheduler.updateSettings(s);
        return JsonResponses.ok(schedulerView());
    }
}
