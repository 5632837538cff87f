package adsml.actors.models;

import adsml.platform.features.FeatureSchema;
import adsml.scheduler.BatchingScheduler;
import adsml.scheduler.Device;
import adsml.scheduler.LoadedVersion;
import adsml.scheduler.Ticker;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.PostStop;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.pattern.StatusReply;

/**
 * Owns the model versions: {@code LOADING (files read, loaded on every device) -> WARMING (golden batch: validation and
 * warm-up) -> READY -> ACTIVE -> READY (the previous one, kept for an instant rollback) -> DRAINING -> UNLOADED}, or
 * {@code FAILED} with the reason.
 *
 * <p>Loading and validation run on the blocking executor and come back as messages. Activation is one write to
 * {@link ActiveModel}: requests already holding the old version finish on it, and the scheduler frees a retired
 * version's memory after its last batch. Only the active version and the one before it stay loaded; a version that
 * fails any step never touches the active one.
 */
public final class ModelRegistry extends AbstractBehavior<ModelRegistry.Command> {

    public sealed interface Command {}

    /** Loads and validates {@code name/version} from the models folder; the reply comes when it is READY or FAILED. */
    public record Load(String name, String version, ActorRef<StatusReply<VersionInfo>> replyTo) implements Command {}

    /** Makes a READY version the one live traffic is scored by. */
    public record Activate(String name, String version, ActorRef<StatusReply<VersionInfo>> replyTo)
            implements Command {}

    /** Re-activates the version that was active before the current one. */
    public record Rollback(ActorRef<StatusReply<VersionInfo>> replyTo) implements Command {}

    public record ListVersions(ActorRef<List<VersionInfo>> replyTo) implements Command {}

    private record LoadFinished(String id, VersionLoader.Loaded loaded) implements Command {}

    /** Sent from the loading thread once the version is on every device and its golden batch starts. */
    private record WarmingStarted(String id) implements Command {}

    private record LoadFailed(String id, Throwable cause) implements Command {}

    private final VersionLoader loader;
    private final ActiveModel active;
    private final Executor blocking;
    private final Clock clock;
    private final Map<String, VersionInfo> versions = new LinkedHashMap<>();
    private final Map<String, LoadedVersion> loaded = new LinkedHashMap<>();
    private final Map<String, LoadedVersion> draining = new LinkedHashMap<>();
    private final Map<String, List<ActorRef<StatusReply<VersionInfo>>>> waitingForLoad = new LinkedHashMap<>();
    private String activeId;
    private String previousId;

    private ModelRegistry(
            ActorContext<Command> context, VersionLoader loader, ActiveModel active, Executor blocking, Clock clock) {
        super(context);
        this.loader = loader;
        this.active = active;
        this.blocking = blocking;
        this.clock = clock;
    }

    /**
     * @param modelsRoot the only folder versions are loaded from
     * @param blocking where loading and validation run, never the actor's own dispatcher
     */
    public static Behavior<Command> create(
            Path modelsRoot,
            List<Device> devices,
            BatchingScheduler scheduler,
            FeatureSchema servingSchema,
            Ticker ticker,
            ActiveModel active,
            Executor blocking,
            Clock clock) {
        VersionLoader loader = new VersionLoader(modelsRoot, devices, scheduler, servingSchema, ticker);
        return Behaviors.setup(context -> new ModelRegistry(context, loader, active, blocking, clock));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Load.class, this::onLoad)
                .onMessage(WarmingStarted.class, this::onWarmingStarted)
                .onMessage(LoadFinished.class, this::onLoadFinished)
                .onMessage(LoadFailed.class, this::onLoadFailed)
                .onMessage(Activate.class, this::onActivate)
                .onMessage(Rollback.class, this::onRollback)
                .onMessage(ListVersions.class, this::onList)
                .onSignal(PostStop.class, signal -> onStop())
                .build();
    }

    private Behavior<Command> onLoad(Load load) {
        String id = load.name() + "/" + load.version();
        VersionInfo known = versions.get(id);
        if (known != null && (known.state() == VersionState.READY || known.state() == VersionState.ACTIVE)) {
            load.replyTo().tell(StatusReply.success(known));
            return this;
        }
        if (known != null && (known.state() == VersionState.LOADING || known.state() == VersionState.WARMING)) {
            waitingForLoad.get(id).add(load.replyTo());
            return this;
        }
        Path dir;
        try {
            dir = loader.resolve(load.name(), load.version());
        } catch (RegistryRefusal e) {
            load.replyTo().tell(StatusReply.error(e));
            return this;
        }
        versions.put(id, new VersionInfo(load.name(), load.version(), VersionState.LOADING, clock.instant(), "", null));
        waitingForLoad.put(id, new ArrayList<>(List.of(load.replyTo())));
        ActorRef<Command> self = getContext().getSelf();
        getContext()
                .pipeToSelf(
                        CompletableFuture.supplyAsync(
                                () -> loader.load(dir, () -> self.tell(new WarmingStarted(id))), blocking),
                        (result, failure) ->
                                failure == null ? new LoadFinished(id, result) : new LoadFailed(id, failure));
        return this;
    }

    private Behavior<Command> onWarmingStarted(WarmingStarted warming) {
        VersionInfo info = versions.get(warming.id());
        // The load may have finished (or failed) before this message arrived: only a loading version warms.
        if (info != null && info.state() == VersionState.LOADING) {
            versions.put(warming.id(), info.to(VersionState.WARMING, clock.instant(), ""));
        }
        return this;
    }

    private Behavior<Command> onLoadFinished(LoadFinished done) {
        loaded.put(done.id(), done.loaded().version());
        VersionInfo info =
                versions.get(done.id()).loaded(clock.instant(), done.loaded().validation());
        versions.put(done.id(), info);
        getContext()
                .getLog()
                .info("model {} ready: {}", done.id(), done.loaded().validation());
        reply(done.id(), StatusReply.success(info));
        return this;
    }

    private Behavior<Command> onLoadFailed(LoadFailed failed) {
        Throwable cause =
                failed.cause() instanceof CompletionException && failed.cause().getCause() != null
                        ? failed.cause().getCause()
                        : failed.cause();
        String reason = cause.getMessage() == null ? cause.getClass().getSimpleName() : cause.getMessage();
        versions.put(failed.id(), versions.get(failed.id()).to(VersionState.FAILED, clock.instant(), reason));
        getContext().getLog().warn("model {} failed: {}", failed.id(), reason);
        reply(
                failed.id(),
                StatusReply.error(
                        new RegistryRefusal(RegistryRefusal.Kind.CONFLICT, failed.id() + " failed: " + reason)));
        return this;
    }

    private void reply(String id, StatusReply<VersionInfo> reply) {
        for (ActorRef<StatusReply<VersionInfo>> waiting : waitingForLoad.remove(id)) {
            waiting.tell(reply);
        }
    }

    private Behavior<Command> onActivate(Activate activate) {
        activate(activate.name() + "/" + activate.version(), activate.replyTo());
        return this;
    }

    private Behavior<Command> onRollback(Rollback rollback) {
        if (previousId == null) {
            rollback.replyTo()
                    .tell(StatusReply.error(
                            new RegistryRefusal(RegistryRefusal.Kind.CONFLICT, "no previous version to roll back to")));
            return this;
        }
        activate(previousId, rollback.replyTo());
        return this;
    }

    private void activate(String id, ActorRef<StatusReply<VersionInfo>> replyTo) {
        VersionInfo info = versions.get(id);
        if (info == null || !loaded.containsKey(id)) {
            replyTo.tell(StatusReply.error(
                    info == null
                            ? new RegistryRefusal(RegistryRefusal.Kind.NOT_FOUND, id + " was never loaded")
                            : new RegistryRefusal(
                                    RegistryRefusal.Kind.CONFLICT,
                                    id + " is not loaded (it is " + info.state() + ")")));
            return;
        }
        if (id.equals(activeId)) {
            replyTo.tell(StatusReply.success(info));
            return;
        }
        active.set(loaded.get(id));
        String demoted = activeId;
        String formerPrevious = previousId;
        previousId = demoted;
        activeId = id;
        versions.put(id, info.to(VersionState.ACTIVE, clock.instant(), info.detail()));
        if (demoted != null) {
            versions.put(
                    demoted,
                    versions.get(demoted)
                            .to(
                                    VersionState.READY,
                                    clock.instant(),
                                    versions.get(demoted).detail()));
        }
        // Only the version that just stopped being the rollback target is retired: versions loaded
        // but never activated stay READY for an activation later.
        if (formerPrevious != null && !formerPrevious.equals(id) && !formerPrevious.equals(demoted)) {
            retire(formerPrevious);
        }
        getContext().getLog().info("model {} active (previous: {})", id, demoted);
        replyTo.tell(StatusReply.success(versions.get(id)));
    }

    /**
     * Takes a version out of service: DRAINING while batches it started are in flight; the scheduler frees its memory
     * after the last one, and the next listing shows it UNLOADED.
     */
    private void retire(String id) {
        LoadedVersion version = loaded.remove(id);
        if (version == null) {
            return;
        }
        try {
            version.close();
        } catch (RuntimeException e) {
            getContext().getLog().warn("closing {} failed: {}", id, e.toString());
        }
        draining.put(id, version);
        versions.put(
                id,
                versions.get(id)
                        .to(
                                VersionState.DRAINING,
                                clock.instant(),
                                versions.get(id).detail()));
        updateDraining();
    }

    private void updateDraining() {
        draining.entrySet().removeIf(e -> {
            if (!e.getValue().isReleased()) {
                return false;
            }
            versions.put(
                    e.getKey(),
                    versions.get(e.getKey())
                            .to(
                                    VersionState.UNLOADED,
                                    clock.instant(),
                                    versions.get(e.getKey()).detail()));
            return true;
        });
    }

    private Behavior<Command> onStop() {
        for (LoadedVersion version : loaded.values()) {
            try {
                version.close();
            } catch (RuntimeException e) {
                getContext().getLog().warn("closing {} at shutdown failed: {}", version.id(), e.toString());
            }
        }
        loaded.clear();
        return this;
    }

    private Behavior<Command> onList(ListVersions list) {
        updateDraining();
        list.replyTo().tell(List.copyOf(versions.values()));
        return this;
    }
}
