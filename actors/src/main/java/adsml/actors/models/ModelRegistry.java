package adsml.actors.models;

import adsml.platform.features.FeatureSets;
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
import java.util.Optional;
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
 *
 * <p>A loaded version that the scheduler finds faulty (its scorer throws where other versions score, or its scores are
 * not finite probabilities; see {@code BatchingScheduler}) becomes FAILED with the reason and is unloaded. If it was
 * active, the registry first rolls back to the last good version: the most recently active one that has not failed,
 * activated at once while it is still loaded, or loaded again from its folder (the faulty one serves meanwhile). With
 * no such version the faulty one stays active, since nothing else could score, and says so in its detail.
 */
public final class ModelRegistry extends AbstractBehavior<ModelRegistry.Command> {

    public sealed interface Command {}

    /** Loads and validates {@code name/version} from the models folder; the reply comes when it is READY or FAILED. */
    public record Load(String name, String version, ActorRef<StatusReply<VersionInfo>> replyTo) implements Command {}

    /** Makes a READY version the one live traffic is scored by. */
    public record Activate(String name, String version, ActorRef<StatusReply<VersionInfo>> replyTo)
            implements Command {}

    /**
     * Has a READY version score {@code share} of the users (by the hash of their id) beside the active one, until it is
     * activated or the canary ends; one canary at a time (a new one replaces it).
     */
    public record StartCanary(String name, String version, double share, ActorRef<StatusReply<VersionInfo>> replyTo)
            implements Command {}

    /** Ends the canary: every user back on the active version; the canary version stays READY. */
    public record EndCanary(ActorRef<StatusReply<VersionInfo>> replyTo) implements Command {}

    /**
     * Has a READY version score every request's rows again after the live scores are back, as shadow work whose scores
     * are only compared, never shown; one shadow at a time (a new one replaces it). It must read the active version's
     * feature set, since it scores the very rows the live version scored. Activating it ends the shadow.
     */
    public record StartShadow(String name, String version, ActorRef<StatusReply<VersionInfo>> replyTo)
            implements Command {}

    /** Ends the shadow; the version stays READY. */
    public record EndShadow(ActorRef<StatusReply<VersionInfo>> replyTo) implements Command {}

    /** Re-activates the version that was active before the current one. */
    public record Rollback(ActorRef<StatusReply<VersionInfo>> replyTo) implements Command {}

    public record ListVersions(ActorRef<List<VersionInfo>> replyTo) implements Command {}

    private record LoadFinished(String id, VersionLoader.Loaded loaded) implements Command {}

    /** The gate's verdict on activating {@code id} in place of {@code against}: empty to go ahead, else why not. */
    private record GateDecided(
            String id,
            String against,
            Optional<String> refusal,
            Throwable failure,
            ActorRef<StatusReply<VersionInfo>> replyTo)
            implements Command {}

    /** Sent from the loading thread once the version is on every device and its golden batch starts. */
    private record WarmingStarted(String id) implements Command {}

    private record LoadFailed(String id, Throwable cause) implements Command {}

    /** Sent from the scheduler's thread when it finds a loaded version at fault. */
    private record Faulted(String id, LoadedVersion version, String reason) implements Command {}

    private final VersionLoader loader;
    private final ActiveModel active;
    private final Executor blocking;
    private final Clock clock;
    private final ActivationGate gate;
    private final Map<String, VersionInfo> versions = new LinkedHashMap<>();
    private final Map<String, LoadedVersion> loaded = new LinkedHashMap<>();
    private final Map<String, LoadedVersion> draining = new LinkedHashMap<>();
    private final Map<String, List<ActorRef<StatusReply<VersionInfo>>>> waitingForLoad = new LinkedHashMap<>();
    // The versions ever activated, most recent last: where a rollback from a faulty version looks.
    private final List<String> activated = new ArrayList<>();
    private String activeId;
    private String previousId;
    private String canaryId;
    private String shadowId;
    // The version being loaded again to replace the faulty active one; null when none is.
    private String rollbackLoad;

    private ModelRegistry(
            ActorContext<Command> context,
            VersionLoader loader,
            ActiveModel active,
            Executor blocking,
            Clock clock,
            ActivationGate gate) {
        super(context);
        this.gate = gate;
        this.loader = loader;
        this.active = active;
        this.blocking = blocking;
        this.clock = clock;
    }

    /**
     * @param modelsRoot the only folder versions are loaded from
     * @param blocking where loading and validation run, never the actor's own dispatcher
     * @param gate what a version must pass to replace the active one ({@link ActivationGate#NONE}: nothing)
     */
    public static Behavior<Command> create(
            Path modelsRoot,
            List<Device> devices,
            BatchingScheduler scheduler,
            FeatureSets featureSets,
            Ticker ticker,
            ActiveModel active,
            Executor blocking,
            Clock clock,
            ActivationGate gate) {
        VersionLoader loader = new VersionLoader(modelsRoot, devices, scheduler, featureSets, ticker);
        return Behaviors.setup(context -> new ModelRegistry(context, loader, active, blocking, clock, gate));
    }

    @Override
    public Receive<Command> createReceive() {
        return newReceiveBuilder()
                .onMessage(Load.class, this::onLoad)
                .onMessage(WarmingStarted.class, this::onWarmingStarted)
                .onMessage(LoadFinished.class, this::onLoadFinished)
                .onMessage(LoadFailed.class, this::onLoadFailed)
                .onMessage(Faulted.class, this::onFaulted)
                .onMessage(Activate.class, this::onActivate)
                .onMessage(GateDecided.class, this::onGateDecided)
                .onMessage(Rollback.class, this::onRollback)
                .onMessage(StartCanary.class, this::onStartCanary)
                .onMessage(EndCanary.class, this::onEndCanary)
                .onMessage(StartShadow.class, this::onStartShadow)
                .onMessage(EndShadow.class, this::onEndShadow)
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
        startLoad(load.name(), load.version(), dir, load.replyTo());
        return this;
    }

    /** Loads {@code dir} on the blocking executor; {@code replyTo}, if any, hears when it is READY or FAILED. */
    private void startLoad(String name, String version, Path dir, ActorRef<StatusReply<VersionInfo>> replyTo) {
        String id = name + "/" + version;
        // A version loaded again while its old copy still drains: the old copy must not later mark the new UNLOADED.
        draining.remove(id);
        versions.put(id, new VersionInfo(name, version, VersionState.LOADING, clock.instant(), "", null, null));
        List<ActorRef<StatusReply<VersionInfo>>> waiting = new ArrayList<>();
        if (replyTo != null) {
            waiting.add(replyTo);
        }
        waitingForLoad.put(id, waiting);
        ActorRef<Command> self = getContext().getSelf();
        getContext()
                .pipeToSelf(
                        CompletableFuture.supplyAsync(
                                () -> loader.load(dir, () -> self.tell(new WarmingStarted(id))), blocking),
                        (result, failure) ->
                                failure == null ? new LoadFinished(id, result) : new LoadFailed(id, failure));
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
        LoadedVersion version = done.loaded().version();
        ActorRef<Command> self = getContext().getSelf();
        version.whenFaulty().thenAccept(reason -> self.tell(new Faulted(done.id(), version, reason)));
        if (done.id().equals(rollbackLoad)) {
            rollbackLoad = null;
            if (activeIsFaulty()) {
                replaceFaultyActive(done.id());
            }
        }
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
        if (failed.id().equals(rollbackLoad)) {
            rollbackLoad = null;
            if (activeIsFaulty()) {
                rollBackFromActive();
            }
        }
        return this;
    }

    private Behavior<Command> onFaulted(Faulted faulted) {
        if (loaded.get(faulted.id()) != faulted.version()) {
            return this; // unloaded (or loaded again) since
        }
        String reason = "failed on live traffic: " + faulted.reason();
        getContext().getLog().warn("model {} {}", faulted.id(), reason);
        if (faulted.id().equals(activeId)) {
            rollBackFromActive();
        } else {
            if (faulted.id().equals(previousId)) {
                previousId = null;
            }
            unloadFailed(faulted.id(), reason);
        }
        return this;
    }

    private boolean activeIsFaulty() {
        LoadedVersion current = activeId == null ? null : loaded.get(activeId);
        return current != null && current.fault().isPresent();
    }

    /**
     * Replaces the faulty active version with the most recently active one that has not failed: at once when it is
     * loaded, else once it is loaded again. With none, the faulty version keeps serving.
     */
    private void rollBackFromActive() {
        String faulty = activeId;
        VersionInfo info = versions.get(faulty);
        String reason = "failed on live traffic: " + loaded.get(faulty).fault().orElseThrow();
        for (int i = activated.size() - 1; i >= 0; i--) {
            String candidate = activated.get(i);
            VersionInfo known = versions.get(candidate);
            if (candidate.equals(faulty) || known.state() == VersionState.FAILED) {
                continue;
            }
            if (loaded.containsKey(candidate)) {
                replaceFaultyActive(candidate);
                return;
            }
            if (known.state() == VersionState.LOADING || known.state() == VersionState.WARMING) {
                rollbackLoad = candidate; // an admin's load of it is under way: activate it when it is READY
            } else if (!reload(known)) {
                continue;
            }
            versions.put(
                    faulty,
                    info.to(
                            VersionState.ACTIVE,
                            clock.instant(),
                            reason + "; rolling back to " + candidate + ", which is loading again"));
            return;
        }
        versions.put(
                faulty,
                info.to(
                        VersionState.ACTIVE,
                        clock.instant(),
                        reason + "; no good version to roll back to, so it " + "still serves"));
        getContext().getLog().error("model {} {}, and no good version is left to roll back to", faulty, reason);
    }

    /** Starts loading {@code version} again to roll back to it; false (it is FAILED then) when its folder is gone. */
    private boolean reload(VersionInfo version) {
        try {
            startLoad(version.name(), version.version(), loader.resolve(version.name(), version.version()), null);
            rollbackLoad = version.id();
            return true;
        } catch (RegistryRefusal e) {
            versions.put(version.id(), version.to(VersionState.FAILED, clock.instant(), e.getMessage()));
            return false;
        }
    }

    /** Makes the loaded {@code goodId} active instead of the faulty active version, which is FAILED and unloaded. */
    private void replaceFaultyActive(String goodId) {
        String faulty = activeId;
        String reason = "failed on live traffic: " + loaded.get(faulty).fault().orElseThrow();
        active.set(loaded.get(goodId));
        activeId = goodId;
        noteActivated(goodId);
        if (goodId.equals(previousId)) {
            previousId = null;
        }
        VersionInfo good = versions.get(goodId);
        versions.put(
                goodId,
                good.to(VersionState.ACTIVE, clock.instant(), "rolled back to, from " + faulty + ", " + reason));
        unloadFailed(faulty, reason + "; rolled back to " + goodId);
        getContext().getLog().warn("model {} rolled back to {}", faulty, goodId);
    }

    /** Takes a faulty version out of service; it stays FAILED (with {@code reason}) while it drains. */
    private void unloadFailed(String id, String reason) {
        if (id.equals(canaryId)) {
            endCanary();
        }
        if (id.equals(shadowId)) {
            endShadow();
        }
        LoadedVersion version = loaded.remove(id);
        try {
            version.close();
        } catch (RuntimeException e) {
            getContext().getLog().warn("closing {} failed: {}", id, e.toString());
        }
        versions.put(id, versions.get(id).to(VersionState.FAILED, clock.instant(), reason));
    }

    private void noteActivated(String id) {
        activated.remove(id);
        activated.add(id);
    }

    private void reply(String id, StatusReply<VersionInfo> reply) {
        for (ActorRef<StatusReply<VersionInfo>> waiting : waitingForLoad.remove(id)) {
            waiting.tell(reply);
        }
    }

    private Behavior<Command> onStartCanary(StartCanary start) {
        String id = start.name() + "/" + start.version();
        VersionInfo info = versions.get(id);
        if (!(start.share() > 0 && start.share() < 1)) {
            start.replyTo()
                    .tell(StatusReply.error(new RegistryRefusal(
                            RegistryRefusal.Kind.BAD_REQUEST,
                            "a canary's share must be within (0, 1), was " + start.share())));
        } else if (info == null || !loaded.containsKey(id)) {
            start.replyTo()
                    .tell(StatusReply.error(
                            info == null
                                    ? new RegistryRefusal(RegistryRefusal.Kind.NOT_FOUND, id + " was never loaded")
                                    : new RegistryRefusal(
                                            RegistryRefusal.Kind.CONFLICT,
                                            id + " is not loaded (it is " + info.state() + ")")));
        } else if (id.equals(activeId)) {
            start.replyTo()
                    .tell(StatusReply.error(
                            new RegistryRefusal(RegistryRefusal.Kind.CONFLICT, id + " is the active version")));
        } else {
            endCanary();
            active.setCanary(new ActiveModel.Canary(loaded.get(id), start.share()));
            canaryId = id;
            String detail = String.format("canary: %.1f%% of users", 100 * start.share());
            versions.put(id, info.to(info.state(), clock.instant(), detail));
            getContext().getLog().info("model {} is the canary for {}", id, detail);
            start.replyTo().tell(StatusReply.success(versions.get(id)));
        }
        return this;
    }

    private Behavior<Command> onEndCanary(EndCanary end) {
        String id = canaryId;
        if (id == null) {
            end.replyTo().tell(StatusReply.error(new RegistryRefusal(RegistryRefusal.Kind.CONFLICT, "no canary runs")));
            return this;
        }
        endCanary();
        end.replyTo().tell(StatusReply.success(versions.get(id)));
        return this;
    }

    /** Every user back on the active version; the canary's state says it served one no more. */
    private void endCanary() {
        if (canaryId == null) {
            return;
        }
        active.setCanary(null);
        VersionInfo info = versions.get(canaryId);
        if (info != null) {
            versions.put(canaryId, info.to(info.state(), clock.instant(), "was a canary"));
        }
        getContext().getLog().info("canary {} ended", canaryId);
        canaryId = null;
    }

    private Behavior<Command> onStartShadow(StartShadow start) {
        String id = start.name() + "/" + start.version();
        VersionInfo info = versions.get(id);
        RegistryRefusal refusal = null;
        if (info == null) {
            refusal = new RegistryRefusal(RegistryRefusal.Kind.NOT_FOUND, id + " was never loaded");
        } else if (!loaded.containsKey(id)) {
            refusal = new RegistryRefusal(
                    RegistryRefusal.Kind.CONFLICT, id + " is not loaded (it is " + info.state() + ")");
        } else if (id.equals(activeId)) {
            refusal = new RegistryRefusal(RegistryRefusal.Kind.CONFLICT, id + " is the active version");
        } else if (activeId == null) {
            refusal =
                    new RegistryRefusal(RegistryRefusal.Kind.CONFLICT, "no version is active for " + id + " to shadow");
        } else {
            String set = featureSet(id);
            String activeSet = featureSet(activeId);
            if (!set.equals(activeSet)) {
                refusal = new RegistryRefusal(
                        RegistryRefusal.Kind.CONFLICT,
                        id + " reads feature set " + set + " and the active " + activeId + " reads " + activeSet
                                + ": a shadow scores the rows the live version scored");
            }
        }
        if (refusal != null) {
            start.replyTo().tell(StatusReply.error(refusal));
            return this;
        }
        endShadow();
        active.setShadow(loaded.get(id));
        shadowId = id;
        versions.put(id, info.to(info.state(), clock.instant(), "shadow: scores live requests, never shown"));
        getContext().getLog().info("model {} is the shadow of {}", id, activeId);
        start.replyTo().tell(StatusReply.success(versions.get(id)));
        return this;
    }

    private String featureSet(String id) {
        return loaded.get(id).spec().schema().name();
    }

    private Behavior<Command> onEndShadow(EndShadow end) {
        String id = shadowId;
        if (id == null) {
            end.replyTo().tell(StatusReply.error(new RegistryRefusal(RegistryRefusal.Kind.CONFLICT, "no shadow runs")));
            return this;
        }
        endShadow();
        end.replyTo().tell(StatusReply.success(versions.get(id)));
        return this;
    }

    /** No request is mirrored any more; shadow jobs already queued still finish, and are still counted. */
    private void endShadow() {
        if (shadowId == null) {
            return;
        }
        active.setShadow(null);
        VersionInfo info = versions.get(shadowId);
        if (info != null) {
            versions.put(shadowId, info.to(info.state(), clock.instant(), "was a shadow"));
        }
        getContext().getLog().info("shadow {} ended", shadowId);
        shadowId = null;
    }

    private Behavior<Command> onActivate(Activate activate) {
        String id = activate.name() + "/" + activate.version();
        if (activeId == null || id.equals(activeId) || !loaded.containsKey(id)) {
            activate(id, activate.replyTo(), false); // nothing to judge against, or refused on its state
            return this;
        }
        String against = activeId;
        getContext()
                .pipeToSelf(
                        gate.check(id, against),
                        (refusal, failure) -> new GateDecided(id, against, refusal, failure, activate.replyTo()));
        return this;
    }

    private Behavior<Command> onGateDecided(GateDecided decided) {
        Throwable failure = decided.failure() instanceof CompletionException wrapped && wrapped.getCause() != null
                ? wrapped.getCause()
                : decided.failure();
        String refusal = failure != null
                ? "the replay gate could not judge " + decided.id() + ": " + failure.getMessage()
                : !decided.against().equals(activeId)
                        ? "the active version changed from " + decided.against() + " to " + activeId
                                + " while the replay gate judged " + decided.id() + ": activate it again"
                        : decided.refusal().orElse(null);
        if (refusal != null) {
            getContext().getLog().info("activation of {} refused: {}", decided.id(), refusal);
            decided.replyTo().tell(StatusReply.error(new RegistryRefusal(RegistryRefusal.Kind.CONFLICT, refusal)));
            return this;
        }
        activate(decided.id(), decided.replyTo(), false);
        return this;
    }

    private Behavior<Command> onRollback(Rollback rollback) {
        if (previousId == null) {
            rollback.replyTo()
                    .tell(StatusReply.error(
                            new RegistryRefusal(RegistryRefusal.Kind.CONFLICT, "no previous version to roll back to")));
            return this;
        }
        activate(previousId, rollback.replyTo(), true);
        return this;
    }

    /**
     * Makes {@code id} the active version, the active one the previous (the rollback target), and says in both details
     * how: promoted from its canary or shadow, rolled back to, or activated, and which canary that ended.
     */
    private void activate(String id, ActorRef<StatusReply<VersionInfo>> replyTo, boolean rollback) {
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
        String promotedFrom = id.equals(canaryId) ? "canary" : id.equals(shadowId) ? "shadow" : null;
        String endedCanary = canaryId == null || canaryId.equals(id) ? "" : "; canary " + canaryId + " ended";
        String how = rollback
                ? "rolled back to, from " + activeId + (id.equals(shadowId) ? "; its shadow run ended" : "")
                : promotedFrom != null ? "promoted from its " + promotedFrom : "activated";
        endCanary(); // promoted, or replaced by the version activated instead
        if (id.equals(shadowId)) {
            endShadow(); // promoted: it is live now
        }
        info = versions.get(id); // the record as ending the canary or the shadow left it
        active.set(loaded.get(id));
        String demoted = activeId;
        String formerPrevious = previousId;
        if (demoted != null && activeIsFaulty()) {
            // Replaced by hand before its rollback finished: a faulty version is no rollback target, and the one
            // before it stays the previous.
            unloadFailed(
                    demoted,
                    "failed on live traffic: " + loaded.get(demoted).fault().orElseThrow());
            rollbackLoad = null;
            demoted = formerPrevious == null || formerPrevious.equals(id) ? null : formerPrevious;
            formerPrevious = null;
        }
        previousId = demoted;
        activeId = id;
        noteActivated(id);
        versions.put(id, info.to(VersionState.ACTIVE, clock.instant(), how + endedCanary));
        if (demoted != null) {
            versions.put(
                    demoted,
                    versions.get(demoted)
                            .to(
                                    VersionState.READY,
                                    clock.instant(),
                                    (rollback ? "rolled back from" : "the previous version")
                                            + ": loaded, what a rollback activates"));
        }
        // Only the version that just stopped being the rollback target is retired: versions loaded
        // but never activated stay READY for an activation later.
        if (formerPrevious != null && !formerPrevious.equals(id) && !formerPrevious.equals(demoted)) {
            retire(formerPrevious);
        }
        String features = loaded.get(id).spec().schema().name();
        LoadedVersion before = demoted == null ? null : loaded.get(demoted);
        if (before != null && !before.spec().schema().name().equals(features)) {
            // Legal (each version reads its own set), but a feature set dropped by accident is silent otherwise.
            getContext()
                    .getLog()
                    .warn(
                            "model {} active (previous: {}); it reads feature set {} where {} read {}",
                            id,
                            demoted,
                            features,
                            demoted,
                            before.spec().schema().name());
        } else {
            getContext().getLog().info("model {} active (previous: {}; feature set {})", id, demoted, features);
        }
        replyTo.tell(StatusReply.success(versions.get(id)));
    }

    /**
     * Takes a version out of service: DRAINING while batches it started are in flight; the scheduler frees its memory
     * after the last one, and the next listing shows it UNLOADED.
     */
    private void retire(String id) {
        if (id.equals(canaryId)) {
            endCanary();
        }
        if (id.equals(shadowId)) {
            endShadow();
        }
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
